"""The benchmark's other implementations compute what the population computes (so its ratios compare
like with like): the hand-written closed form on every run, the naive library stack run by run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
from agi_terms.analysis.montecarlo import ChunkTask, Population, load_assumptions

ROOT = Path(__file__).resolve().parent.parent


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "simulations" / "bench.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)
    spec.loader.exec_module(module)
    return module


def test_closed_form_and_naive_stack_agree_with_the_population() -> None:
    bench = load_bench()
    assumptions = load_assumptions(bench.ASSUMPTIONS)
    population = Population(assumptions)
    histories = ChunkTask(assumptions, {}, 11, 0, 3000).histories()
    counts = population.evaluate_counts(histories)
    query = np.array([d.toordinal() for d in population.sample_dates], dtype=np.int32)
    closed = bench.closed_form_counts(
        histories,
        population.start,
        population.horizon,
        query,
        population.terms,
        len(population.phases),
    )
    assert np.array_equal(closed.terms, population.term_counts(counts.states))
    assert np.array_equal(closed.phases, population.phase_counts(counts.states))
    assert np.array_equal(closed.lapse, population.lapse_counts(counts))
    runs = [*histories.cycles[0].runs.tolist()[:8], 0, 1]
    dates = population.sample_dates
    naive = bench.naive_answers(histories, runs, assumptions.horizon, dates, population.terms)
    assert naive == bench.outcome_answers(population, histories, runs)
    python = bench.contract_answers("python", histories, runs, assumptions.horizon, dates)
    assert python == naive
