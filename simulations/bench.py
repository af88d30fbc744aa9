"""Benchmark: the Monte Carlo workload of the shipped assumptions, five ways, plus latency and memory.

    python simulations/bench.py [--quick] [--only loading]

On the same sampled AGI histories it measures runs per second of
  (a) the naive stack a user would write with the libraries directly: pydantic event models, one
      ``transitions`` machine, a durable_rules ``post`` for every event and an asserted query fact
      for every date the terms are evaluated on (a small sample, extrapolated per run);
  (b) the engine's ``Contract`` on the durable backend and (c) on the python backend (samples);
  (d) the vectorised Monte Carlo population (every run);
  (e) a hand-written closed-form numpy computation of the same counts (every run);
and checks that all five agree on the runs they share. Then ``Contract.decide`` latency; the cold
start of ``agi-terms simulate`` as a multiple of the import floor (the libraries it needs, imported
in a fresh process, side by side); a simulate of a 10k- and a 100k-event scenario split into
loading, evaluating and output, with the full YAML reader and ``json.dumps(indent=2)`` timed beside
the fast ones; and ``agi-terms montecarlo`` end to end with 2 workers: its wall
time at 1M and 10M runs as a multiple of (e) on the same runs (measured side by side, with the
machine's load printed before and after), its peak memory at 1M, 10M and 100M runs, and the time of
a ``--sensitivity`` study as a multiple of one run. Figures only: nothing here is asserted; targets
are printed beside the measurements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agi_terms import load_agreement  # noqa: E402
from agi_terms.analysis.montecarlo import Counts, Histories, Population, load_assumptions  # noqa: E402
from agi_terms.analysis.montecarlo.histories import NEVER  # noqa: E402
from agi_terms.analysis.montecarlo.runner import chunk_tasks  # noqa: E402

ASSUMPTIONS = ROOT / "simulations" / "assumptions" / "default.yaml"
START = dt.date(2025, 10, 28)
LICENCE_END = dt.date(2032, 12, 31).toordinal()
RESEARCH_END = dt.date(2030, 12, 31).toordinal()
TERM_END_GATE = dt.date(2033, 1, 1).toordinal()


def rate(runs: int, seconds: float) -> float:
    return runs / seconds if seconds > 0 else float("inf")


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<52} {value:>16}  {note}")


# ---------------------------------------------------------------- per-run answers shared by (a)-(c)

RunAnswer = tuple[tuple[tuple[bool, ...], ...], tuple[str, ...], tuple[int, ...]]
"""Per run: terms in force at each sample date, phase at each sample date, lapse day per term."""


def outcome_answers(
    population: Population, histories: Histories, runs: Sequence[int]
) -> list[RunAnswer]:
    outcome = population.evaluate(histories)
    answers = []
    for r in runs:
        terms = tuple(
            tuple(bool(outcome.in_force[t][r, k]) for t in population.terms)
            for k in range(len(population.sample_dates))
        )
        phases = tuple(population.phases[int(p)] for p in outcome.phase[r])
        answers.append((terms, phases, tuple(int(outcome.lapse[t][r]) for t in population.terms)))
    return answers


def contract_answers(
    backend: str,
    histories: Histories,
    runs: Sequence[int],
    horizon: dt.date,
    dates: Sequence[dt.date],
) -> list[RunAnswer]:
    answers = []
    with load_agreement("2025-10", backend=backend) as agreement:
        terms = agreement.rulebook.term_ids
        for r in runs:
            contract = agreement.start().apply_all(histories.events_of(r)).advance_to(horizon)
            reports = [contract.terms(on=d) for d in dates]
            in_force = tuple(tuple(rep.terms[t].in_force for t in terms) for rep in reports)
            lapse = []
            for t in terms:
                day = int(NEVER)
                if not contract.start_terms[t]:
                    day = START.toordinal()
                else:
                    for step in contract.steps:
                        if any(c.term == t and not c.in_force for c in step.changes):
                            day = step.date.toordinal()
                            break
                lapse.append(day)
            answers.append((in_force, tuple(rep.phase for rep in reports), tuple(lapse)))
    return answers


# ---------------------------------------------------------------- (a) the naive stack


def naive_answers(
    histories: Histories,
    runs: Sequence[int],
    horizon: dt.date,
    dates: Sequence[dt.date],
    terms: Sequence[str],
) -> list[RunAnswer]:
    """Pydantic events, a transitions machine, durable_rules posts and query facts, written directly."""
    import logging

    from durable.lang import assert_fact, m, post, retract_fact, ruleset, when_all
    from pydantic import BaseModel
    from transitions import Machine

    logging.getLogger("transitions").setLevel(logging.ERROR)

    class AgiEvent(BaseModel):
        date: dt.date
        type: Literal["agi_declared", "panel_verified", "panel_rejected"]

    class Model:
        state: str

    model = Model()
    machine = Machine(
        model=model,
        states=["pre_agi", "panel_review", "post_agi", "post_2032"],
        initial="pre_agi",
        transitions=[
            ["agi_declared", "pre_agi", "panel_review"],
            ["panel_verified", "panel_review", "post_agi"],
            ["panel_rejected", "panel_review", "pre_agi"],
            ["term_ends", ["pre_agi", "panel_review", "post_agi"], "post_2032"],
            ["agi_declared", "post_2032", "post_2032"],
            ["panel_verified", "post_2032", "post_2032"],
            ["panel_rejected", "post_2032", "post_2032"],
        ],
        auto_transitions=False,
    )
    fired: list[str] = []
    suffix = f"{os.getpid()}_{time.perf_counter_ns()}"
    events_rs, terms_rs = f"naive_events_{suffix}", f"naive_terms_{suffix}"
    licence = m.day <= LICENCE_END

    with ruleset(events_rs):

        @when_all(m.type == "agi_declared")
        def declared(c: Any) -> None:
            c.s.declarations = (c.s.declarations or 0) + 1

        @when_all((m.type == "panel_verified") | (m.type == "panel_rejected"))
        def ruled(c: Any) -> None:
            c.s.verdicts = (c.s.verdicts or 0) + 1

    with ruleset(terms_rs):

        def grant(name: str, condition: Any) -> None:
            when_all(condition)(lambda c: fired.append(name))

        grant("ms_model_product_ip", licence)
        grant("ms_frontier_model_partner", licence)
        grant("ms_ip_exclusivity", licence & (m.verified == False))  # noqa: E712
        grant("post_agi_models_covered", licence)
        grant("ms_research_ip", (m.day <= RESEARCH_END) & (m.verified == False))  # noqa: E712
        grant("azure_api_exclusivity", licence & (m.verified == False))  # noqa: E712
        grant("third_party_api_exclusivity", licence & (m.verified == False))  # noqa: E712
        grant("revenue_share", licence & (m.verified == False))  # noqa: E712
        grant("ms_revenue_share_to_openai", licence & (m.verified == False))  # noqa: E712
        grant("ms_compute_cap", licence & (m.live == False))  # noqa: E712
        for name in (
            "ms_independent_agi",
            "openai_third_party_products",
            "openai_non_api_any_cloud",
            "openai_natsec_any_cloud",
            "openai_open_weights",
            "consumer_hardware_carveout",
            "azure_commitment",
        ):
            grant(name, m.kind == "query")

    answers = []
    query_id = 0
    gates = [dt.date(2031, 1, 1), dt.date(2033, 1, 1)]
    for r in runs:
        sid = f"run{r}"
        machine.set_state("pre_agi", model=model)
        verified = pending = False
        events = [AgiEvent.model_validate(e) for e in histories.events_of(r)]
        checks = sorted(
            {*dates, START, *[g for g in gates if g <= horizon], *(e.date for e in events)}
        )
        timeline = sorted(
            [(g, 0, "gate") for g in gates[1:] if g <= horizon]  # the term ends on 2033-01-01
            + [(e.date, 1, e) for e in events]
            + [(d, 2, "query") for d in checks],
            key=lambda item: (item[0], item[1]),
        )
        seen: dict[dt.date, tuple[frozenset[str], str]] = {}
        for day, kind, item in timeline:
            if kind == 0:
                if model.state != "post_2032":
                    model.trigger("term_ends")
            elif kind == 1:
                assert isinstance(item, AgiEvent)
                model.trigger(item.type)
                pending = item.type == "agi_declared"
                verified = verified or item.type == "panel_verified"
                post(events_rs, {"sid": sid, "type": item.type, "day": day.toordinal()})
            else:
                query_id += 1
                fact = {
                    "sid": sid,
                    "id": query_id,
                    "kind": "query",
                    "day": day.toordinal(),
                    "verified": verified,
                    "live": verified or pending,
                }
                fired.clear()
                assert_fact(terms_rs, fact)
                retract_fact(terms_rs, fact)
                seen[day] = (frozenset(fired), model.state)
        in_force = tuple(tuple(t in seen[d][0] for t in terms) for d in dates)
        lapse = tuple(
            next((c.toordinal() for c in checks if t not in seen[c][0]), int(NEVER)) for t in terms
        )
        answers.append((in_force, tuple(seen[d][1] for d in dates), lapse))
    return answers


# ---------------------------------------------------------------- (e) closed form


@dataclass(frozen=True)
class ClosedForm:
    """(e)'s counts: runs in force per term and date, per phase and date, lapsing per term and day."""

    terms: np.ndarray
    phases: np.ndarray
    lapse: np.ndarray

    def __add__(self, other: ClosedForm) -> ClosedForm:
        return ClosedForm(
            self.terms + other.terms, self.phases + other.phases, self.lapse + other.lapse
        )


