"""Differential tests: the engine (both backends) against tests/oracle.py, an independent SPEC."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import agi_terms
import pytest
from agi_terms.testing import HORIZON, event_sequences, parameter_overrides
from conftest import BACKENDS, CI, AgreementCache
from differential import ACTIONS, T0, check_pinned, check_placement, compare, step_json
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import Oracle


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
    sequence: list[agi_terms.Event],
    probes: list[dt.date],
    actions: list[agi_terms.Event],
) -> None:
    compare(agreements.get(overrides, backend), overrides, sequence, probes, actions)


@pytest.mark.parametrize("backend", BACKENDS)
@given(sequence=event_sequences(max_size=25), actions=st.lists(ACTIONS, min_size=1, max_size=8))
def test_engine_agrees_with_the_oracle_on_defaults(
    agreements: AgreementCache,
    backend: str,
    sequence: list[agi_terms.Event],
    actions: list[agi_terms.Event],
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


def test_the_oracle_notices_a_rule_folder_that_misreads_the_research_ip(tmp_path: Path) -> None:
    """An agreement on a changed copy of the rules (research IP through 2031) disagrees; the copy
    loads through ``load_agreement(rules=...)``, the hook the mutation run uses."""
    folder = tmp_path / "2025-10"
    shutil.copytree(Path(agi_terms.rulebook.shipped_rules()) / "2025-10", folder)
    terms = folder / "terms.yaml"
    text = terms.read_text(encoding="utf-8")
    assert "{$lte: {day: 2030-12-31}}" in text
    terms.write_text(text.replace("{$lte: {day: 2030-12-31}}", "{$lte: {day: 2031-12-31}}"))
    story = [agi_terms.AzurePurchase(date=dt.date(2031, 6, 1), amount_usd=1.0)]
    with (
        agi_terms.load_agreement(rules=folder, backend="python") as changed,
        pytest.raises(AssertionError),
    ):
        compare(changed, {}, story, [], [])
    with agi_terms.load_agreement(backend="python") as shipped:
        compare(shipped, {}, story, [], [])


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=60 if CI else 15)  # each example replays 24 amendment stories
@given(overrides=parameter_overrides())
def test_an_amendment_back_to_2025_10_places_the_contract_as_the_oracle_does(
    agreements: AgreementCache, backend: str, overrides: dict[str, object]
) -> None:
    check_placement(agreements.get(overrides, backend), overrides)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_pinned_decisions_hold_on_the_shipped_rules(
    agreements: AgreementCache, backend: str
) -> None:
    """The decisions the mutation run pins to rule ids, on the shipped rules (SPEC §6, §5.1)."""
    check_pinned(lambda overrides: agreements.get(overrides, backend))
