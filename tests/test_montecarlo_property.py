"""The vectorised backend agrees with the scalar ones: rule by rule on rows, and run by run in Monte Carlo.

For random assumptions and seeds, sampled runs are replayed as scenario events with ``Contract`` on the
python backend; every term and the phase at every sample date, and each term's lapse day (the first
day it is out of force, from the contract's own timeline), must equal the population's.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import agi_terms
import numpy as np
import pytest
from agi_terms import available_versions, load_agreement, load_rulebook
from agi_terms.analysis.montecarlo import ChunkTask, Population, parse_assumptions
from agi_terms.analysis.montecarlo.histories import NEVER
from agi_terms.backends.python import PythonBackend
from agi_terms.backends.vectorised import VectorisedBackend
from agi_terms.evaluation.contract import Contract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

START = dt.date(2025, 10, 28)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


BACKSTOPS = st.sampled_from(["null", "2029-06-30", "2032-12-31", "2035-01-01"])
BOOLS = st.sampled_from(["true", "false"])
CAP_LIFTS = st.sampled_from(["declared_not_rejected", "declared", "verified", "never"])
PARAMETERS: dict[str, dict[str, st.SearchStrategy[str]]] = {
    "2025-01": {"declaration_ends_exclusivities": BOOLS},
    "2025-10": {
        "agi_trigger": st.sampled_from(["verified", "declared"]),
        "compute_cap_lifts_on": CAP_LIFTS,
        "api_exclusivity_backstop": BACKSTOPS,
        "revenue_share_backstop": BACKSTOPS,
        "third_party_api_exclusivity_ends_at_agi": BOOLS,
        "research_ip_ends_at_verification": BOOLS,
    },
    "2026-04": {
        "compute_cap_lifts_on": CAP_LIFTS,
        "research_ip_ends_at_verification": BOOLS,
        "azure_first_ship_until": BACKSTOPS,
        "revenue_share_cap_usd": st.sampled_from(["0", "3.8e10"]),
    },
}
"""The parameters that move terms, per version (a version not listed is run on its defaults)."""


@st.composite
def assumptions_texts(draw: st.DrawFn) -> str:
    version = draw(st.sampled_from(available_versions()))
    start = load_rulebook(version).effective
    horizon = draw(st.dates(start + dt.timedelta(days=120), dt.date(2041, 6, 30)))
    first = draw(st.dates(start, horizon))
    spread = draw(st.sampled_from([0, 400, 6000]))
    last = draw(st.dates(first, min(horizon, first + dt.timedelta(days=spread))))
    probability = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))
    low = draw(st.integers(1, 500))
    review = (low, draw(st.integers(low, low + draw(st.sampled_from([0, 30, 700])))))
    low = draw(st.integers(1, 900))
    after = (low, draw(st.integers(low, low + 900)))
    if horizon >= dt.date(start.year, 12, 31) and draw(st.booleans()):
        sample = "yearly"
    else:
        days = draw(st.lists(st.dates(start, horizon), min_size=1, max_size=6, unique=True))
        sample = "[" + ", ".join(d.isoformat() for d in days) + "]"
    parameters = {k: draw(v) for k, v in PARAMETERS.get(version, {}).items()}
    declaration = f"{{probability: {draw(probability)!r}, between: [{first}, {last}]}}"
    if draw(st.booleans()):
        days = draw(st.lists(st.dates(start + dt.timedelta(days=1), horizon), min_size=1,
                             max_size=4, unique=True))  # fmt: skip
        chances = sorted(draw(st.lists(probability, min_size=len(days), max_size=len(days))))
        points = ", ".join(f"[{d}, {p!r}]" for d, p in zip(sorted(days), chances, strict=True))
        declaration = f"{{cdf: [{points}]}}"
    return (
        f'agreement: "{version}"\nhorizon: {horizon}\nsample: {sample}\n'
        f"declaration: {declaration}\n"
        f"panel: {{verify_probability: {draw(probability)!r}, review_days: [{review[0]}, {review[1]}]}}\n"
        f"redeclaration: {{probability: {draw(probability)!r}, after_days: [{after[0]}, {after[1]}]}}\n"
        "parameters: {" + ", ".join(f"{k}: {v}" for k, v in parameters.items()) + "}\n"
    )


def lapse_day(contract: Contract, term: str) -> dt.date | None:
    """The first day ``term`` is out of force (end of day), from the contract's timeline."""
    if not contract.start_terms[term]:
        return contract.start_date
    for step in contract.steps:
        ended = any(c.term == term and not c.in_force for c in step.changes)
        if ended and not contract.terms(on=step.date).terms[term].in_force:
            return step.date
    return None


