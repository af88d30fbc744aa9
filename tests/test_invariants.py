"""SPEC §8's invariants as properties over random event sequences, on both rules backends.

``InvariantMachine`` is one stateful test; each backend runs it through a subclass that sets the
``backend`` class attribute (as transitions' test suite re-runs one suite per machine variant).
Every example draws one of a few parameter configurations, so that the declared-trigger and
backstop readings are exercised too; agreements are shared across examples.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import agi_terms
import jsonschema
import pytest
from agi_terms.analysis.scenario import scenario_from_data
from agi_terms.evaluation.contract import Contract
from agi_terms.events import ACTION_TYPES
from agi_terms.testing import HORIZON, ContractStateMachine, event_sequences, scenarios
from conftest import BACKENDS, AgreementCache
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

T0 = dt.date(2025, 10, 28)
END_2030 = dt.date(2030, 12, 31)
END_2032 = dt.date(2032, 12, 31)
FINAL = "post_2032"
SCHEMA = json.loads((Path(__file__).parent / "simulate.schema.json").read_text(encoding="utf-8"))

# The machine of SPEC §2, written out: (phase before, step type) -> phases allowed after.
MOVES: Mapping[tuple[str, str], frozenset[str]] = {
    ("pre_agi", "agi_declared"): frozenset({"panel_review"}),
    ("panel_review", "panel_verified"): frozenset({"post_agi"}),
    ("panel_review", "panel_rejected"): frozenset({"pre_agi"}),
    ("pre_agi", "calendar"): frozenset({"pre_agi", FINAL}),
    ("panel_review", "calendar"): frozenset({"panel_review", FINAL}),
    ("post_agi", "calendar"): frozenset({"post_agi", FINAL}),
    (FINAL, "agi_declared"): frozenset({FINAL}),
    (FINAL, "panel_verified"): frozenset({FINAL}),
    (FINAL, "panel_rejected"): frozenset({FINAL}),
    (FINAL, "calendar"): frozenset({FINAL}),
}
DECLARATION_MAY_CHANGE = {
    "verified": frozenset({"ms_compute_cap"}),
    "declared": frozenset(
        {
            "ms_compute_cap",
            "ms_ip_exclusivity",
            "azure_api_exclusivity",
            "third_party_api_exclusivity",
        }
    ),
}

CONFIGURATIONS: tuple[Mapping[str, object], ...] = (
    {},
    {"agi_trigger": "declared", "compute_cap_lifts_on": "declared"},
    {
        "api_exclusivity_backstop": None,
        "revenue_share_backstop": None,
        "compute_cap_lifts_on": "verified",
    },
    {
        "agi_trigger": "declared",
        "api_exclusivity_backstop": "2029-06-30",
        "revenue_share_backstop": "2034-12-31",
        "azure_commitment_usd": 1e9,
    },
    {
        "third_party_api_exclusivity_ends_at_agi": False,
        "research_ip_ends_at_verification": False,
        "stateful_runtime_is_api": True,
        "compute_cap_lifts_on": "never",
        "open_weights_criteria_until": "2030-12-31",
    },
    {
        "agi_trigger": "declared",
        "third_party_api_exclusivity_ends_at_agi": False,
        "api_exclusivity_backstop": None,
    },
)


def replay(
    start: Mapping[str, bool], steps: tuple[agi_terms.Step, ...], day: dt.date
) -> dict[str, bool]:
    """The start terms with the ``changes`` of every step dated on or before ``day`` applied."""
    terms = dict(start)
    for step in steps:
        if step.date > day:
            break
        for change in step.changes:
            terms[change.term] = change.in_force
    return terms


def fed_differently(
    agreement: agi_terms.Agreement, contract: Contract, split: int
) -> list[Contract]:
    """The same events fed all at once, one by one, and through a JSON snapshot at ``split``."""
    events = list(contract.events)
    clock = contract.state.date
    at_once = agreement.start().apply_all(events).advance_to(clock)
    one_by_one = agreement.start()
    for event in events:
        one_by_one = one_by_one.apply(agi_terms.events.event_to_json(event))
    one_by_one = one_by_one.advance_to(clock)
    first = agreement.start().apply_all(events[:split])
    snapshot = json.loads(json.dumps(first.to_json()))
    resumed = (
        agi_terms.load_contract(snapshot, agreement=agreement)
        .apply_all(events[split:])
        .advance_to(clock)
    )
    return [at_once, one_by_one, resumed]


class InvariantMachine(ContractStateMachine):
    """Random valid events on one of ``CONFIGURATIONS``; SPEC §8 checked after every step."""

    backend: ClassVar[str | None] = "python"

    @initialize(config=st.sampled_from(range(len(CONFIGURATIONS))))
    def start_contract(self, config: int) -> None:  # type: ignore[override]
        self.overrides = CONFIGURATIONS[config]
        self.agreement = _agreements.get(self.overrides, self.backend or "python")
        self.contract = self.agreement.start()
        self.previous = self.contract
        self.last_event = None
        self.checked_steps = 0
        self.replayed = dict(self.contract.start_terms)
        self.ended_for_good: set[str] = set()

    # ------------------------------------------------------------ rules beyond the base machine

    @rule(split=st.integers(min_value=0))
    def feeding_does_not_matter(self, split: int) -> None:
        """Replaying the same events gives the same result, however batched, and from a snapshot."""
        cut = split % (len(self.contract.events) + 1)
        for other in fed_differently(self.agreement, self.contract, cut):
            assert other == self.contract
            assert [s.to_json() for s in other.steps] == [s.to_json() for s in self.contract.steps]
            assert other.to_json() == self.contract.to_json()

    @rule(
        kind=st.sampled_from(["before_clock", "before_start", "lifecycle", "malformed"]),
        days=st.integers(min_value=1, max_value=400),
    )
    def rejected_input_changes_nothing(self, kind: str, days: int) -> None:
        """A refused event raises the engine's own error and leaves the contract as it was."""
        contract = self.contract
        saved = json.dumps(contract.to_json())
        clock = contract.state.date
        bad: dict[str, Any]
        expected: type[agi_terms.AgiTermsError]
        if kind == "before_clock" and clock > T0:
            day = max(T0, clock - dt.timedelta(days=days))
            bad = {"date": day.isoformat(), "type": "azure_purchase", "amount_usd": 1.0}
            expected = agi_terms.EventOrderError
        elif kind == "before_clock":
            bad, expected = {"date": "2025-13-01", "type": "agi_declared"}, agi_terms.InputError
        elif kind == "before_start":
            day = T0 - dt.timedelta(days=days)
            bad = {"date": day.isoformat(), "type": "agi_declared"}
            expected = agi_terms.EventOrderError
        elif kind == "lifecycle":
            agi = contract.state.agi
            trigger = "agi_declared" if agi.live else "panel_verified"
            bad, expected = {"date": clock.isoformat(), "type": trigger}, agi_terms.LifecycleError
        else:
            bad, expected = (
                {
                    "date": clock.isoformat(),
                    "type": "product_launch",
                    "kind": "api",
                    "cloud": "azure",
                    "colour": "blue",
                },
                agi_terms.InputError,
            )
        with pytest.raises(expected):
            contract.apply(bad)
        with pytest.raises(expected):
            contract.apply_all([bad])
        assert json.dumps(contract.to_json()) == saved
        assert contract.state.date == clock

    # ------------------------------------------------------------ invariants

    @invariant()
    def spec_section_8_holds(self) -> None:
        """Every invariant of SPEC §8, on the steps added since the last check."""
        contract = self.contract
        first = self.checked_steps
        before = contract.steps[first - 1].phase if first else "pre_agi"
        trigger = str(self.agreement.parameters["agi_trigger"])
        for index in range(first, len(contract.steps)):
            step, state = contract.steps[index], contract.history[index]
            self.phase_moves_along_the_machine(before, step)
            before = step.phase
            if step.type == "agi_declared":
                # A declaration alone changes no term but the cap (and, read as declared, the
                # exclusivities).
                assert {c.term for c in step.changes} <= DECLARATION_MAY_CHANGE[trigger], step
            self.nothing_ended_for_good_comes_back(step)
            for change in step.changes:
                self.replayed[change.term] = change.in_force
            verified = state.agi.verified_on is not None and state.agi.verified_on <= step.date
            params = self.agreement.parameters
            if self.replayed["ms_research_ip"]:
                assert step.date <= END_2030, step
                assert not verified or not params["research_ip_ends_at_verification"], step
            assert self.replayed["ms_model_product_ip"] == (step.date <= END_2032), step
            # Third-party API products are exclusive to Azure only while all API products are,
            # unless read as exclusive after AGI too (SPEC §4, N9).
            if params["third_party_api_exclusivity_ends_at_agi"]:
                assert (
                    not self.replayed["third_party_api_exclusivity"]
                    or self.replayed["azure_api_exclusivity"]
                ), step
            # The revenue share runs both ways for as long as it accrues (SPEC §4, N15).
            assert self.replayed["ms_revenue_share_to_openai"] == self.replayed["revenue_share"]
            self.decisions_hold(step, verified)
            following = contract.steps[index + 1 : index + 2]
            if not following or following[0].date != step.date:
                # The timeline's changes replayed from the start terms give the terms of the day.
                assert contract.terms(on=step.date).in_force() == self.replayed, step.date
        assert dict(contract.current_terms) == self.replayed
        self.post_2032_is_final()
        self.probe_decisions()
        self.checked_steps = len(contract.steps)
        note(f"{len(contract.steps)} steps, phase {contract.phase}")

    def phase_moves_along_the_machine(self, before: str, step: agi_terms.Step) -> None:
        if step.decision is not None:
            assert step.phase == before, step
        else:
            assert step.phase in MOVES.get((before, step.type), frozenset()), (before, step)

    def post_2032_is_final(self) -> None:
        phases = [s.phase for s in self.contract.steps]
        if FINAL in phases:
            assert set(phases[phases.index(FINAL) :]) == {FINAL}
            assert self.contract.phase == FINAL

    def nothing_ended_for_good_comes_back(self, step: agi_terms.Step) -> None:
        """No term that ended at verification or at a calendar gate comes back.

        Except the one way SPEC §4 (Dec 2026) allows: third-party API products are exclusive while
        the Azure API exclusivity is, so when that comes back (a rejection under agi_trigger:
        declared, without a backstop) after the third-party exclusivity's own end in 2032, both do.
        """
        back = {c.term for c in step.changes if c.in_force}
        for change in step.changes:
            if change.term == "third_party_api_exclusivity" and "azure_api_exclusivity" in back:
                continue
            assert not (change.in_force and change.term in self.ended_for_good), (step, change)
        if step.type in ("panel_verified", "calendar"):
            self.ended_for_good.update(c.term for c in step.changes if not c.in_force)

    def decisions_hold(self, step: agi_terms.Step, verified: bool) -> None:
        """Recorded decisions: no consumer-hardware use; by default no commercial API off Azure."""
        event = step.event
        if isinstance(event, agi_terms.MsIpUse) and event.asset == "consumer_hardware":
            assert step.decision is not None
            assert not step.decision.allowed, step
        if (
            not self.overrides
            and isinstance(event, agi_terms.ProductLaunch)
            and event.kind == "api"
            and event.cloud != "azure"
            and event.customer == "commercial"
            and not verified
            and step.date <= END_2032
        ):
            assert step.decision is not None
            assert not step.decision.allowed, step

    def probe_decisions(self) -> None:
        """The same two rules, asked of the contract on its clock without recording anything."""
        clock = self.contract.state.date
        use = self.contract.decide(
            {"date": clock.isoformat(), "type": "ms_ip_use", "asset": "consumer_hardware"}
        )
        assert not use.allowed
        if not self.overrides:
            agi = self.contract.state.agi
            launch = self.contract.decide(
                agi_terms.ProductLaunch(date=clock, kind="api", cloud="aws")
            )
            if agi.verified_on is None and clock <= END_2032:
                assert not launch.allowed, clock

    @precondition(lambda self: self.contract.state.date < HORIZON)
    @rule()
    def checkpoint_after_the_clock(self) -> None:
        """A terms report past the clock equals the replay once the gates up to it are recorded."""
        day = min(HORIZON, self.contract.state.date + dt.timedelta(days=800))
        ahead = self.contract.advance_to(day)
        assert ahead.terms(on=day).in_force() == replay(ahead.start_terms, ahead.steps, day)
        assert self.contract.terms(on=day) == ahead.terms(on=day)


