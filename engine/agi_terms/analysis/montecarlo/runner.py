"""Running a Monte Carlo population: fixed chunks with their own seeds, locally, in processes or on Dask.

Runs are cut into chunks of ``CHUNK_RUNS``; chunk ``i`` draws from the key that
``numpy.random.SeedSequence(seed, spawn_key=(i,))`` (the ``i``-th child that ``SeedSequence(seed).spawn``
gives) generates, so the result depends on the seed and the number of runs only, never on how many
workers evaluate the chunks or in which order they finish. Chunks return integer counts, summed as
they arrive: memory does not grow with the number of runs. Worker processes take chunks one at a
time as they finish the last, and send their sums once at the end.
"""

from __future__ import annotations

import datetime as dt
import importlib
import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agi_terms.analysis.montecarlo import sensitivity as sensitivity_study
from agi_terms.analysis.montecarlo.assumptions import Assumptions
from agi_terms.analysis.montecarlo.histories import Histories, has_panel, sample_histories
from agi_terms.analysis.montecarlo.population import DECLARED, VERIFIED, Counts, Population
from agi_terms.analysis.montecarlo.result import Lapse, MonteCarloResult, Sensitivity
from agi_terms.errors import AgiTermsError, InputError
from agi_terms.rulebook import load_rulebook

CHUNK_RUNS = 1 << 16
"""Runs per chunk: fixed, so that a seed gives the same draws whatever the number of workers."""

Progress = Callable[[int, int], None]
"""Called with (runs done, runs in all) as chunks complete."""

_QUANTILES = {"p10": (1, 10), "median": (1, 2), "p90": (9, 10)}


@dataclass(frozen=True)
class ChunkTask:
    """One chunk's work, picklable for worker processes and Dask."""

    assumptions: Assumptions
    overrides: Mapping[str, object]
    seed: int
    index: int
    size: int
    lapse: bool = True
    """Count lapse days too (a sensitivity study needs shares on one date only)."""
    study: int = 0
    """Which of the run's populations the chunk belongs to."""

    def histories(self) -> Histories:
        """The chunk's sampled histories (its own seed: the chunk's index spawned from ``seed``)."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.index,))
        key = int(sequence.generate_state(1, np.uint64)[0])
        return sample_histories(
            self.assumptions, self.size, key, panel=has_panel(self.assumptions.agreement)
        )


def run_chunk(task: ChunkTask, population: Population | None = None) -> Counts:
    """Sample and evaluate one chunk; returns its counts."""
    population = population or Population(task.assumptions, task.overrides)
    return population.evaluate_counts(task.histories(), lapse=task.lapse)


def chunk_tasks(
    assumptions: Assumptions,
    runs: int,
    seed: int,
    overrides: Mapping[str, object] | None = None,
    *,
    lapse: bool = True,
    study: int = 0,
) -> list[ChunkTask]:
    """The chunks of ``runs`` runs: all of ``CHUNK_RUNS`` but the last."""
    extra = dict(overrides or {})
    return [
        ChunkTask(assumptions, extra, seed, i, min(CHUNK_RUNS, runs - start), lapse, study)
        for i, start in enumerate(range(0, runs, CHUNK_RUNS))
    ]


def run_montecarlo(
    assumptions: Assumptions,
    *,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, object] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    sensitivity_on: dt.date | None = None,
) -> MonteCarloResult:
    """Run the population the assumptions describe and aggregate it (SPEC §10).

    ``runs`` and ``seed`` override the file's; ``overrides`` are parameter overrides on top of the
    file's; ``workers`` > 1 evaluates chunks in that many processes (at most one per chunk and per
    CPU available to this process); ``scheduler`` (a Dask scheduler address) evaluates them on Dask
    instead. With ``sensitivity_on``, every uncertain input is also
    moved to the ends of its range (``sensitivity``) and the shares on that date compared. The
    result is the same for the same seed and runs.
    """
    runs = _given(runs, assumptions.runs, "runs", 1)
    seed = _given(seed, assumptions.seed, "seed", 0)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers is a whole number >= 1, got {workers!r}", place="--workers")
    extra = dict(overrides or {})
    population = Population(assumptions, extra)  # validates the agreement and parameters here
    studies = [(assumptions, population, True)]
    study_plan = None
    if sensitivity_on is not None:
        study_plan = sensitivity_study.plan(
            assumptions, population.parameters, _choices(population), sensitivity_on
        )
        # The variations differ in what is sampled, not in the rules, dates or parameters: one
        # population evaluates them all.
        on_date = Population(study_plan.baseline, extra)
        studies += [(a, on_date, False) for a in study_plan.sampled()]
    tasks = [
        task
        for k, (a, _, lapse) in enumerate(studies)
        for task in chunk_tasks(a, runs, seed, extra, lapse=lapse, study=k)
    ]
    populations = [p for _, p, _ in studies]
    totals = _count(tasks, populations, workers, scheduler, progress)
    result = _result(population, totals[0], seed, assumptions, runs, extra)
    if study_plan is None:
        return result
    found = _sensitivity(study_plan, populations[1:], totals[1:], extra)
    return result.model_copy(update={"sensitivity": found, "sensitivity_on": sensitivity_on})


def _choices(population: Population) -> dict[str, tuple[Any, ...]]:
    """The choice and boolean parameters of the population's version, with their values."""
    found: dict[str, tuple[Any, ...]] = {}
    for p in load_rulebook(population.version).parameters:
        if p.type == "choice":
            found[p.name] = p.choices
        elif p.type == "bool":
            found[p.name] = (False, True)
    return found


