"""A saved contract (``Contract.to_json``) reads back as the same contract, and what is not one is
refused with the place that is wrong (SPEC: the saved form is its agreement, events and date)."""

from __future__ import annotations

import copy
from typing import Any

import agi_terms
import pytest

AGREEMENT = agi_terms.load_agreement("2025-10", backend="python")
EVENTS = [
    {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "aws"},
    {"date": "2029-03-01", "type": "agi_declared"},
]


def saved() -> dict[str, Any]:
    contract = AGREEMENT.start().apply_all(EVENTS).advance_to("2030-01-01")
    return copy.deepcopy(dict(contract.to_json()))


def test_a_saved_contract_reads_back_as_itself() -> None:
    data = saved()
    again = agi_terms.load_contract(data, agreement=AGREEMENT)
    assert again.to_json() == data
    assert again.state.date.isoformat() == "2030-01-01"
    assert again.phase == AGREEMENT.start().apply_all(EVENTS).phase


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: d.update(format="agi-terms/contract@0"), "format"),
        (lambda d: d.pop("format"), "format"),
        (lambda d: d.update(agreement="2019-07"), "agreement"),
        (lambda d: d.update(events={"0": EVENTS[0]}), "events"),
        (lambda d: d.update(events=[EVENTS[1], EVENTS[0]]), "events[1].date"),
        (lambda d: d["events"][0].update(cloud="moon"), "events[0].cloud"),
        (lambda d: d.update(as_of="2030-02-30"), "as_of"),
        (lambda d: d.update(as_of="2020-01-01"), "as_of"),
    ],
    ids=["format", "no-format", "agreement", "events-not-list", "order", "bad-event",
         "as-of-not-a-date", "as-of-before-events"],
)  # fmt: skip
def test_what_is_not_a_saved_contract_is_refused_at_its_place(change: Any, place: str) -> None:
    data = saved()
    change(data)
    with pytest.raises(agi_terms.InputError) as caught:
        agi_terms.load_contract(data, agreement=AGREEMENT)
    assert caught.value.place == place, caught.value.one_line()


def test_a_value_that_is_not_a_mapping_is_not_a_saved_contract() -> None:
    with pytest.raises(agi_terms.InputError) as caught:
        agi_terms.load_contract([], agreement=AGREEMENT)  # type: ignore[arg-type]
    assert caught.value.place == "format"