@PROPERTY
@given(text=assumptions_texts(), seed=st.integers(0, 2**32 - 1), index=st.integers(0, 3))
def test_vectorised_population_equals_contract_replay_run_by_run(
    text: str, seed: int, index: int
) -> None:
    assumptions = parse_assumptions(text)
    population = Population(assumptions)
    histories = ChunkTask(assumptions, {}, seed, index, 40).histories()
    outcome = population.evaluate(histories)
    # The runs that declare at least once are the interesting ones; check them all, and a few others.
    declaring = set(histories.cycles[0].runs.tolist()) if histories.cycles else set()
    runs = sorted(declaring)[:10] + [r for r in range(histories.size) if r not in declaring][:3]
    with load_agreement(
        assumptions.agreement, assumptions.parameters, backend="python"
    ) as agreement:
        for run in runs:
            events = histories.events_of(run)
            contract = agreement.start().apply_all(events).advance_to(assumptions.horizon)
            for k, day in enumerate(assumptions.sample_dates()):
                report = contract.terms(on=day)
                assert population.phases[outcome.phase[run, k]] == report.phase, (run, day, events)
                for term, in_force in report.in_force().items():
                    assert bool(outcome.in_force[term][run, k]) == in_force, (
                        run,
                        day,
                        term,
                        events,
                    )
            for term in population.terms:
                expected = lapse_day(contract, term)
                found = int(outcome.lapse[term][run])
                assert (None if found == NEVER else dt.date.fromordinal(found)) == expected, (
                    run, term, events,
                )  # fmt: skip


@PROPERTY
@given(text=assumptions_texts(), seed=st.integers(0, 2**32 - 1), size=st.integers(1, 300))
def test_counts_equal_the_runs_evaluated_one_by_one(text: str, seed: int, size: int) -> None:
    # The counts (states per sample date, lapse days per term) are what the result is made of;
    # summed from the per-run outcome that the replay test above checks, they must be the same.
    assumptions = parse_assumptions(text)
    population = Population(assumptions)
    histories = ChunkTask(assumptions, {}, seed, 0, size).histories()
    counts = population.evaluate_counts(histories)
    outcome = population.evaluate(histories)
    terms = np.array([outcome.in_force[t].sum(axis=0) for t in population.terms])
    assert np.array_equal(population.term_counts(counts.states), terms)
    phases = np.array([(outcome.phase == p).sum(axis=0) for p in range(len(population.phases))])
    assert np.array_equal(population.phase_counts(counts.states), phases)
    lapse = population.lapse_counts(counts)
    for k, term in enumerate(population.terms):
        days = outcome.lapse[term]
        expected = np.bincount(days[days != NEVER] - population.start, minlength=lapse.shape[1])
        assert np.array_equal(lapse[k], expected), term
    assert counts.states.sum() == size * len(population.sample_dates)


@PROPERTY
@given(text=assumptions_texts(), seed=st.integers(0, 2**32 - 1))
def test_sampled_histories_respect_the_assumptions(text: str, seed: int) -> None:
    assumptions = parse_assumptions(text)
    histories = ChunkTask(assumptions, {}, seed, 0, 60).histories()
    low, high = assumptions.declaration.between or (START, START)
    review = assumptions.panel.review_days
    after = assumptions.redeclaration.after_days
    for run in range(histories.size):
        events = histories.events_of(run)
        days = [e["date"] for e in events]
        assert all(d <= assumptions.horizon for d in days)
        assert days == sorted(set(days))
        if events and assumptions.declaration.cdf is None:
            assert low <= events[0]["date"] <= high
        elif events:
            cdf = assumptions.declaration.cdf
            # No mass before the start nor after the first point that reaches the final chance.
            last = next(d for d, p in cdf if p == cdf[-1][1])
            assert assumptions.start < events[0]["date"] <= last
        for declared, verdict in itertools.pairwise(events):
            if declared["type"] == "agi_declared":
                assert review[0] <= (verdict["date"] - declared["date"]).days <= review[1]
            else:
                assert declared["type"] == "panel_rejected"
                assert after[0] <= (verdict["date"] - declared["date"]).days <= after[1]
        if any(e["type"] == "panel_verified" for e in events):
            assert events[-1]["type"] == "panel_verified"


# ---------------------------------------------------------------- rule by rule on fact rows


def _rows(program: Any) -> list[dict[str, Any]]:
    """State rows over the facts' values, with and without each action's facts."""
    rows: list[dict[str, Any]] = []
    phases = program.facts["phase"].choices
    days = [
        START,
        dt.date(2030, 12, 31),
        dt.date(2031, 1, 1),
        dt.date(2032, 12, 31),
        dt.date(2033, 1, 1),
    ]
    for day, phase, verified, pending, ever in itertools.product(
        days, phases, (False, True), (False, True), (False, True)
    ):
        rows.append({
            "day": day.toordinal(), "phase": phase, "verified": verified,
            "declaration_pending": pending, "declaration_live": pending or verified,
            "declared_ever": ever, "azure_purchased_usd": 3e11 if ever else 0.0,
            "revenue_share_paid_usd": 0.0 if ever else 4e10,
        })  # fmt: skip
    return rows


