"""``agi_terms.testing``: strategies give what they promise, arguments are checked, the README example runs."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import agi_terms
import pytest
from agi_terms.analysis.scenario import scenario_from_data
from agi_terms.events import EVENT_TYPES
from agi_terms.rulebook import available_versions
from agi_terms.testing import (
    HORIZON,
    ContractStateMachine,
    event_sequences,
    events,
    parameter_overrides,
    scenarios,
    strategy_for_type,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

ROOT = Path(__file__).resolve().parent.parent
AGREEMENT = agi_terms.load_agreement("2025-10", backend="python")
T0 = dt.date(2025, 10, 28)
GATE_DAYS = {dt.date(2030, 12, 31), dt.date(2031, 1, 1), dt.date(2032, 12, 31), dt.date(2033, 1, 1)}


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=[c.__name__ for c in EVENT_TYPES])
@settings(max_examples=25)
@given(data=st.data())
def test_from_type_gives_valid_events_of_every_type(cls: type, data: st.DataObject) -> None:
    event = data.draw(st.from_type(cls))
    assert type(event) is cls
    assert agi_terms.parse_event(agi_terms.events.event_to_json(event)) == event
    assert T0 <= event.date <= HORIZON


def test_the_types_are_registered_through_the_entry_point() -> None:
    code = (
        "from hypothesis import strategies as st\n"
        "import agi_terms\n"
        "print(type(st.from_type(agi_terms.MsIpUse).example()).__name__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert proc.stdout.strip() == "MsIpUse"


@given(events())
def test_events_are_valid_on_their_own(event: agi_terms.Event) -> None:
    assert agi_terms.parse_event(agi_terms.events.event_to_json(event)) == event


@given(event_sequences())
def test_sequences_are_accepted_in_order(sequence: list[agi_terms.Event]) -> None:
    contract = AGREEMENT.start().apply_all(sequence)
    assert len(contract.events) == len(sequence)
    assert [e.date for e in sequence] == sorted(e.date for e in sequence)


@pytest.mark.parametrize("version", available_versions())
@settings(max_examples=30)
@given(data=st.data())
def test_every_version_gets_sequences_and_scenarios_it_accepts(
    version: str, data: st.DataObject
) -> None:
    with agi_terms.load_agreement(version, backend="python") as agreement:
        sequence = data.draw(event_sequences(version, max_size=15), label="sequence")
        assert len(agreement.start().apply_all(sequence).events) == len(sequence)
    scenario = data.draw(scenarios(version), label="scenario")
    result = agi_terms.simulate(agi_terms.parse_scenario(json.dumps(scenario)), backend="python")
    assert result.agreement == version


class _Prior(ContractStateMachine):
    version = "2025-01"
    backend = "python"


Test2025_01Machine = _Prior.TestCase
Test2025_01Machine.settings = settings(max_examples=15, stateful_step_count=15)


@given(event_sequences(min_size=3, max_size=3))
def test_sequences_respect_their_size(sequence: list[agi_terms.Event]) -> None:
    assert len(sequence) == 3


def test_sequences_reach_the_gate_days_and_every_event_type() -> None:
    seen_days: set[dt.date] = set()
    seen_types: set[str] = set()

    @settings(max_examples=200, database=None)
    @given(event_sequences())
    def collect(sequence: list[agi_terms.Event]) -> None:
        seen_days.update(e.date for e in sequence)
        seen_types.update(e.type for e in sequence)

    collect()
    assert seen_days >= GATE_DAYS
    assert seen_types >= {
        "agi_declared", "panel_verified", "panel_rejected", *agi_terms.events.ACTION_TYPES
    }  # fmt: skip


@given(parameter_overrides())
def test_parameter_overrides_load(overrides: dict[str, object]) -> None:
    assert set(AGREEMENT.parameters) >= set(overrides)
    with agi_terms.load_agreement("2025-10", overrides, backend="python") as agreement:
        assert set(agreement.parameters) == set(AGREEMENT.parameters)


@given(scenarios())
def test_scenarios_are_accepted_by_simulate(data: dict[str, object]) -> None:
    text = json.dumps(data)
    result = agi_terms.simulate(agi_terms.parse_scenario(text), backend="python")
    assert len(result.checkpoints) == len(data.get("checkpoints", []))  # type: ignore[arg-type]
    assert scenario_from_data(json.loads(text)).events == data["events"]


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (lambda: events("1999-01"), "not a shipped agreement version"),
        (lambda: events(2025), "not a shipped agreement version"),
        (lambda: event_sequences(min_size=-1), "min_size=-1 must be at least 0"),
        (lambda: event_sequences(max_size=2.5), "max_size=2.5 must be an integer"),
        (lambda: event_sequences(min_size=5, max_size=2), "greater than max_size"),
        (lambda: scenarios("nope"), "not a shipped agreement version"),
        (lambda: parameter_overrides(None), "not a shipped agreement version"),
        (lambda: strategy_for_type(int), "not an event type"),
    ],
)
def test_bad_arguments_raise_invalid_argument(strategy: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        strategy()  # type: ignore[operator]


class _BadVersion(ContractStateMachine):
    version = "1999-01"


def test_a_state_machine_of_an_unknown_version_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="1999-01"):
        _BadVersion.TestCase().runTest()


class _Counting(ContractStateMachine):
    """Checks the machine's own promises: the contract moves on, never back."""

    backend = "durable"

    def teardown(self) -> None:
        assert self.contract.agreement.backend == "durable"


def test_the_state_machine_uses_its_backend_and_keeps_the_previous_contract() -> None:
    machine = _Counting()
    machine.start_contract()
    assert machine.agreement.backend == "durable"
    machine.declare(agi_terms.testing.Gap(30))
    assert machine.contract.phase == "panel_review"
    assert machine.previous.phase == "pre_agi"
    assert machine.last_event is not None
    machine.advance(agi_terms.testing.On(dt.date(2033, 1, 1)))
    assert machine.contract.phase == "post_2032"
    assert machine.last_event is None
    machine.teardown()


def test_the_readme_downstream_example_runs_in_a_fresh_suite(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Testing with agi-terms", 1)[1]
    (block,) = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], flags=re.DOTALL)
    (tmp_path / "test_downstream.py").write_text(block, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"\b3 passed\b", proc.stdout), proc.stdout
