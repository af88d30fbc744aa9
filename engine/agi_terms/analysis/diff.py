"""Comparing two agreement versions: terms and decisions in the same situations, and the same story.

``diff_versions(a, b)`` evaluates both versions in a fixed set of situations (before AGI, with a
declaration pending, after a verification, in 2031-2032, after 2032) and lists every term and every
representative action whose answer differs. ``diff_scenario(scenario, a, b)`` replays one scenario's
events under both versions and lists the dates where the terms or decisions differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agi_terms.errors import AgiTermsError
from agi_terms.evaluation.agreement import Agreement, load_agreement
from agi_terms.evaluation.contract import Contract
from agi_terms.evaluation.results import Decision
from agi_terms.events import AGI_TYPES


@dataclass(frozen=True)
class Situation:
    """A story (AGI events) and a date on which both versions are asked."""

    id: str
    label: str
    on: dt.date
    events: tuple[tuple[str, dt.date], ...] = ()


SITUATIONS: tuple[Situation, ...] = (
    Situation("before_agi", "before AGI, mid 2026", dt.date(2026, 6, 1)),
    Situation("declared", "AGI declared, panel pending, 2027", dt.date(2027, 3, 1),
              (("agi_declared", dt.date(2027, 1, 4)),)),
    Situation("verified", "AGI verified, 2028", dt.date(2028, 7, 3),
              (("agi_declared", dt.date(2028, 1, 3)), ("panel_verified", dt.date(2028, 6, 1)))),
    Situation("late_no_agi", "no AGI, 2031", dt.date(2031, 6, 2)),
    Situation("late_after_agi", "AGI verified 2028, seen 2031", dt.date(2031, 6, 2),
              (("agi_declared", dt.date(2028, 1, 3)), ("panel_verified", dt.date(2028, 6, 1)))),
    Situation("after_term", "no AGI, 2033", dt.date(2033, 6, 1)),
)  # fmt: skip
"""The situations of a version diff, each reached by the events a version accepts."""

ACTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("API launch on AWS", {"type": "product_launch", "kind": "api", "cloud": "aws"}),
    ("API launch on AWS with a partner",
     {"type": "product_launch", "kind": "api", "cloud": "aws", "partner": "Amazon"}),
    ("API for a national-security customer on GCP",
     {"type": "product_launch", "kind": "api", "cloud": "gcp", "customer": "us_national_security"}),
    ("non-API product on AWS", {"type": "product_launch", "kind": "non_api", "cloud": "aws"}),
    ("stateful runtime on AWS with a partner", {"type": "product_launch",
     "kind": "stateful_runtime", "cloud": "aws", "partner": "Amazon"}),
    ("open weights, every level low", {"type": "open_weights_release",
     "capability": {"bio_chem": "low", "cyber": "low", "self_improvement": "low"}}),
    ("open weights, cyber high", {"type": "open_weights_release",
     "capability": {"bio_chem": "low", "cyber": "high", "self_improvement": "low"}}),
    ("Microsoft uses a new model", {"type": "ms_ip_use", "asset": "model"}),
    ("Microsoft uses research IP", {"type": "ms_ip_use", "asset": "research",
                                    "created_on": "2025-10-28"}),
    ("Microsoft uses consumer hardware", {"type": "ms_ip_use", "asset": "consumer_hardware",
                                          "created_on": "2025-10-28"}),
    ("Microsoft trains with OpenAI IP, 6e27 FLOP",
     {"type": "ms_agi_training", "uses_openai_ip": True, "training_flop": 6e27}),
    ("Microsoft trains without OpenAI IP",
     {"type": "ms_agi_training", "uses_openai_ip": False, "training_flop": 6e27}),
    ("compute from Oracle, no first refusal offered",
     {"type": "compute_contract", "provider": "Oracle"}),
    ("Azure purchase", {"type": "azure_purchase", "amount_usd": 1e9}),
)  # fmt: skip
"""Representative actions decided in every situation."""


def _contract(agreement: Agreement, situation: Situation) -> tuple[Contract, list[str]]:
    """The contract after the situation's events that the version accepts, and what it refused."""
    contract = agreement.start()
    refused = []
    for kind, day in situation.events:
        try:
            contract = contract.apply({"date": day, "type": kind})
        except AgiTermsError as exc:
            refused.append(f"{kind}: {exc.message}")
    return contract, refused


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "allowed": decision.allowed,
        "obligations": list(decision.obligations),
        "because": [c.rule for c in decision.because],
    }


def _same(a: Decision, b: Decision) -> bool:
    return (a.allowed, a.obligations) == (b.allowed, b.obligations)