def _sensitivity(
    study: sensitivity_study.Plan,
    populations: Sequence[Population],
    totals: Sequence[Counts],
    overrides: Mapping[str, object],
) -> list[Sensitivity]:
    baseline, base_counts = populations[0], totals[0]
    sampled = {id(a): k for k, a in enumerate(study.sampled())}

    def shares_of(population: Population, counts: Counts) -> dict[str, float]:
        in_force = population.term_counts(counts.states)[:, 0]
        return {t: int(c) / counts.runs for t, c in zip(population.terms, in_force, strict=True)}

    moved: dict[tuple[str, object], Population] = {}

    def shares(v: sensitivity_study.Variation, high: bool) -> dict[str, float]:
        if v.parameter is not None:
            value = v.high if high else v.low
            if (v.parameter, value) not in moved:
                changed = {**overrides, v.parameter: value}
                moved[(v.parameter, value)] = Population(study.baseline, changed)
            # A parameter changes no run's history: the baseline's states, other rules.
            return shares_of(moved[(v.parameter, value)], base_counts)
        end = v.at_high if high else v.at_low
        if end is None:
            return shares_of(baseline, base_counts)
        k = sampled[id(end)]
        return shares_of(populations[k], totals[k])

    return sensitivity_study.entries(study.variations, shares)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity where the platform tells it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _given(value: int | None, default: int | None, name: str, minimum: int) -> int:
    chosen = default if value is None else value
    if chosen is None:
        raise InputError(f"{name} is required (in the assumptions file or --{name})", place=name)
    if isinstance(chosen, bool) or not isinstance(chosen, int) or chosen < minimum:
        place = name if value is None else f"--{name}"  # the option, when it gave the value
        raise InputError(f"{name} is a whole number >= {minimum}, got {chosen!r}", place=place)
    return chosen


# ---------------------------------------------------------------- evaluating the chunks


def _count(
    tasks: list[ChunkTask],
    populations: list[Population],
    workers: int,
    scheduler: str | None,
    progress: Progress | None,
) -> list[Counts]:
    """Every study's counts, summed over its chunks, whichever way the chunks are evaluated."""
    if scheduler is not None:
        found: Iterator[tuple[int, int, Counts | None]] = _on_dask(tasks, scheduler)
    elif (workers := min(workers, len(tasks), available_cpus())) > 1:
        found = _in_processes(tasks, populations, workers, progress is not None)
    else:
        found = ((t.study, t.size, run_chunk(t, populations[t.study])) for t in tasks)
    totals: list[Counts | None] = [None] * len(populations)
    done, runs = 0, sum(t.size for t in tasks)
    for study, size, counts in found:
        if counts is not None:
            sum_ = totals[study]
            totals[study] = counts if sum_ is None else sum_ + counts
        if size:
            done += size
            if progress is not None:
                progress(done, runs)
    assert all(t is not None for t in totals)
    return [t for t in totals if t is not None]