def closed_form_counts(
    histories: Histories,
    start: int,
    horizon: int,
    query: np.ndarray,
    terms: Sequence[str],
    n_phases: int,
) -> ClosedForm:
    """The same counts from the 2025-10 defaults written out by hand (no rules, no lifecycle)."""
    n = histories.size
    verified_on = np.full(n, NEVER, dtype=np.int32)
    first_declared = np.full(n, NEVER, dtype=np.int32)
    if histories.cycles:
        c0 = histories.cycles[0]
        first_declared[c0.runs] = c0.declared
    for cycle in histories.cycles:
        ok = cycle.verified
        verified_on[cycle.runs[ok]] = cycle.verdict[ok]
    day = query[:, None]
    pending = np.zeros((query.size, n), dtype=np.bool_)
    for cycle in histories.cycles:
        pending[:, cycle.runs] |= (cycle.declared[None, :] <= day) & (day < cycle.verdict[None, :])
    verified = verified_on[None, :] <= day
    live = verified | pending
    licence = day <= LICENCE_END
    not_verified = ~verified
    shares = {
        "ms_model_product_ip": licence,
        "ms_ip_exclusivity": licence & not_verified,
        "post_agi_models_covered": licence,
        "ms_research_ip": (day <= RESEARCH_END) & not_verified,
        "azure_api_exclusivity": licence & not_verified,
        "revenue_share": licence & not_verified,
        "ms_compute_cap": licence & ~live,
        "ms_compute_rofr": np.zeros((query.size, 1), np.bool_),
    }
    # Equal to another term at the defaults (SPEC §4, Dec 2026).
    shares["ms_frontier_model_partner"] = shares["ms_model_product_ip"]
    shares["third_party_api_exclusivity"] = shares["azure_api_exclusivity"]
    shares["ms_revenue_share_to_openai"] = shares["revenue_share"]
    lapse_days = {
        "ms_model_product_ip": np.full(n, LICENCE_END + 1, np.int32),
        "post_agi_models_covered": np.full(n, LICENCE_END + 1, np.int32),
        "ms_ip_exclusivity": np.minimum(verified_on, LICENCE_END + 1),
        "ms_research_ip": np.minimum(verified_on, RESEARCH_END + 1),
        "azure_api_exclusivity": np.minimum(verified_on, LICENCE_END + 1),
        "revenue_share": np.minimum(verified_on, LICENCE_END + 1),
        "ms_compute_cap": np.minimum(first_declared, LICENCE_END + 1),
        "ms_compute_rofr": np.full(n, start, np.int32),
    }
    lapse_days["ms_frontier_model_partner"] = lapse_days["ms_model_product_ip"]
    lapse_days["third_party_api_exclusivity"] = lapse_days["azure_api_exclusivity"]
    lapse_days["ms_revenue_share_to_openai"] = lapse_days["revenue_share"]
    counts = np.zeros((len(terms), query.size), dtype=np.int64)
    span = horizon - start + 1
    lapse = np.zeros((len(terms), span), dtype=np.int64)
    for k, t in enumerate(terms):
        if t in shares:
            mask = np.broadcast_to(shares[t], (query.size, n))
            counts[k] = [np.count_nonzero(row) for row in mask]
            days = lapse_days[t]
            days = days[days <= horizon]
            lapse[k] = np.bincount(days - start, minlength=span)
        else:
            counts[k] = n
    phase = np.where(day >= TERM_END_GATE, 3, np.where(verified, 2, np.where(pending, 1, 0)))
    phases = np.stack([np.count_nonzero(phase == p, axis=1) for p in range(n_phases)]).astype(
        np.int64
    )
    return ClosedForm(counts, phases, lapse)


