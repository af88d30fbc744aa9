"""Differential tests: the engine (both backends) against tests/oracle.py, an independent SPEC."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import BACKENDS, AgreementCache
from hypothesis import given
from hypothesis import strategies as st
from oracle import PHASES, TERMS, Oracle, parameters_json

import engine
from engine.events import event_to_json
from engine.testing import HORIZON, event_sequences, events, parameter_overrides

T0 = dt.date(2025, 10, 28)
EDGE_DAYS = [
    T0,
    dt.date(2030, 12, 31),
    dt.date(2031, 1, 1),
    dt.date(2032, 12, 31),
    dt.date(2033, 1, 1),
    HORIZON,
]
ACTIONS = events().filter(lambda e: e.type in engine.events.ACTION_TYPES)


def step_json(step: engine.Step) -> dict[str, Any]:
    """A step's JSON as the oracle gives it: changes as a set, decisions without ``because``."""
    data = step.to_json()
    data["changes"] = {(c["term"], c["in_force"]) for c in data["changes"]}
    if data["decision"] is not None:
        data["decision"] = {k: data["decision"][k] for k in ("allowed", "obligations")}
    return data


def cited_sources(decision: engine.Decision) -> set[str]:
    return {part.strip() for c in decision.because for part in c.source.split(",")}


def assert_decision(decision: engine.Decision, expected: dict[str, Any], what: object) -> None:
    assert decision.allowed == expected["allowed"], what
    assert list(decision.obligations) == expected["obligations"], what
    missing = expected["cited_sources"] - cited_sources(decision)
    assert not missing, f"{what}: no citation of {missing} in {decision.because}"


def compare(
    agreement: engine.Agreement,
    overrides: dict[str, object],
    sequence: list[engine.Event],
    probes: list[dt.date],
    actions: list[engine.Event],
) -> None:
    """The engine and the oracle agree on the timeline, on every probe date and every decision."""
    data = [event_to_json(e) for e in sequence]
    contract = agreement.start().apply_all(sequence)
    oracle = Oracle(overrides).apply_all(data)
    end = max([contract.state.date, *probes])
    contract = contract.advance_to(end)
    oracle.advance_to(end)

    assert agreement.parameters_json() == parameters_json(overrides)
    assert [step_json(s) for s in contract.steps] == oracle.steps
    days = sorted(
        {
            *probes,
            *EDGE_DAYS,
            *(e.date for e in sequence),
            *(e.date - dt.timedelta(days=1) for e in sequence if e.date > T0),
        }
    )
    for day in days:
        report = contract.terms(on=day)
        assert report.phase in PHASES
        assert report.phase == oracle.phase(day), day
        assert tuple(report.terms) == TERMS
        assert report.in_force() == oracle.terms(day), day
    for action in actions:
        assert_decision(contract.decide(action), oracle.decide(event_to_json(action)), action)
    for event, (_, logged) in zip(sequence, oracle.log, strict=True):
        if event.type in engine.events.ACTION_TYPES:
            # The recorded decision must cite what SPEC's decision rests on, too.
            index = oracle.log.index((event.date, logged))
            step = next(s for s in contract.steps if s.event is event)
            assert step.decision is not None
            assert_decision(step.decision, oracle.decide(logged, before=index), event)


@pytest.mark.parametrize("backend", BACKENDS)
@given(
    overrides=parameter_overrides(),
    sequence=event_sequences(max_size=25),
    probes=st.lists(st.dates(min_value=T0, max_value=HORIZON), max_size=6),
    actions=st.lists(ACTIONS, max_size=8),
)
def test_engine_agrees_with_the_oracle(
    agreements: AgreementCache,
    backend: str,
    overrides: dict[str, object],
    sequence: list[engine.Event],
    probes: list[dt.date],
    actions: list[engine.Event],
) -> None:
    compare(agreements.get(overrides, backend), overrides, sequence, probes, actions)


@pytest.mark.parametrize("backend", BACKENDS)
@given(sequence=event_sequences(max_size=25), actions=st.lists(ACTIONS, min_size=1, max_size=8))
def test_engine_agrees_with_the_oracle_on_defaults(
    agreements: AgreementCache,
    backend: str,
    sequence: list[engine.Event],
    actions: list[engine.Event],
) -> None:
    compare(agreements.get({}, backend), {}, sequence, [], actions)


@pytest.mark.parametrize("backend", BACKENDS)
def test_oracle_and_engine_agree_on_a_verified_declaration_story(
    agreements: AgreementCache, backend: str
) -> None:
    """A worked example: the panel verifies in 2029; research IP and revenue share end then."""
    story = [
        {"date": "2029-03-01", "type": "agi_declared"},
        {"date": "2029-09-01", "type": "panel_verified"},
        {
            "date": "2030-02-01",
            "type": "product_launch",
            "kind": "api",
            "cloud": "gcp",
            "partner": "Acme",
        },
    ]
    contract = agreements.get({}, backend).start().apply_all(story)
    oracle = Oracle({}).apply_all(story)
    assert [step_json(s) for s in contract.steps] == oracle.steps
    assert oracle.terms("2031-01-01")["ms_research_ip"] is False
    assert contract.terms(on="2031-01-01").terms["ms_model_product_ip"].in_force is True
    launch = contract.steps[-1].decision
    assert launch is not None
    assert launch.allowed
