"""Running a Monte Carlo population: fixed chunks with their own seeds, locally, in processes or on Dask.

Runs are cut into chunks of ``CHUNK_RUNS``; chunk ``i`` draws from
``numpy.random.SeedSequence(seed, spawn_key=(i,))`` (the ``i``-th child that ``SeedSequence(seed).spawn``
gives), so the result depends on the seed and the number of runs only, never on how many workers
evaluate the chunks or in which order they finish. Chunks return integer counts, summed as they
arrive: memory does not grow with the number of runs.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from agi_terms.analysis.montecarlo.assumptions import Assumptions
from agi_terms.analysis.montecarlo.histories import Histories, has_panel, sample_histories
from agi_terms.analysis.montecarlo.population import Counts, Population
from agi_terms.errors import InputError
from agi_terms.events import CalendarDate

CHUNK_RUNS = 1 << 16
"""Runs per chunk: fixed, so that a seed gives the same draws whatever the number of workers."""

Progress = Callable[[int, int], None]
"""Called with (runs done, runs in all) as chunks complete."""

_QUANTILES = {"p10": (1, 10), "median": (1, 2), "p90": (9, 10)}


class Lapse(BaseModel):
    """When a term is first out of force across runs: quantile dates and the share that never lapses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    p10: CalendarDate | None
    median: CalendarDate | None
    p90: CalendarDate | None
    never: float


class MonteCarloResult(BaseModel):
    """The output of ``agi-terms montecarlo --format json`` (SPEC §10): exactly these keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agreement: str
    runs: int
    seed: int
    dates: list[CalendarDate]
    terms: dict[str, list[float]]
    """term -> share of runs in force at each date."""
    phases: dict[str, list[float]]
    """phase -> share of runs in that phase at each date."""
    lapse: dict[str, Lapse]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (dates as ``YYYY-MM-DD``)."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data

    def to_json_text(self) -> str:
        """The JSON text the command prints (the same bytes for the same seed and runs)."""
        return json.dumps(self.to_json(), indent=2)


@dataclass(frozen=True)
class ChunkTask:
    """One chunk's work, picklable for worker processes and Dask."""

    assumptions: Assumptions
    overrides: Mapping[str, object]
    seed: int
    index: int
    size: int

    def histories(self) -> Histories:
        """The chunk's sampled histories (its own seed: the chunk's index spawned from ``seed``)."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.index,))
        return sample_histories(
            self.assumptions,
            self.size,
            np.random.Generator(np.random.PCG64(sequence)),
            panel=has_panel(self.assumptions.agreement),
        )


def run_chunk(task: ChunkTask, population: Population | None = None) -> Counts:
    """Sample and evaluate one chunk; returns its counts."""
    population = population or Population(task.assumptions, task.overrides)
    return population.evaluate_counts(task.histories())


def chunk_tasks(
    assumptions: Assumptions, runs: int, seed: int, overrides: Mapping[str, object] | None = None
) -> list[ChunkTask]:
    """The chunks of ``runs`` runs: all of ``CHUNK_RUNS`` but the last."""
    extra = dict(overrides or {})
    return [
        ChunkTask(assumptions, extra, seed, i, min(CHUNK_RUNS, runs - start))
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
) -> MonteCarloResult:
    """Run the population the assumptions describe and aggregate it (SPEC §10).

    ``runs`` and ``seed`` override the file's; ``overrides`` are parameter overrides on top of the
    file's; ``workers`` > 1 evaluates chunks in that many processes (at most one per chunk and per
    CPU available to this process); ``scheduler`` (a Dask scheduler address) evaluates them on Dask
    instead. The result is the same for the same seed and runs.
    """
    runs = _given(runs, assumptions.runs, "runs", 1)
    seed = _given(seed, assumptions.seed, "seed", 0)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers is a whole number >= 1, got {workers!r}", place="--workers")
    population = Population(assumptions, overrides)  # validates the agreement and parameters here
    tasks = chunk_tasks(assumptions, runs, seed, overrides)
    workers = min(workers, len(tasks), available_cpus())
    if scheduler is not None:
        results = _on_dask(tasks, scheduler)
    elif workers > 1 and len(tasks) > 1:
        results = _in_processes(tasks, workers)
    else:
        results = (run_chunk(task, population) for task in tasks)
    total: Counts | None = None
    done = 0
    for counts in results:
        total = counts if total is None else total + counts
        done += counts.runs
        if progress is not None:
            progress(done, runs)
    assert total is not None
    return _result(population, total, seed)


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


def _in_processes(tasks: list[ChunkTask], workers: int) -> Iterator[Counts]:
    # fork shares the loaded rulebooks with the workers; elsewhere the platform's default is used.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from _windowed(pool.submit, tasks, 2 * workers)


def _windowed(
    submit: Callable[..., Future[Counts]], tasks: list[ChunkTask], window: int
) -> Iterator[Counts]:
    """Results as they complete, with at most ``window`` chunks in flight (bounded memory)."""
    pending: set[Future[Counts]] = set()
    queue = iter(tasks)
    for first in _take(queue, window):
        pending.add(submit(run_chunk, first))
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            yield future.result()
            task = next(queue, None)
            if task is not None:
                pending.add(submit(run_chunk, task))


def _on_dask(tasks: list[ChunkTask], scheduler: str) -> Iterator[Counts]:
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
        queue = iter(tasks)
        first = [client.submit(run_chunk, t, pure=False) for t in _take(queue, window)]
        futures = distributed.as_completed(first, loop=client.loop)
        for future in futures:
            counts: Counts = future.result()
            future.release()
            yield counts
            task = next(queue, None)
            if task is not None:
                futures.add(client.submit(run_chunk, task, pure=False))
    finally:
        client.close()


def _take(queue: Iterator[ChunkTask], n: int) -> list[ChunkTask]:
    return [task for _, task in zip(range(n), queue, strict=False)]


def _result(population: Population, total: Counts, seed: int) -> MonteCarloResult:
    runs = total.runs
    start = dt.date.fromordinal(population.start)

    def share(count: int) -> float:
        return int(count) / runs

    lapse: dict[str, Lapse] = {}
    for k, term in enumerate(population.terms):
        cumulative = np.cumsum(total.lapse[k])
        lapsed = int(cumulative[-1]) if cumulative.size else 0
        dates: dict[str, dt.date | None] = {}
        for name, (num, den) in _QUANTILES.items():
            # The smallest day by which at least num/den of the runs have lapsed (exact integers).
            at = int(np.searchsorted(cumulative * den, num * runs, side="left"))
            dates[name] = start + dt.timedelta(days=at) if at < cumulative.size else None
        lapse[term] = Lapse(
            p10=dates["p10"], median=dates["median"], p90=dates["p90"], never=share(runs - lapsed)
        )
    return MonteCarloResult(
        agreement=population.version,
        runs=runs,
        seed=seed,
        dates=list(population.sample_dates),
        terms={t: [share(c) for c in total.terms[k]] for k, t in enumerate(population.terms)},
        phases={p: [share(c) for c in total.phases[k]] for k, p in enumerate(population.phases)},
        lapse=lapse,
    )