# ---------------------------------------------------------------- measurements


def timed(func: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t)
    return best, result


TIMELINE_ACTIONS = [
    {"type": "product_launch", "kind": "api", "cloud": "gcp", "partner": "Acme"},
    {"type": "ms_ip_use", "asset": "research"},
    {"type": "azure_purchase", "amount_usd": 1000.0},
    {"type": "product_launch", "kind": "api", "cloud": "azure", "name": "x"},
]


def timeline_events(count: int, first: int = 0) -> list[dict[str, Any]]:
    """``count`` action events, 40 a day from 2026-01-01 (the ``first``-th one on)."""
    day = dt.date(2026, 1, 1)
    return [
        {**TIMELINE_ACTIONS[i % 4], "date": (day + dt.timedelta(days=i // 40)).isoformat()}
        for i in range(first, first + count)
    ]


def append_cost(long: int, chain: int, rounds: int) -> tuple[float, float, float]:
    """One ``apply`` at 10 events and at ``long`` events (µs each, the best of ``rounds`` chains of
    ``chain`` one-at-a-time applies, taken in turn), and the bytes a ``long``-event contract holds
    per event (tracemalloc, events parsed from JSON included)."""
    import tracemalloc

    from agi_terms.events import parse_event

    with load_agreement("2025-10", backend="python") as agreement:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        big = agreement.start().apply_all(timeline_events(long))
        gc.collect()
        per_event = (tracemalloc.get_traced_memory()[0] - before) / long
        tracemalloc.stop()
        small = agreement.start().apply_all(timeline_events(10))
        costs: dict[int, list[float]] = {10: [], long: []}
        tips = {10: small, long: big}
        for round_ in range(rounds):
            for start, base in tips.items():
                # Each chain goes on from the last one's contract, the tip of its log, as the
                # store's appends do.
                first = start + round_ * chain
                events = [parse_event(e) for e in timeline_events(chain, first=first)]
                gc.collect()
                contract, t = base, time.perf_counter()
                for event in events:
                    contract = contract.apply(event)
                costs[start].append((time.perf_counter() - t) / chain * 1e6)
                tips[start] = contract
    return min(costs[10]), min(costs[long]), per_event


def decide_latency(backend: str, calls: int) -> tuple[float, float]:
    actions = [
        {
            "date": "2030-06-01",
            "type": "product_launch",
            "kind": "api",
            "cloud": "gcp",
            "partner": "Acme",
        },
        {"date": "2030-06-01", "type": "ms_ip_use", "asset": "research"},
        {
            "date": "2030-06-01",
            "type": "ms_agi_training",
            "uses_openai_ip": True,
            "training_flop": 1e28,
        },
        {
            "date": "2030-06-01",
            "type": "open_weights_release",
            "capability": {"bio_chem": "low", "cyber": "medium", "self_improvement": "low"},
        },
    ]
    with load_agreement("2025-10", backend=backend) as agreement:
        contract = agreement.start().apply_all(
            [
                {"date": "2029-03-01", "type": "agi_declared"},
                {"date": "2029-09-01", "type": "panel_rejected"},
            ]
        )
        samples = []
        for i in range(calls + 200):
            action = actions[i % len(actions)]
            t = time.perf_counter_ns()
            contract.decide(action)
            samples.append(time.perf_counter_ns() - t)
    samples = sorted(samples[200:])
    return samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000


def decide_breakdown(calls: int) -> dict[str, float]:
    """Median µs of the parts of one ``Contract.decide`` on the python backend (where time goes)."""
    from agi_terms.evaluation.contract import state_facts
    from agi_terms.events import parse_event

    action = {"date": "2030-06-01", "type": "product_launch", "kind": "api", "cloud": "gcp"}
    with load_agreement("2025-10", backend="python") as agreement:
        contract = agreement.start().apply({"date": "2029-03-01", "type": "agi_declared"})
        event = parse_event(action)
        compiled = agreement.compiled("2025-10")
        state = contract.state_on(event.date)
        row = state_facts(state, event.date)
        decision_row = dict(row)
        compiled.terms(decision_row)
        decision_row.update(contract.action_facts(event))
        parts: dict[str, Callable[[], object]] = {
            "whole decide": lambda: contract.decide(action),
            "parse the event": lambda: parse_event(action),
            "state on the date": lambda: contract.state_on(event.date),
            "terms (as the contract asks: cached per interval)": lambda: compiled.terms(dict(row)),
            "  rule matching for the terms, uncached": lambda: [
                compiled.backend.match(k, [decision_row]) for k in (0, 1)
            ],
            "decision": lambda: compiled.decide(decision_row),
            "  rule matching for the decision": lambda: compiled.backend.match(
                compiled.program.decision_stage, [decision_row]
            ),
        }
        found = {}
        for name, func in parts.items():
            samples = []
            for _ in range(calls):
                t = time.perf_counter_ns()
                func()
                samples.append(time.perf_counter_ns() - t)
            found[name] = statistics.median(samples) / 1000
    return found


def cold_start_breakdown() -> str:
    """Where a cold ``simulate`` spends its time, measured in a fresh interpreter."""
    script = (
        "import time; t0 = time.perf_counter(); import agi_terms.interfaces.cli, agi_terms.analysis.scenario; "
        "t1 = time.perf_counter(); from agi_terms.rulebook import load_rulebook; "
        "load_rulebook('2025-10'); t2 = time.perf_counter(); "
        "s = agi_terms.analysis.scenario.parse_scenario('events: [{date: 2029-03-01, type: agi_declared}]'); "
        "agi_terms.analysis.scenario.simulate(s); t3 = time.perf_counter(); "
        "print(f'imports {1000*(t1-t0):.0f} ms, rule files {1000*(t2-t1):.0f} ms, "
        "simulate {1000*(t3-t2):.0f} ms')"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env=_with_bytecode(),
    )  # fmt: skip
    return done.stdout.strip()


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def parallel_capacity() -> float:
    """How much faster two processes finish CPU-bound work than one (2.0 on two idle cores)."""
    import multiprocessing

    jobs = [3_000_000] * 4
    one, _ = timed(lambda: [_spin(size) for size in jobs])
    with multiprocessing.get_context("fork").Pool(2) as pool:
        two, _ = timed(lambda: pool.map(_spin, jobs))
    return one / two


def cli_path() -> list[str]:
    script = Path(sys.executable).with_name("agi-terms")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agi_terms"]


IMPORT_FLOOR = "import pydantic, ruamel.yaml, click, transitions"
"""The libraries ``agi-terms simulate`` needs, imported and nothing else: its cold start's floor."""


def _with_bytecode() -> dict[str, str]:
    """The environment for timed subprocesses, with Python's bytecode cache on: an installed
    package has its ``.pyc`` files (pip writes them), so a cold start does not compile."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cold_starts(rounds: int) -> dict[str, list[float]]:
    """Wall seconds of fresh processes, taken in turn each round (after one untimed round that
    writes the bytecode caches): the import floor, the floor with durable_rules (what the default
    backend adds), and ``agi-terms simulate FILE --format json`` on each backend."""
    env = _with_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(
            "events:\n  - {date: 2029-03-01, type: agi_declared}\n"
            "  - {date: 2029-09-01, type: panel_verified}\ncheckpoints: [2031-01-01]\n"
        )
        simulate = [*cli_path(), "simulate", str(scenario), "--format", "json"]
        commands = {
            "import floor": [sys.executable, "-c", IMPORT_FLOOR],
            "import floor + durable_rules": [
                sys.executable, "-c", IMPORT_FLOOR + ", durable_rules_engine, durable.engine",
            ],
            "simulate --backend python": [*simulate, "--backend", "python"],
            "simulate (default backend: durable)": simulate,
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(rounds + 1):
            for name, command in commands.items():
                t = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
                if round_:
                    times[name].append(time.perf_counter() - t)
    return times


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def montecarlo_command(
    runs: int, workers: int, *extra: str, watch: bool = False
) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (all processes) and, with ``watch``, peak resident memory (MB, all
    processes, sampled every 5 ms; 0 without) of ``agi-terms montecarlo``. Timed runs are not
    watched: the watcher's own reads would take CPU from the command."""
    args = [
        *cli_path(),
        "montecarlo",
        str(ASSUMPTIONS),
        "--runs",
        str(runs),
        "--workers",
        str(workers),
        "--format",
        "json",
        *extra,
    ]
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    stop = threading.Event()

    def watcher() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.005)

    thread = threading.Thread(target=watcher)
    if watch:
        thread.start()
    code = proc.wait()
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stop.set()
    if watch:
        thread.join()
    if code != 0:
        raise SystemExit(f"agi-terms montecarlo failed with status {code}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak / 2**20


# ---------------------------------------------------------------- loading and output (large scenarios)


def large_scenario(events: int) -> str:
    """A generated scenario of ``events`` action events (a few a day from 2025-11-01), one flow
    mapping a line as a program writes them, and two checkpoints."""
    kinds = (
        "{{date: {d}, type: product_launch, kind: api, cloud: azure, name: Product {i}}}",
        "{{date: {d}, type: ms_ip_use, asset: research}}",
        "{{date: {d}, type: product_launch, kind: non_api, cloud: aws, partner: Amazon}}",
        "{{date: {d}, type: azure_purchase, amount_usd: {a}}}",
        "{{date: {d}, type: revenue_share_payment, amount_usd: {a}, payer: openai}}",
    )
    per_day = max(1, events // 9000)
    lines = ["name: generated", 'agreement: "2025-10"', "events:"]
    for i in range(events):
        day = dt.date(2025, 11, 1) + dt.timedelta(days=i // per_day)
        lines.append("  - " + kinds[i % len(kinds)].format(d=day.isoformat(), i=i, a=1000 + i))
    lines.append("checkpoints: [2030-01-01, 2040-01-01]")
    return "\n".join(lines) + "\n"


def simulate_parts(text: str) -> dict[str, float]:
    """Seconds of each part of ``agi-terms simulate FILE --format json`` on ``text`` in process
    (python backend): reading the YAML, validating the scenario, evaluating, building the JSON
    answer, printing it; and, side by side, the full YAML reader and ``json.dumps(indent=2)``."""
    import json

    from agi_terms import documents
    from agi_terms.analysis.scenario import scenario_from_data, simulate
    from agi_terms.operations import simulation_result

    parts: dict[str, float] = {}
    gc.collect()
    t = time.perf_counter()
    document = documents.parse_yaml(text, "generated.yaml")
    parts["load: YAML, one pass"] = time.perf_counter() - t
    t = time.perf_counter()
    scenario = scenario_from_data(document.data, document)
    parts["load: validate the scenario"] = time.perf_counter() - t
    t = time.perf_counter()
    result = simulate(scenario, backend="python")
    parts["evaluate: simulate"] = time.perf_counter() - t
    with result:
        t = time.perf_counter()
        data = simulation_result(result).to_json()
        parts["output: the answer (simulation_result)"] = time.perf_counter() - t
    del result, scenario
    gc.collect()
    t = time.perf_counter()
    printed = documents.json_text(data)
    parts["output: its text (json_text)"] = time.perf_counter() - t
    gc.collect()
    t = time.perf_counter()
    plain = json.dumps(data, indent=2)
    parts["(beside) json.dumps(indent=2)"] = time.perf_counter() - t
    if plain != printed:
        raise SystemExit("json_text differs from json.dumps(indent=2)")
    del data, plain, printed
    gc.collect()
    t = time.perf_counter()
    full = documents._read_full(text, "generated.yaml", documents.DEFAULT_LIMITS)
    parts["(beside) YAML, the full reader"] = time.perf_counter() - t
    if full.data != document.data:
        raise SystemExit("the one-pass YAML reading differs from the full reader")
    return parts


def loading_section(quick: bool) -> None:
    """Cold start against the import floor; the parts of simulating a large scenario."""
    print(
        "\nCold start of `agi-terms simulate FILE --format json` against the import floor"
        f"\n  (fresh processes in turn, bytecode cached; floor: python -c '{IMPORT_FLOOR}')"
    )
    print(f"  load before: {load_average()}")
    times = cold_starts(3 if quick else 9)
    floor = min(times["import floor"])
    for name, found in times.items():
        line(
            name,
            f"min {1000 * min(found):.0f} ms",
            f"median {1000 * statistics.median(found):.0f} ms; min {min(found) / floor:.2f} x floor"
            + ("; target <= 1.3 x" if name.startswith("simulate") else ""),
        )
    print(f"  load after: {load_average()}")
    print(f"  in a fresh interpreter: {cold_start_breakdown()}")

    for events in (10_000,) if quick else (10_000, 100_000):
        text = large_scenario(events)
        print(
            f"\nsimulate of a {events:,}-event scenario ({len(text) / 2**20:.1f} MiB of YAML),"
            " in process, python backend (seconds)"
        )
        parts = simulate_parts(text)
        for name, seconds in parts.items():
            line(f"  {name}", f"{seconds:.3f} s")
        total = sum(v for k, v in parts.items() if not k.startswith("("))
        line("  total (load + evaluate + output)", f"{total:.3f} s")
        fast_yaml = parts["load: YAML, one pass"]
        line(
            "  YAML: full reader / one pass",
            f"{parts['(beside) YAML, the full reader'] / fast_yaml:.1f} x",
        )
        line(
            "  printing: json.dumps(indent=2) / json_text",
            f"{parts['(beside) json.dumps(indent=2)'] / parts['output: its text (json_text)']:.1f} x",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    parser.add_argument(
        "--only",
        choices=["loading", "timeline"],
        help="only these rows: loading = cold start and the parts of a large simulate;"
        " timeline = the cost of appending to a long contract",
    )
    options = parser.parse_args()
    quick = options.quick
    if options.only == "loading":
        loading_section(quick)
        return
    if options.only == "timeline":
        print_append_cost(quick)
        return
    assumptions = load_assumptions(ASSUMPTIONS)
    population = Population(assumptions)
    horizon, dates = assumptions.horizon, population.sample_dates
    runs_total = 100_000 if quick else 1_000_000
    tasks = chunk_tasks(assumptions, runs_total, assumptions.seed or 0)
    print(
        f"Workload: {ASSUMPTIONS.relative_to(ROOT)}, seed {assumptions.seed}, "
        f"{len(dates)} sample dates, {len(population.terms)} terms; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    sample_s, histories = timed(lambda: [t.histories() for t in tasks])
    print(f"Sampling {runs_total:,} runs' histories: {sample_s:.3f} s (not included below)")

    first = histories[0]
    declaring = first.cycles[0].runs.tolist()
    small = {"a": 40 if quick else 150, "b": 40 if quick else 150, "c": 150 if quick else 600}
    picks = {
        k: (declaring[: n // 2] + [r for r in range(n) if r not in set(declaring)][: n - n // 2])
        for k, n in small.items()
    }
    terms = population.terms

    print("\nThroughput on the same sampled workload (runs/s; (a)-(c) on a sample, extrapolated)")
    a_s, a_ans = timed(lambda: naive_answers(first, picks["a"], horizon, dates, terms))
    b_s, b_ans = timed(lambda: contract_answers("durable", first, picks["b"], horizon, dates))
    c_s, c_ans = timed(lambda: contract_answers("python", first, picks["c"], horizon, dates))
    d_s, d_counts = timed(lambda: _sum(population.evaluate_counts(h) for h in histories), repeat=3)
    query = np.array([d.toordinal() for d in dates], dtype=np.int32)
    e_s, e_counts = timed(
        lambda: _sum(
            closed_form_counts(
                h, population.start, population.horizon, query, terms, len(population.phases)
            )
            for h in histories
        ),
        repeat=3,
    )
    rates = {
        "(a) naive: pydantic + transitions + durable_rules": rate(len(picks["a"]), a_s),
        "(b) engine, durable backend (Contract)": rate(len(picks["b"]), b_s),
        "(c) engine, python backend (Contract)": rate(len(picks["c"]), c_s),
        f"(d) vectorised population ({runs_total:,} runs)": rate(runs_total, d_s),
        f"(e) closed-form numpy ({runs_total:,} runs)": rate(runs_total, e_s),
    }
    base_a, base_e = next(iter(rates.values())), list(rates.values())[-1]
    print(f"  {'':<52} {'runs/s':>16}  {'x (a)':>9} {'x (e)':>9}")
    for label, value in rates.items():
        print(f"  {label:<52} {value:>16,.0f}  {value / base_a:>9.1f} {value / base_e:>9.3f}")
    d_rate, e_rate = list(rates.values())[3], base_e
    print(
        f"  targets: (d) >= 100x (a): {d_rate / base_a:,.0f}x; (d) within 3x of (e): "
        f"(e)/(d) = {e_rate / d_rate:.2f}"
    )

    print("\nAgreement (run by run on the sampled runs; counts over every run)")
    for label, answers, picked in (
        ("(a) naive", a_ans, picks["a"]),
        ("(b) durable", b_ans, picks["b"]),
        ("(c) python", c_ans, picks["c"]),
    ):
        same = answers == outcome_answers(population, first, picked)
        line(f"{label} equals (d) on {len(picked)} runs", "yes" if same else "NO")
    same_e = all(
        np.array_equal(x, y)
        for x, y in (
            (population.term_counts(d_counts.states), e_counts.terms),
            (population.phase_counts(d_counts.states), e_counts.phases),
            (population.lapse_counts(d_counts), e_counts.lapse),
        )
    )
    line(f"(e) counts equal (d) counts on {runs_total:,} runs", "yes" if same_e else "NO")

    print("\nContract.decide latency (µs; target p50 <= 10 with the python backend)")
    calls = 2_000 if quick else 20_000
    for backend in ("python", "durable"):
        p50, p99 = decide_latency(backend, calls)
        line(f"{backend} backend, {calls:,} calls", f"p50 {p50:.1f}", f"p99 {p99:.1f}")

    print("  where one python-backend decide spends its time (median µs):")
    for name, micros in decide_breakdown(2_000 if quick else 10_000).items():
        line(f"  {name}", f"{micros:.1f}")

    print_append_cost(quick)

    loading_section(quick)

    print(
        "\n`agi-terms montecarlo` end to end from the command line, 2 workers, against (e)"
        "\n  ((e): the closed form on the same runs' histories, sampled beforehand and not timed;"
        " the command samples, evaluates and prints JSON; each the best of 3 rounds at 1M, 2 at"
        " 10M, taken in turn)"
    )
    print(f"  load before: {load_average()}")
    sizes = [100_000, 1_000_000] if quick else [1_000_000, 10_000_000]
    targets = {1_000_000: 2.0, 10_000_000: 1.3}
    for runs in sizes:
        # Interleaved, (e) then the command, a few rounds: each figure is the best of its
        # rounds, taken at moments as close as the machine allows.
        closed, timed_runs = [], []
        for _ in range(3 if runs <= 1_000_000 else 2):
            closed.append(closed_form_seconds(assumptions, population, runs))
            timed_runs.append(montecarlo_command(runs, 2))
        e_wall, e_cpu = min(w for w, _ in closed), min(c for _, c in closed)
        wall, cpu = min(w for w, _, _ in timed_runs), min(c for _, c, _ in timed_runs)
        target = targets.get(runs)
        line(
            f"{runs:>11,} runs: command {wall:.2f} s, (e) {e_wall:.2f} s",
            f"{wall / e_wall:.2f} x (e)",
            (f"target <= {target} x (e); " if target else "")
            + f"CPU {cpu:.2f} s = {cpu / e_cpu:.2f} x (e)'s",
        )
    peaks = {}
    for runs in [*sizes, 10 * sizes[-1]]:
        wall, _, peaks[runs] = montecarlo_command(runs, 2, watch=True)
    line(
        f"{10 * sizes[-1]:>11,} runs: command {wall:.1f} s",
        f"{rate(10 * sizes[-1], wall):,.0f} runs/s",
    )
    print(
        "  peak resident memory, all processes: "
        + ", ".join(f"{runs:,} runs {peak:.0f} MB" for runs, peak in peaks.items())
        + "  (target: flat in runs)"
    )
    one, _, _ = montecarlo_command(sizes[0], 1)
    line(f"{sizes[0]:>11,} runs with 1 worker", f"{one:.2f} s")
    small_runs = assumptions.runs or 100_000
    plain = [montecarlo_command(small_runs, 2) for _ in range(2)]
    studied = [
        montecarlo_command(small_runs, 2, "--sensitivity", "--on", "2030-12-31") for _ in range(2)
    ]
    (wall, cpu), (one_wall, one_cpu) = (
        (min(w for w, _, _ in runs), min(c for _, c, _ in runs)) for runs in (studied, plain)
    )
    line(
        f"--sensitivity --on 2030-12-31, {small_runs:,} runs: {wall:.2f} s",
        f"{wall / one_wall:.1f} x one run",
        f"({one_wall:.2f} s; CPU {cpu / one_cpu:.1f} x); target <= 15 x",
    )
    speedup = parallel_capacity()
    print(
        f"  what 2 processes get from this machine now: {speedup:.2f}x one process on pure CPU work"
    )
    print(f"  load after: {load_average()}")

    print("\nScaling in-process (library, vectorised, evaluation of pre-sampled chunks)")
    for runs in (100_000, runs_total):
        part = [t.histories() for t in chunk_tasks(assumptions, runs, assumptions.seed or 0)]
        seconds, _ = timed(
            lambda part=part: [population.evaluate_counts(h) for h in part], repeat=3
        )
        evaluated = sum(h.size for h in part)
        line(
            f"{evaluated:>9,} runs",
            f"{seconds:.3f} s",
            f"{rate(evaluated, seconds):>12,.0f} runs/s",
        )


def print_append_cost(quick: bool) -> None:
    long = 10_000 if quick else 100_000
    print(
        f"\nAppending to a long contract (python backend, c = c.apply(e); {long:,} action events)"
    )
    at_10, at_long, per_event = append_cost(long, 300, 3 if quick else 5)
    line(
        f"one apply at 10 events: {at_10:.0f} µs, at {long:,}: {at_long:.0f} µs",
        f"{at_long / at_10:.2f} x",
        "target <= 1.5 x",
    )
    line(
        f"memory per event at {long:,} events",
        f"{per_event:,.0f} bytes",
        "target <= 1,024 bytes",
    )


def closed_form_seconds(assumptions: Any, population: Population, runs: int) -> tuple[float, float]:
    """(e)'s wall and CPU seconds over ``runs`` runs, chunk by chunk (each chunk's histories
    sampled untimed)."""
    query = np.array([d.toordinal() for d in population.sample_dates], dtype=np.int32)
    wall = cpu = 0.0
    for task in chunk_tasks(assumptions, runs, assumptions.seed or 0):
        histories = task.histories()
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        closed_form_counts(
            histories, population.start, population.horizon, query, population.terms,
            len(population.phases),
        )  # fmt: skip
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
    return wall, cpu


def load_average() -> str:
    """The machine's load (1, 5, 15 minutes) and its CPUs, as ``uptime`` shows them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _sum(counts: Any) -> Counts:
    total = None
    for c in counts:
        total = c if total is None else total + c
    assert total is not None
    return total


if __name__ == "__main__":
    main()
