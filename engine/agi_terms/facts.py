"""Facts: what the rules see. The names, their types, and how a contract's state and an action become a row.

A fact row maps fact names to *rule values*: dates as ordinal day numbers, Preparedness levels as
integers, enums as strings, booleans and numbers as themselves. Both scalar backends and the
vectorised one read the same rows (or columns of them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from agi_terms.events import (
    ComputeContract,
    Event,
    Level,
    MsAgiTraining,
    MsIpUse,
    OpenWeightsRelease,
    ProductLaunch,
    RevenueSharePayment,
)
from agi_terms.reprs import short_repr

FactType = Literal["date", "bool", "number", "level", "choice"]
RuleValue = int | float | str | bool
FactRow = dict[str, RuleValue]


@dataclass(frozen=True)
class FactSpec:
    """One fact the rules may test: its type, the values a ``choice`` takes, and what it means.

    A ``number`` fact is at least ``minimum`` (greater than it when ``above_minimum``).
    """

    name: str
    type: FactType
    meaning: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    above_minimum: bool = False

    def __repr__(self) -> str:
        return short_repr(self, self.name, type=self.type)


def _choices(model: type, field: str) -> tuple[str, ...]:
    annotation = model.model_fields[field].annotation  # type: ignore[attr-defined]
    return tuple(a for a in get_args(annotation) if isinstance(a, str))


STATE_FACTS: tuple[FactSpec, ...] = (
    FactSpec("day", "date", "the date being evaluated"),
    FactSpec("verified", "bool", "the panel has verified an AGI declaration on or before the date"),
    FactSpec("declaration_pending", "bool", "a declaration awaits the panel's verdict"),
    FactSpec("declaration_live", "bool", "a declaration is pending or verified (not rejected)"),
    FactSpec("declared_ever", "bool", "OpenAI has declared AGI at least once"),
    FactSpec(
        "azure_purchased_usd",
        "number",
        "Azure purchases recorded since the start, in USD",
        minimum=0,
    ),
    FactSpec(
        "revenue_share_paid_usd",
        "number",
        "OpenAI's revenue-share payments recorded under a version with a cap on them, in USD",
        minimum=0,
    ),
)
"""Facts of the contract's state on a date (``phase`` is added per version, with its phases)."""

ACTION_FACTS: Mapping[str, tuple[FactSpec, ...]] = {
    "product_launch": (
        FactSpec("kind", "choice", "the kind of product", _choices(ProductLaunch, "kind")),
        FactSpec("cloud", "choice", "the cloud it is served on", _choices(ProductLaunch, "cloud")),
        FactSpec("customer", "choice", "who the customer is", _choices(ProductLaunch, "customer")),
        FactSpec("has_partner", "bool", "a third party co-develops the product"),
        FactSpec(
            "azure_declined", "bool", "Microsoft cannot and chooses not to support it on Azure"
        ),
        FactSpec(
            "shipped_on_azure",
            "bool",
            "a product of the same name was launched on Azure earlier in the contract's history",
        ),
    ),
    "open_weights_release": (
        FactSpec("bio_chem", "level", "Preparedness level in biological and chemical"),
        FactSpec("cyber", "level", "Preparedness level in cybersecurity"),
        FactSpec("self_improvement", "level", "Preparedness level in AI self-improvement"),
    ),
    "ms_ip_use": (
        FactSpec("asset", "choice", "the kind of asset Microsoft uses", _choices(MsIpUse, "asset")),
        FactSpec("asset_post_agi", "bool", "the asset was created on or after the verification"),
        FactSpec(
            "asset_after_declaration",
            "bool",
            "the asset was created on or after a live declaration",
        ),
    ),
    "ms_agi_training": (
        FactSpec("uses_openai_ip", "bool", "the training uses OpenAI IP"),
        FactSpec(
            "training_flop", "number", "training compute in FLOP", minimum=0, above_minimum=True
        ),
    ),
    "compute_contract": (
        FactSpec("provider_is_microsoft", "bool", "the compute provider is Microsoft"),
        FactSpec("rofr_offered", "bool", "Microsoft was offered the right of first refusal"),
    ),
    "azure_purchase": (
        FactSpec("amount_usd", "number", "the amount in USD", minimum=0, above_minimum=True),
    ),
    "revenue_share_payment": (
        FactSpec("amount_usd", "number", "the amount in USD", minimum=0, above_minimum=True),
        FactSpec("payer", "choice", "who pays", _choices(RevenueSharePayment, "payer")),
    ),
}
"""Facts of each action type, present only in rows that decide that action."""

