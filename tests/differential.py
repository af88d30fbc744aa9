"""The differential check: one engine agreement against tests/oracle.py on a sequence of events.

Shared by the property tests (tests/test_oracle.py) and the rule mutation run
(simulations/mutate_rules.py). ``compare`` raises ``AssertionError`` at the first disagreement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import agi_terms
from agi_terms.events import ACTION_TYPES, event_to_json
from agi_terms.testing import HORIZON, events
from oracle import PHASES, T0, TERMS, Oracle, parameters_json

EDGE_DAYS = [
    T0,
    dt.date(2030, 12, 31),
    dt.date(2031, 1, 1),
    dt.date(2032, 12, 31),
    dt.date(2033, 1, 1),
    HORIZON,
]
ACTIONS = events().filter(lambda e: e.type in ACTION_TYPES)


def step_json(step: agi_terms.Step) -> dict[str, Any]:
    """A step's JSON as the oracle gives it: changes as a set, decisions without ``because``."""
    data = step.to_json()
    data["changes"] = {(c["term"], c["in_force"]) for c in data["changes"]}
    if data["decision"] is not None:
        data["decision"] = {k: data["decision"][k] for k in ("allowed", "obligations")}
    return data


def cited_clauses(decision: agi_terms.Decision) -> set[str]:
    """The term-sheet clauses (N-keys) and public sources (S-keys) a decision cites; open
    questions (Q) and others aside."""
    parts = {part.strip() for c in decision.because for part in c.source.split(",")}
    return {p for p in parts if p.startswith(("N", "S"))}


def assert_decision(decision: agi_terms.Decision, expected: dict[str, Any], what: object) -> None:
    assert decision.allowed == expected["allowed"], what
    assert list(decision.obligations) == expected["obligations"], what
    assert decision.because, f"{what}: a decision without a citation"
    assert cited_clauses(decision) == expected["clauses"], (what, decision.because)


def compare(
    agreement: agi_terms.Agreement,
    overrides: dict[str, object],
    sequence: list[agi_terms.Event],
    probes: list[dt.date],
    actions: list[agi_terms.Event],
) -> None:
    """The engine and the oracle agree on the timeline, on every probe date and every decision."""
    assert agreement.start_date == T0
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
        if event.type in ACTION_TYPES:
            # The recorded decision must cite what SPEC's decision rests on, too.
            index = oracle.log.index((event.date, logged))
            step = next(s for s in contract.steps if s.event is event)
            assert step.decision is not None
            assert_decision(step.decision, oracle.decide(logged, before=index), event)


