"""Contracts extended one event at a time share their timeline and stay values: an older contract
extended from several branches keeps exactly its own events, steps and history."""

from __future__ import annotations

import threading

import agi_terms

EVENTS = [
    {"date": "2026-01-05", "type": "product_launch", "kind": "api", "cloud": "azure", "name": "x"},
    {"date": "2026-02-01", "type": "ms_ip_use", "asset": "research"},
    {"date": "2027-03-01", "type": "product_launch", "kind": "api", "cloud": "gcp", "name": "x"},
    {"date": "2029-03-01", "type": "agi_declared"},
    {"date": "2029-09-01", "type": "panel_rejected"},
    {"date": "2030-06-01", "type": "ms_ip_use", "asset": "research"},
]


def _snapshot(contract: agi_terms.Contract) -> tuple[object, ...]:
    return (
        tuple(contract.events), tuple(contract.steps), tuple(contract.history),
        tuple(contract.step_dates), dict(contract.azure_launches or {}), contract.state,
    )  # fmt: skip


def test_one_at_a_time_equals_apply_all_and_old_contracts_are_unchanged() -> None:
    agreement = agi_terms.load_agreement("2025-10", backend="python")
    contract = agreement.start()
    built = [contract]
    for event in EVENTS:
        contract = contract.apply(event)
        built.append(contract)
    whole = agreement.start().apply_all(EVENTS)
    assert contract == whole
    assert contract.steps == tuple(whole.steps)
    assert contract.history == whole.history
    assert contract.events == tuple(whole.events)
    assert len(contract.events) == len(EVENTS)
    assert contract.steps[-2:] == tuple(whole.steps)[-2:]
    before = [_snapshot(c) for c in built]
    # Extend every older contract along branches of its own, twice each, from two threads.
    other = {"date": "2031-01-01", "type": "product_launch", "kind": "api", "cloud": "azure",
             "name": "y"}  # fmt: skip
    branches: list[agi_terms.Contract] = []

    def extend() -> None:
        for old in built:
            branches.append(old.apply(other).apply(EVENTS[1] | {"date": "2031-02-01"}))

    threads = [threading.Thread(target=extend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [_snapshot(c) for c in built] == before
    assert len(branches) == 2 * len(built)
    for branch in branches:
        prefix = next(c for c in built if len(c.events) == len(branch.events) - 2)
        assert branch.steps[: len(prefix.steps)] == tuple(prefix.steps)
        assert branch == prefix.apply_all([other, EVENTS[1] | {"date": "2031-02-01"}])
        assert "y" in (branch.azure_launches or {})
    assert "y" not in (contract.azure_launches or {})


def test_a_refused_event_leaves_the_shared_timeline_as_it_was() -> None:
    agreement = agi_terms.load_agreement("2025-10", backend="python")
    contract = agreement.start().apply_all(EVENTS)
    before = _snapshot(contract)
    try:
        contract.apply({"date": "2026-01-01", "type": "ms_ip_use", "asset": "research"})
    except agi_terms.AgiTermsError:
        pass
    else:
        raise AssertionError("an event dated before the last one was accepted")
    assert _snapshot(contract) == before
    assert contract.apply(EVENTS[-1]).steps[:-1] == tuple(contract.steps)