def diff_versions(
    a: str, b: str, parameters: Mapping[str, object] | None = None, backend: str | None = None
) -> dict[str, Any]:
    """How versions ``a`` and ``b`` differ, situation by situation (JSON-ready)."""
    params = dict(parameters or {})
    with _load(a, params, backend) as one, _load(b, params, backend) as two:
        terms_a, terms_b = one.rulebook.term_ids, two.rulebook.term_ids
        all_terms = [*terms_a, *(t for t in terms_b if t not in terms_a)]
        situations, term_rows, action_rows = [], [], []
        for situation in SITUATIONS:
            contract_a, refused_a = _contract(one, situation)
            contract_b, refused_b = _contract(two, situation)
            report_a = contract_a.terms(on=situation.on)
            report_b = contract_b.terms(on=situation.on)
            situations.append({
                "id": situation.id, "label": situation.label, "date": situation.on.isoformat(),
                "phase": {"a": report_a.phase, "b": report_b.phase},
                "refused": {"a": refused_a, "b": refused_b},
            })  # fmt: skip
            in_a, in_b = report_a.in_force(), report_b.in_force()
            for term in all_terms:
                va, vb = in_a.get(term, False), in_b.get(term, False)
                if va != vb:
                    term_rows.append({"term": term, "situation": situation.id, "a": va, "b": vb})
            for label, action in ACTIONS:
                event = {"date": situation.on.isoformat(), **action}
                da, db = contract_a.decide(event), contract_b.decide(event)
                if not _same(da, db):
                    action_rows.append({
                        "action": label, "type": action["type"], "situation": situation.id,
                        "a": _decision_json(da), "b": _decision_json(db),
                    })  # fmt: skip
        return {
            "a": one.version,
            "b": two.version,
            "situations": situations,
            "only_in_a": [t for t in terms_a if t not in terms_b],
            "only_in_b": [t for t in terms_b if t not in terms_a],
            "terms": term_rows,
            "actions": action_rows,
            "phases": {
                "a": list(one.rulebook.lifecycle.phase_ids),
                "b": list(two.rulebook.lifecycle.phase_ids),
            },
        }


def _load(version: str, params: Mapping[str, object], backend: str | None) -> Agreement:
    from agi_terms.rulebook import load_rulebook

    own = load_rulebook(version).parameter_by_name
    return load_agreement(version, {k: v for k, v in params.items() if k in own}, backend)


AMENDMENT_SKIPPED = (
    "an amendment switches versions; the story is replayed under each version as it stands"
)
"""Why a scenario diff does not apply an amendment (the row's ``reason``)."""


def diff_scenario(
    events: Sequence[Mapping[str, Any]],
    checkpoints: Sequence[dt.date],
    a: str,
    b: str,
    parameters: Mapping[str, object] | None = None,
    backend: str | None = None,
) -> dict[str, Any]:
    """One story under versions ``a`` and ``b``: each event's outcome side by side, and the dates
    (events, gates and checkpoints) on which the terms in force differ.

    An event a version refuses (one dated before it takes effect, a panel event a version without
    a panel has no place for) is ``{"refused": message}`` on that side and changes nothing there;
    an amendment is skipped (``reason`` says why); dates before both versions are in effect are not
    compared.
    """
    params = dict(parameters or {})
    with _load(a, params, backend) as one, _load(b, params, backend) as two:
        contracts = {"a": one.start(), "b": two.start()}
        rows = []
        for index, event in enumerate(events):
            if event.get("type") == "amendment":
                rows.append({"index": index, "date": str(event.get("date")), "type": "amendment",
                             "a": "skipped", "b": "skipped", "reason": AMENDMENT_SKIPPED})  # fmt: skip
                continue
            row: dict[str, Any] = {
                "index": index,
                "date": str(event.get("date")),
                "type": event.get("type"),
            }
            for side in ("a", "b"):
                row[side] = _outcome(contracts, side, event)
            rows.append(row)
        last = max([*(c.state.date for c in contracts.values()), *checkpoints])
        for side in ("a", "b"):
            contracts[side] = contracts[side].advance_to(last)
        # Before a version takes effect it has no terms to compare.
        first = max(c.start_date for c in contracts.values())
        dates = sorted(
            day
            for day in {*(s.date for c in contracts.values() for s in c.steps), *checkpoints}
            if day >= first
        )
        differences = []
        for day in dates:
            ta, tb = contracts["a"].terms(on=day), contracts["b"].terms(on=day)
            fa, fb = ta.in_force(), tb.in_force()
            differing = sorted(t for t in {*fa, *fb} if fa.get(t, False) != fb.get(t, False))
            if differing or ta.phase != tb.phase:
                differences.append({
                    "date": day.isoformat(), "phase": {"a": ta.phase, "b": tb.phase},
                    "terms": [{"term": t, "a": fa.get(t, False), "b": fb.get(t, False)} for t in differing],
                })  # fmt: skip
        return {"a": one.version, "b": two.version, "events": rows, "differences": differences}


def _outcome(contracts: dict[str, Contract], side: str, event: Mapping[str, Any]) -> Any:
    contract = contracts[side]
    try:
        after = contract.apply(event)
    except AgiTermsError as exc:
        return {"refused": exc.message}
    contracts[side] = after
    step = after.steps[-1]
    if event.get("type") in AGI_TYPES:
        return {"phase": step.phase, "changes": [c.to_json() for c in step.changes]}
    assert step.decision is not None
    return {"phase": step.phase, **_decision_json(step.decision)}