def _in_processes(
    tasks: list[ChunkTask], populations: list[Population], workers: int, report: bool
) -> Iterator[tuple[int, int, Counts | None]]:
    """Chunks evaluated in ``workers`` processes; yields (study, runs done, counts or None), the
    runs done as chunks finish when ``report`` asks for them, else with each worker's sums."""
    # fork shares the loaded rulebooks and the populations with the workers; elsewhere the
    # platform's default start method is used and each worker builds its own populations.
    methods = multiprocessing.get_all_start_methods()
    forked = "fork" in methods
    context = multiprocessing.get_context("fork" if forked else None)
    claimed = context.Value("q", 0)
    messages: Any = context.Queue()
    shared = populations if forked else None
    processes = [
        context.Process(target=_work, args=(tasks, shared, claimed, messages, report), daemon=True)
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        finished = 0
        while finished < workers:
            try:
                kind, payload = messages.get(timeout=1.0)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise RuntimeError("a Monte Carlo worker process died") from None
                continue
            if kind == "chunk":
                study, size = payload
                yield study, size, None
            elif kind == "sums":
                finished += 1
                done, sums = payload
                for study, counts in sums.items():
                    yield study, 0 if report else done.get(study, 0), counts
            else:
                raise payload
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        messages.close()


def _work(
    tasks: list[ChunkTask],
    populations: list[Population] | None,
    claimed: Any,
    messages: Any,
    report: bool,
) -> None:
    """A worker process: takes the next chunk until none is left, then sends its sums (and, when
    ``report`` asks, a line per chunk as it finishes)."""
    built: dict[int, Population] = {}
    sums: dict[int, Counts] = {}
    try:
        while True:
            with claimed.get_lock():
                index = claimed.value
                claimed.value += 1
            if index >= len(tasks):
                break
            task = tasks[index]
            if populations is not None:
                population = populations[task.study]
            else:
                if task.study not in built:
                    built[task.study] = Population(task.assumptions, task.overrides)
                population = built[task.study]
            counts = run_chunk(task, population)
            sums[task.study] = counts if task.study not in sums else sums[task.study] + counts
            if report:
                messages.put(("chunk", (task.study, task.size)))
        messages.put(("sums", ({k: c.runs for k, c in sums.items()}, sums)))
    except AgiTermsError as exc:
        messages.put(("error", exc))
    except Exception as exc:  # a bug: reported to the parent, which re-raises it
        messages.put(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _on_dask(tasks: list[ChunkTask], scheduler: str) -> Iterator[tuple[int, int, Counts | None]]:
    try:
        # Imported as a module object: distributed ships no complete type hints.
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise InputError(
            "--scheduler needs Dask distributed: pip install 'agi-terms[dask]'", place="--scheduler"
        ) from None
    try:
        client = distributed.Client(scheduler, timeout="5s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler {scheduler!r}: {exc}", place="--scheduler"
        ) from None
    try:
        window = max(2, 2 * len(client.nthreads()))
        pending = iter(tasks)
        first = [client.submit(_dask_chunk, t, pure=False) for t in _take(pending, window)]
        futures = distributed.as_completed(first, loop=client.loop)
        for future in futures:
            study, size, counts = future.result()
            future.release()
            yield study, size, counts
            task = next(pending, None)
            if task is not None:
                futures.add(client.submit(_dask_chunk, task, pure=False))
    finally:
        client.close()


def _dask_chunk(task: ChunkTask) -> tuple[int, int, Counts]:
    return task.study, task.size, run_chunk(task)


def _take(pending: Iterator[ChunkTask], n: int) -> list[ChunkTask]:
    return [task for _, task in zip(range(n), pending, strict=False)]


# ---------------------------------------------------------------- counts to the result


def _result(
    population: Population,
    total: Counts,
    seed: int,
    assumptions: Assumptions,
    runs: int,
    overrides: Mapping[str, object],
) -> MonteCarloResult:
    start = dt.date.fromordinal(population.start)

    def share(count: int) -> float:
        return int(count) / runs

    lapse: dict[str, Lapse] = {}
    lapse_counts = population.lapse_counts(total)
    for k, term in enumerate(population.terms):
        cumulative = np.cumsum(lapse_counts[k])
        lapsed = int(cumulative[-1]) if cumulative.size else 0
        dates: dict[str, dt.date | None] = {}
        for name, (num, den) in _QUANTILES.items():
            # The smallest day by which at least num/den of the runs have lapsed (exact integers).
            at = int(np.searchsorted(cumulative * den, num * runs, side="left"))
            dates[name] = start + dt.timedelta(days=at) if at < cumulative.size else None
        lapse[term] = Lapse(
            p10=dates["p10"], median=dates["median"], p90=dates["p90"], never=share(runs - lapsed)
        )
    term_counts = population.term_counts(total.states)
    phase_counts = population.phase_counts(total.states)
    rulebook = load_rulebook(population.version)
    resolved = assumptions.model_dump(mode="json", exclude_none=True)
    resolved.update(runs=runs, seed=seed, parameters=_json_parameters(population, overrides))
    return MonteCarloResult(
        agreement=population.version,
        runs=runs,
        seed=seed,
        dates=list(population.sample_dates),
        terms={t: [share(c) for c in term_counts[k]] for k, t in enumerate(population.terms)},
        phases={p: [share(c) for c in phase_counts[k]] for k, p in enumerate(population.phases)},
        lapse=lapse,
        agi={
            "declared": [share(c) for c in population.flag_counts(total.states, DECLARED)],
            "verified": [share(c) for c in population.flag_counts(total.states, VERIFIED)],
        },
        parameters={
            name: rulebook.parameter_by_name[name].to_json(value)
            for name, value in population.parameters.items()
        },
        assumptions=resolved,
    )


def _json_parameters(population: Population, overrides: Mapping[str, object]) -> dict[str, Any]:
    """The parameters the assumptions and ``--set`` name, as JSON values (validated)."""
    params = load_rulebook(population.version).parameter_by_name
    named = {**population.assumptions.parameters, **overrides}
    return {name: params[name].to_json(population.parameters[name]) for name in named}