# Worked decisions whose citations are pinned to rule ids: the clauses alone cannot tell a decision
# that cites a rule which does not apply to it (the rule for training without OpenAI IP, say), and
# random cases rarely reach the readings that need two parameters and a story at once.
_VERIFIED_2029 = (
    {"date": "2029-03-01", "type": "agi_declared"},
    {"date": "2029-09-01", "type": "panel_verified"},
)
_LITERAL_N9: dict[str, object] = {"third_party_api_exclusivity_ends_at_agi": False}
_STATEFUL_API: dict[str, object] = {"stateful_runtime_is_api": True}
_LOW = {"bio_chem": "low", "cyber": "low", "self_improvement": "low"}
Pinned = tuple[dict[str, object], tuple[dict[str, Any], ...], dict[str, Any], bool, set[str]]
PINNED: tuple[Pinned, ...] = (
    ({}, (),
     {"date": "2026-06-01", "type": "ms_agi_training", "uses_openai_ip": True, "training_flop": 1e26},
     True, {"agi_training_with_openai_ip_under_licence", "agi_training_within_compute_threshold"}),
    ({}, (),
     {"date": "2026-06-01", "type": "ms_agi_training", "uses_openai_ip": False, "training_flop": 1e29},
     True, {"agi_training_without_openai_ip"}),
    ({}, (),
     {"date": "2026-06-01", "type": "product_launch", "kind": "non_api", "cloud": "aws"},
     True, {"non_api_launch_any_cloud"}),
    ({}, (),
     {"date": "2034-01-01", "type": "ms_ip_use", "asset": "model"},
     False, {"model_product_use_without_licence"}),
    ({}, (),
     {"date": "2026-06-01", "type": "open_weights_release", "capability": _LOW},
     True, {"open_weights_within_capability_criteria"}),
    ({}, (),
     {"date": "2026-06-01", "type": "product_launch", "kind": "stateful_runtime", "cloud": "aws"},
     True, {"non_api_launch_any_cloud", "stateful_runtime_not_an_api_product"}),
    (_STATEFUL_API, (),
     {"date": "2026-06-01", "type": "product_launch", "kind": "stateful_runtime", "cloud": "azure"},
     True, {"api_launch_on_azure", "stateful_runtime_as_an_api_product"}),
    (_LITERAL_N9, _VERIFIED_2029,
     {"date": "2030-02-01", "type": "product_launch", "kind": "api", "cloud": "aws",
      "partner": "Amazon"},
     False, {"third_party_api_launch_off_azure_denied", "third_party_partner_cited"}),
    (_LITERAL_N9, _VERIFIED_2029,
     {"date": "2030-02-01", "type": "product_launch", "kind": "api", "cloud": "aws"},
     True, {"api_launch_after_exclusivity"}),
    ({"research_ip_ends_at_verification": False}, _VERIFIED_2029,
     {"date": "2030-02-01", "type": "ms_ip_use", "asset": "research"},
     True, {"research_use_under_research_ip"}),  # guardrails go with models and products (N5)
    ({**_LITERAL_N9, **_STATEFUL_API}, _VERIFIED_2029,
     {"date": "2030-02-01", "type": "product_launch", "kind": "stateful_runtime", "cloud": "gcp",
      "partner": "Amazon"},
     False, {"third_party_api_launch_off_azure_denied", "stateful_runtime_as_an_api_product",
             "third_party_partner_cited"}),
)  # fmt: skip


def check_pinned(agreement_for: Callable[[dict[str, object]], agi_terms.Agreement]) -> None:
    """The pinned decisions, each on an agreement with its overrides after its story."""
    for overrides, story, action, allowed, rules in PINNED:
        contract = agreement_for(overrides).start().apply_all(story)
        decision = contract.decide(action)
        assert decision.allowed == allowed, action
        assert {c.rule for c in decision.because} == rules, (action, decision.because)
        expected = Oracle(overrides).apply_all(story).decide(action)
        assert_decision(decision, expected, action)


# AGI histories under 2026-04 (where AGI events change no term) before the contract comes back to
# 2025-10 by amendment: SPEC §9 places it in the phase that history gives under 2025-10.
HISTORIES: tuple[tuple[dict[str, Any], ...], ...] = (
    (),
    ({"date": "2027-01-01", "type": "agi_declared"},),
    ({"date": "2027-01-01", "type": "agi_declared"}, {"date": "2027-03-01", "type": "panel_verified"}),
    ({"date": "2027-01-01", "type": "agi_declared"}, {"date": "2027-03-01", "type": "panel_rejected"}),
)  # fmt: skip
RETURN_DAYS = ("2027-06-01", "2030-12-31", "2031-01-01", "2032-12-31", "2033-01-01", "2034-06-01")


def check_placement(agreement: agi_terms.Agreement, overrides: dict[str, object]) -> None:
    """Away to 2026-04 and back: the phase and terms on return are the oracle's for that history."""
    for history in HISTORIES:
        for back in RETURN_DAYS:
            contract = agreement.start().apply_all(
                [
                    {"date": "2026-05-01", "type": "amendment", "to": "2026-04"},
                    *history,
                    {"date": back, "type": "amendment", "to": "2025-10"},
                ]
            )
            oracle = Oracle(overrides)
            oracle.log = [(dt.date.fromisoformat(e["date"]), dict(e)) for e in history]
            assert contract.phase == oracle.phase(back), (history, back)
            assert contract.terms().in_force() == oracle.terms(back), (history, back)