ACTION_FIELD = FactSpec("action", "choice", "the type of action decided", tuple(ACTION_FACTS))
DECISION_FACTS: tuple[FactSpec, ...] = (
    FactSpec(
        "allowed", "bool", "the action decided is allowed (an allow rule holds and no deny rule)"
    ),
)
"""Facts of a decision, which properties test (each obligation's id is one more: it attaches)."""
PHASE_FACT_NAME = "phase"
LEVEL_NAMES: tuple[str, ...] = tuple(level.name for level in Level)


@dataclass(frozen=True)
class AgiHistory:
    """The AGI declarations and verdicts recorded so far (each verdict closes the latest declaration)."""

    declared_on: dt.date | None = None
    """The date of the latest declaration that is pending or verified."""
    verified_on: dt.date | None = None
    """The date the panel verified the live declaration."""
    pending: bool = False
    declarations: int = 0

    @property
    def live(self) -> bool:
        return self.pending or self.verified_on is not None

    def declare(self, on: dt.date) -> AgiHistory:
        return AgiHistory(
            declared_on=on, verified_on=None, pending=True, declarations=self.declarations + 1
        )

    def verify(self, on: dt.date) -> AgiHistory:
        return AgiHistory(self.declared_on, on, False, self.declarations)

    def reject(self) -> AgiHistory:
        return AgiHistory(None, None, False, self.declarations)

    def __repr__(self) -> str:
        return short_repr(
            self,
            declared_on=self.declared_on,
            verified_on=self.verified_on,
            pending=self.pending,
            declarations=self.declarations,
        )


def state_row(
    day: dt.date,
    phase: str,
    agi: AgiHistory,
    azure_purchased_usd: float,
    revenue_share_paid_usd: float,
) -> FactRow:
    """The state facts on ``day`` (terms and actions are added on top by the evaluator)."""
    return {
        "day": day.toordinal(),
        "phase": phase,
        "verified": agi.verified_on is not None and agi.verified_on <= day,
        "declaration_pending": agi.pending,
        "declaration_live": agi.live,
        "declared_ever": agi.declarations > 0,
        "azure_purchased_usd": azure_purchased_usd,
        "revenue_share_paid_usd": revenue_share_paid_usd,
    }


def action_row(action: Event, agi: AgiHistory, shipped_on_azure: bool = False) -> FactRow:
    """The facts of an action event (``action`` plus its own fields as rule values).

    ``shipped_on_azure``: the contract's history has an earlier launch on Azure of a product of the
    same name (a product launch's fact; the contract knows its history, the event does not).
    """
    row: FactRow = {"action": action.type}
    if isinstance(action, ProductLaunch):
        row.update(
            kind=action.kind,
            cloud=action.cloud,
            customer=action.customer,
            has_partner=action.partner is not None,
            azure_declined=action.azure_declined,
            shipped_on_azure=shipped_on_azure,
        )
    elif isinstance(action, OpenWeightsRelease):
        cap = action.capability
        row.update(
            bio_chem=int(cap.bio_chem),
            cyber=int(cap.cyber),
            self_improvement=int(cap.self_improvement),
        )
    elif isinstance(action, MsIpUse):
        created = action.created
        row.update(
            asset=action.asset,
            asset_post_agi=agi.verified_on is not None and created >= agi.verified_on,
            asset_after_declaration=agi.declared_on is not None and created >= agi.declared_on,
        )
    elif isinstance(action, MsAgiTraining):
        row.update(uses_openai_ip=action.uses_openai_ip, training_flop=action.training_flop)
    elif isinstance(action, ComputeContract):
        row.update(
            provider_is_microsoft=action.provider.strip().casefold() == "microsoft",
            rofr_offered=action.rofr_offered,
        )
    elif isinstance(action, RevenueSharePayment):
        row.update(amount_usd=action.amount_usd, payer=action.payer)
    else:
        row.update(amount_usd=action.amount_usd)  # type: ignore[union-attr]
    return row