_agreements = AgreementCache()


@pytest.mark.parametrize("backend", BACKENDS)
@given(
    before=event_sequences(max_size=10),
    after=event_sequences("2026-04", max_size=15),
    checkpoints=st.lists(st.dates(min_value=T0, max_value=HORIZON), max_size=4),
)
def test_microsoft_pays_no_revenue_share_under_2026_04(
    agreements: AgreementCache,
    backend: str,
    before: list[agi_terms.Event],
    after: list[agi_terms.Event],
    checkpoints: list[dt.date],
) -> None:
    """SPEC §8 for the April 2026 amendment: ms_revenue_share_to_openai is never in force under
    2026-04, whether a contract starts there or comes to it by amendment (S17)."""
    amended_on = max([dt.date(2026, 4, 27), *(e.date for e in before)])
    # Coming by amendment, the contract keeps its AGI history; the actions drawn for 2026-04 follow.
    actions = [e for e in after if e.date >= amended_on and e.type in ACTION_TYPES]
    amended = [*before, agi_terms.Amendment(date=amended_on, to="2026-04"), *actions]
    stories = [
        agreements.get({}, backend, version="2026-04").start().apply_all(after),
        agreements.get({}, backend).start().apply_all(amended),
    ]
    for contract in stories:
        for step, state in zip(contract.steps, contract.history, strict=True):
            if state.version == "2026-04":
                assert ("ms_revenue_share_to_openai", True) not in {
                    (c.term, c.in_force) for c in step.changes
                }, step
                terms = contract.terms(on=step.date)
                assert terms.in_force()["ms_revenue_share_to_openai"] is False, step
        for day in checkpoints:
            if day < contract.start_date:
                continue
            report = contract.terms(on=day)
            if report.version == "2026-04":
                assert report.in_force()["ms_revenue_share_to_openai"] is False, day


