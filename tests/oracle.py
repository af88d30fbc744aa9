"""An independent reading of SPEC §3-§6 for agreement 2025-10 in plain Python (differential tests).

It shares no code with the engine: it reads events as JSON data (``event_to_json``'s shape) and
answers from the tables of SPEC §4 (terms), §5 and §5.1 (parameters) and §6 (decisions) directly. Steps come
out in SPEC §7's JSON shape, with ``changes`` as a set of (term, in_force) pairs and ``decision``
without ``because`` (rule ids are the rule files' business; ``decide`` gives the term-sheet clauses
a decision must cite instead).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

T0 = dt.date(2025, 10, 28)
END_2030 = dt.date(2030, 12, 31)
END_2032 = dt.date(2032, 12, 31)
TERM_ENDS = dt.date(2033, 1, 1)

TERMS = (
    "ms_model_product_ip",
    "ms_frontier_model_partner",
    "ms_ip_exclusivity",
    "post_agi_models_covered",
    "ms_research_ip",
    "azure_api_exclusivity",
    "third_party_api_exclusivity",
    "revenue_share",
    "ms_revenue_share_to_openai",
    "ms_compute_cap",
    "ms_independent_agi",
    "ms_compute_rofr",
    "openai_third_party_products",
    "openai_non_api_any_cloud",
    "openai_natsec_any_cloud",
    "openai_open_weights",
    "consumer_hardware_carveout",
    "azure_commitment",
)
PHASES = ("pre_agi", "panel_review", "post_agi", "post_2032")
LEVELS = ("low", "medium", "high", "critical")
DEFAULTS: Mapping[str, object] = {
    "agi_trigger": "verified",
    "api_exclusivity_backstop": "2032-12-31",
    "revenue_share_backstop": "2032-12-31",
    "compute_cap_lifts_on": "declared_not_rejected",
    "compute_threshold_flop": 5e27,
    "open_weights_max_level": "medium",
    "open_weights_criteria_until": None,
    "stateful_runtime_is_api": False,
    "third_party_api_exclusivity_ends_at_agi": True,
    "research_ip_ends_at_verification": True,
    "azure_commitment_usd": 250e9,
}
DATES = ("api_exclusivity_backstop", "revenue_share_backstop", "open_weights_criteria_until")


def _day(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _on_or_before(day: dt.date, last: dt.date | None) -> bool:
    """``day`` is on or before the backstop ``last``; no backstop (null) never ends anything."""
    return last is None or day <= last


def parameters_json(overrides: Mapping[str, object]) -> dict[str, object]:
    """Every parameter value (SPEC §5 defaults, then ``overrides``) as ``simulate`` prints it."""
    values = {**DEFAULTS, **overrides}
    out: dict[str, object] = {}
    for name, value in values.items():
        if name in DATES:
            out[name] = None if value is None else _day(value).isoformat()
        elif name in ("compute_threshold_flop", "azure_commitment_usd"):
            out[name] = float(value)  # type: ignore[arg-type]
        else:
            out[name] = value
    return out


@dataclass(frozen=True)
class Params:
    agi_trigger: str
    api_backstop: dt.date | None
    revenue_backstop: dt.date | None
    cap_lifts_on: str
    threshold_flop: float
    max_level: int
    criteria_until: dt.date | None
    stateful_is_api: bool
    third_party_ends_at_agi: bool
    research_ends_at_verification: bool
    commitment_usd: float

    @classmethod
    def of(cls, overrides: Mapping[str, object]) -> Params:
        v = {**DEFAULTS, **overrides}
        api, rev = v["api_exclusivity_backstop"], v["revenue_share_backstop"]
        until = v["open_weights_criteria_until"]
        return cls(
            agi_trigger=str(v["agi_trigger"]),
            api_backstop=None if api is None else _day(api),
            revenue_backstop=None if rev is None else _day(rev),
            cap_lifts_on=str(v["compute_cap_lifts_on"]),
            threshold_flop=float(v["compute_threshold_flop"]),  # type: ignore[arg-type]
            max_level=LEVELS.index(str(v["open_weights_max_level"])),
            criteria_until=None if until is None else _day(until),
            stateful_is_api=bool(v["stateful_runtime_is_api"]),
            third_party_ends_at_agi=bool(v["third_party_api_exclusivity_ends_at_agi"]),
            research_ends_at_verification=bool(v["research_ip_ends_at_verification"]),
            commitment_usd=float(v["azure_commitment_usd"]),  # type: ignore[arg-type]
        )

    def gates(self) -> list[dt.date]:
        """SPEC §3: 2031-01-01, 2033-01-01 and the day after each backstop, after the start."""
        days = {END_2030 + dt.timedelta(days=1), TERM_ENDS}
        for backstop in (self.api_backstop, self.revenue_backstop):
            if backstop is not None:
                days.add(backstop + dt.timedelta(days=1))
        return sorted(d for d in days if d > T0)


@dataclass(frozen=True)
class Agi:
    """The AGI facts on a date (SPEC §4's "verified", "declaration live")."""

    pending: bool = False
    verified_on: dt.date | None = None
    declared_ever: bool = False

    @property
    def live(self) -> bool:
        return self.pending or self.verified_on is not None


class OracleError(Exception):
    """An event SPEC §6 refuses (the engine must refuse it too)."""


@dataclass
class Oracle:
    """A contract of 2025-10 as SPEC describes it."""

    overrides: Mapping[str, object] = field(default_factory=dict)
    log: list[tuple[dt.date, dict[str, Any]]] = field(default_factory=list)
    clock: dt.date = T0
    steps: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.params = Params.of(self.overrides)
        self.current = self.terms(T0)

    # ------------------------------------------------------------ state on a date

    def _history(self, day: dt.date, before: int | None = None) -> tuple[Agi, float]:
        """AGI facts and Azure purchases after the events dated on or before ``day``
        (only the first ``before`` events when given)."""
        agi = Agi()
        purchased = 0.0
        for when, event in self.log[:before]:
            if when > day:
                break
            kind = event["type"]
            if kind == "agi_declared":
                agi = Agi(pending=True, declared_ever=True)
            elif kind == "panel_verified":
                agi = Agi(verified_on=when, declared_ever=True)
            elif kind == "panel_rejected":
                agi = Agi(declared_ever=True)
            elif kind == "azure_purchase":
                purchased += float(event["amount_usd"])
        return agi, purchased

    def _terms(self, day: dt.date, agi: Agi, purchased: float) -> dict[str, bool]:
        p = self.params
        verified = agi.verified_on is not None and agi.verified_on <= day
        reached = verified if p.agi_trigger == "verified" else agi.live
        licence = T0 <= day <= END_2032
        cap_lifted = {
            "declared_not_rejected": agi.live,
            "declared": agi.declared_ever,
            "verified": verified,
            "never": False,
        }[p.cap_lifts_on]
        api_exclusive = not reached and _on_or_before(day, p.api_backstop)
        # Third-party API products: with the API exclusivity, or (read without "until AGI") on or
        # before its backstop, through 2032 without one (SPEC §4, N9).
        last = p.api_backstop or END_2032
        third_party_after_agi = not p.third_party_ends_at_agi and day <= last
        revenue_share = not verified and _on_or_before(day, p.revenue_backstop)
        research_ended = verified and p.research_ends_at_verification
        return {
            "ms_model_product_ip": licence,
            "ms_frontier_model_partner": licence,
            "ms_ip_exclusivity": licence and not reached,
            "post_agi_models_covered": licence,
            "ms_research_ip": day <= END_2030 and not research_ended,
            "azure_api_exclusivity": api_exclusive,
            "third_party_api_exclusivity": api_exclusive or third_party_after_agi,
            "revenue_share": revenue_share,
            "ms_revenue_share_to_openai": revenue_share,
            "ms_compute_cap": licence and not cap_lifted,
            "ms_independent_agi": True,
            "ms_compute_rofr": False,
            "openai_third_party_products": True,
            "openai_non_api_any_cloud": True,
            "openai_natsec_any_cloud": True,
            "openai_open_weights": True,
            "consumer_hardware_carveout": True,
            "azure_commitment": purchased < p.commitment_usd,
        }

    @staticmethod
    def _phase(day: dt.date, agi: Agi) -> str:
        if day >= TERM_ENDS:
            return "post_2032"
        if agi.pending:
            return "panel_review"
        return "post_agi" if agi.verified_on is not None else "pre_agi"

    def terms(self, day: dt.date | str) -> dict[str, bool]:
        """Every term on ``day`` given the events recorded so far dated on or before it."""
        when = _day(day)
        return self._terms(when, *self._history(when))

    def phase(self, day: dt.date | str) -> str:
        when = _day(day)
        return self._phase(when, self._history(when)[0])

    def decide(self, action: Mapping[str, Any], before: int | None = None) -> dict[str, Any]:
        """SPEC §6's decision: ``{"allowed", "obligations", "clauses"}``.

        ``clauses`` are the term-sheet clauses and public sources (N- and S-keys) the decision
        rests on, which its
        ``because`` must cite, no more and no fewer: a decision names the clauses behind it.
        """
        day = _day(action["date"])
        agi, purchased = self._history(day, before)
        terms = self._terms(day, agi, purchased)
        p = self.params
        kind = action["type"]
        allowed, obligations, clauses = True, [], set()
        if kind == "product_launch":
            exclusive = terms["azure_api_exclusivity"]
            partner = action.get("partner") is not None
            third_party = partner and terms["third_party_api_exclusivity"]
            stateful = action["kind"] == "stateful_runtime"
            # A stateful runtime is an API product only under stateful_runtime_is_api (S16, S25).
            api = action["kind"] == "api" or (stateful and p.stateful_is_api)
            azure = action["cloud"] == "azure"
            natsec = action.get("customer", "commercial") == "us_national_security"
            if api and not azure and not natsec and (exclusive or third_party):
                # Denied by the Azure API exclusivity, which reaches third-party API products (N9),
                # or by the third-party products' own exclusivity after AGI.
                allowed, clauses = False, ({"N8", "N9"} if exclusive else {"N9"})
            elif api:
                clauses = {"N8"} if azure or not (exclusive or third_party) else set()
                clauses |= {"N11"} if natsec else set()
            else:
                clauses = {"N7"} if action["kind"] == "consumer_hardware" else {"N10"}
            if stateful:
                # The stateless-API reading is cited either way, Microsoft's 2026 one when taken.
                clauses |= {"S16", "S25"} if p.stateful_is_api else {"S16"}
            if partner:
                clauses.add("N9")  # co-development with a third party is allowed, and cited
        elif kind == "open_weights_release":
            cap = action["capability"]
            categories = ("bio_chem", "cyber", "self_improvement")
            within = all(LEVELS.index(cap[c]) <= p.max_level for c in categories)
            after = p.criteria_until is not None and day > p.criteria_until
            allowed = within or after
            clauses = {"N12"}
        elif kind == "ms_ip_use":
            asset = action["asset"]
            created = _day(action.get("created_on") or action["date"])
            if asset in ("model", "product"):
                allowed, clauses = terms["ms_model_product_ip"], {"N4"}
                post_agi = agi.verified_on is not None and created >= agi.verified_on
                if allowed and post_agi:
                    obligations.append("post_agi_safety_guardrails")
                    clauses.add("N5")
            elif asset == "research":
                allowed, clauses = terms["ms_research_ip"], {"N6"}
            else:
                allowed, clauses = False, {"N7"}
        elif kind == "ms_agi_training":
            cap = terms["ms_compute_cap"]
            if not action["uses_openai_ip"]:
                clauses = {"N13"}
            elif not terms["ms_model_product_ip"]:
                allowed, clauses = False, {"N4"}  # no licence to use OpenAI IP
            elif cap and float(action["training_flop"]) > p.threshold_flop:
                allowed, clauses = False, {"N14"}
            else:
                # Allowed under the licence, within the cap or with the cap lifted: either way the
                # compute-cap clause (N14) is part of what decides it.
                clauses = {"N13", "N4", "N14"}
                if cap:
                    obligations.append("stay_within_compute_threshold")
        elif kind == "compute_contract":
            clauses = {"N17"}
        elif kind == "azure_purchase":
            clauses = {"N16"}
        elif kind == "revenue_share_payment":
            clauses = {"N15"}  # recorded, whoever pays; no total counts under 2025-10
        else:
            raise OracleError(f"{kind} is not an action")
        return {"allowed": allowed, "obligations": obligations, "clauses": clauses}

    # ------------------------------------------------------------ the timeline

    def _record(self, day: dt.date, kind: str, decision: dict[str, Any] | None) -> None:
        new = self.terms(day)
        changes = {(t, v) for t, v in new.items() if self.current[t] != v}
        self.steps.append(
            {
                "date": day.isoformat(),
                "type": kind,
                "phase": self.phase(day),
                "decision": decision,
                "changes": changes,
            }
        )
        self.current = new

    def advance_to(self, day: dt.date | str) -> None:
        """Record the calendar gates in (clock, day] and move the clock."""
        when = _day(day)
        if when < self.clock:
            raise OracleError("before the clock")
        for gate in self.params.gates():
            if self.clock < gate <= when:
                self.clock = gate
                self._record(gate, "calendar", None)
        self.clock = when

    def apply(self, event: Mapping[str, Any]) -> None:
        """Record ``event`` (its gates first); ``OracleError`` for what SPEC refuses."""
        day = _day(event["date"])
        if day < T0 or day < self.clock:
            raise OracleError("out of order")
        agi = self._history(day)[0]
        kind = event["type"]
        if kind == "agi_declared" and agi.live:
            raise OracleError("a declaration is pending or verified")
        if kind in ("panel_verified", "panel_rejected") and not agi.pending:
            raise OracleError("no declaration is pending")
        if kind == "amendment":
            raise OracleError("amendments are another version's business")
        self.advance_to(day)
        decision = None
        if kind not in ("agi_declared", "panel_verified", "panel_rejected"):
            found = self.decide(event)
            decision = {"allowed": found["allowed"], "obligations": found["obligations"]}
        self.log.append((day, dict(event)))
        self._record(day, kind, decision)

    def apply_all(self, events: Iterable[Mapping[str, Any]]) -> Oracle:
        for event in events:
            self.apply(event)
        return self