def _actions() -> list[dict[str, Any]]:
    return [
        {"action": "product_launch", "kind": k, "cloud": c, "customer": u, "has_partner": p,
         "azure_declined": d, "shipped_on_azure": o}
        for k, c, u, p, d, o in itertools.product(
            ("api", "stateful_runtime", "non_api", "consumer_hardware"), ("azure", "aws"),
            ("commercial", "us_national_security"), (False, True), (False, True), (False, True),
        )
    ] + [
        {"action": "open_weights_release", "bio_chem": b, "cyber": c, "self_improvement": s}
        for b, c, s in itertools.product(range(4), (0, 3), (1, 2))
    ] + [
        {"action": "ms_ip_use", "asset": a, "asset_post_agi": p, "asset_after_declaration": p}
        for a, p in itertools.product(("model", "product", "research", "consumer_hardware"), (False, True))
    ] + [
        {"action": "ms_agi_training", "uses_openai_ip": u, "training_flop": f}
        for u, f in itertools.product((False, True), (1e26, 5e27, 1e28))
    ] + [
        {"action": "compute_contract", "provider_is_microsoft": m, "rofr_offered": o}
        for m, o in itertools.product((False, True), (False, True))
    ] + [{"action": "azure_purchase", "amount_usd": 1e9}] + [
        {"action": "revenue_share_payment", "amount_usd": 1e9, "payer": p}
        for p in ("openai", "microsoft")
    ]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    parameters=st.fixed_dictionaries(
        {
            "agi_trigger": st.sampled_from(["verified", "declared"]),
            "compute_cap_lifts_on": st.sampled_from(
                ["declared_not_rejected", "declared", "verified", "never"]
            ),
            "api_exclusivity_backstop": st.sampled_from([None, "2029-06-30", "2032-12-31"]),
            "open_weights_max_level": st.sampled_from(["low", "medium", "high", "critical"]),
            "compute_threshold_flop": st.sampled_from([1e26, 5e27, 1e30]),
            "open_weights_criteria_until": st.sampled_from([None, "2030-12-31"]),
            "stateful_runtime_is_api": st.booleans(),
            "research_ip_ends_at_verification": st.booleans(),
        }
    ),
    version=st.sampled_from(["2025-10", "2026-04"]),
    third_party=st.booleans(),
)
def test_vectorised_match_equals_python_match_on_every_stage(
    parameters: dict[str, Any], version: str, third_party: bool
) -> None:
    if version == "2025-10":
        parameters = {**parameters, "third_party_api_exclusivity_ends_at_agi": third_party}
    else:
        parameters = {k: v for k, v in parameters.items() if k not in ("agi_trigger",
                      "api_exclusivity_backstop")}  # fmt: skip
        parameters["post_agi_guardrails"] = third_party
    with load_agreement(version, parameters, backend="python") as agreement:
        compiled = agreement.compiled(version)
        program = compiled.program
        rows = _rows(program)
        for row in rows:
            compiled.terms(row)  # adds every term, which later stages and decisions test
    python, vectorised = PythonBackend(program), VectorisedBackend(program)
    for stage in range(program.decision_stage):
        assert vectorised.match(stage, rows) == python.match(stage, rows)
    decision_rows = [{**row, **action} for row in rows[::7] for action in _actions()]
    decided = vectorised.match(program.decision_stage, decision_rows)
    assert decided == python.match(program.decision_stage, decision_rows)
    assert all(decided)  # every action row is decided by some rule


def test_terms_columns_equal_compiled_terms_row_by_row() -> None:
    with (
        load_agreement("2025-10", backend="python") as agreement,
        load_agreement("2025-10", backend="vectorised") as over_columns,
    ):
        compiled = agreement.compiled("2025-10")
        columnar = over_columns.compiled("2025-10")
        vectorised = columnar.backend
        assert isinstance(vectorised, VectorisedBackend)
        rows = _rows(compiled.program)
        columns: dict[str, Any] = {
            name: np.array([vectorised.encode(name, row[name]) for row in rows]) for name in rows[0]
        }
        in_force = columnar.terms_columns(columns)
        for r, row in enumerate(rows):
            expected = compiled.terms(dict(row))[0]
            assert {
                t: bool(np.broadcast_to(m, (len(rows),))[r]) for t, m in in_force.items()
            } == expected
        with pytest.raises(agi_terms.BackendError, match="vectorised backend"):
            compiled.terms_columns(columns)


def test_python_backend_tests_decision_rows_against_every_rule_that_can_hold() -> None:
    # The python backend looks up a decision row's rules by its action type; the answer must equal
    # evaluating every rule of the stage on the row.
    from agi_terms.conditions import evaluate

    with load_agreement("2025-10", backend="python") as agreement:
        compiled = agreement.compiled("2025-10")
        program = compiled.program
        rows = _rows(program)[::11]
        for row in rows:
            compiled.terms(row)
    decision_rows = [{**row, **action} for row in rows for action in _actions()]
    stage = program.decision_stage
    expected = [
        tuple(
            i
            for i in program.stage_rules[stage]
            if evaluate(program.rules[i].condition, row.__getitem__)
        )
        for row in decision_rows
    ]
    assert PythonBackend(program).match(stage, decision_rows) == expected
    assert sum(map(len, expected)) > len(decision_rows)