@pytest.fixture(scope="module", autouse=True)
def _close_shared_agreements() -> Iterator[None]:
    yield
    _agreements.close()


class DurableInvariantMachine(InvariantMachine):
    backend: ClassVar[str | None] = "durable"


TestInvariantsPython = InvariantMachine.TestCase
TestInvariantsDurable = DurableInvariantMachine.TestCase


# ---------------------------------------------------------------- simulate's JSON output


@pytest.mark.parametrize("backend", BACKENDS)
@given(data=scenarios())
def test_simulate_json_matches_the_schema_and_the_replayed_changes(
    agreements: AgreementCache, backend: str, data: dict[str, Any]
) -> None:
    scenario = scenario_from_data(json.loads(json.dumps(data)))
    agreement = agreements.get(scenario.parameters, backend)
    result = agi_terms.simulate(scenario, agreement=agreement)
    output = json.loads(json.dumps(result.to_json()))
    jsonschema.validate(output, SCHEMA)
    assert [c["date"] for c in output["checkpoints"]] == data.get("checkpoints", [])
    start = agreement.start().terms().in_force()
    for checkpoint in output["checkpoints"]:
        terms = dict(start)
        for step in output["steps"]:
            if step["date"] <= checkpoint["date"]:
                terms.update({c["term"]: c["in_force"] for c in step["changes"]})
        assert checkpoint["terms"] == terms, checkpoint["date"]


@given(sequence=event_sequences(max_size=20), split=st.integers(min_value=0))
def test_a_snapshot_loads_into_an_equal_contract(
    sequence: list[agi_terms.Event], split: int
) -> None:
    """``agi_terms.load_contract`` of ``to_json`` (through JSON text) continues like the original."""
    agreement = _agreements.get({}, "python")
    cut = split % (len(sequence) + 1)
    original = agreement.start().apply_all(sequence)
    snapshot = json.loads(json.dumps(agreement.start().apply_all(sequence[:cut]).to_json()))
    resumed = agi_terms.load_contract(snapshot, backend="python").apply_all(sequence[cut:])
    assert resumed == original
    assert [s.to_json() for s in resumed.steps] == [s.to_json() for s in original.steps]
