"""Events: the typed input of the engine (SPEC §6), one frozen pydantic model per event type.

Lifecycle events move the state machine; action events are decided by the rules and recorded.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
import reprlib
import sys
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from agi_terms.documents import DEFAULT_LIMITS, deeper_than
from agi_terms.errors import InputError, InputLimitError, split_path

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_calendar_date(value: object) -> dt.date:
    """A calendar date from a ``datetime.date`` or a ``YYYY-MM-DD`` string; nothing else."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a calendar date YYYY-MM-DD, got a date with a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
    raise ValueError(f"expected a calendar date YYYY-MM-DD, got {value!r}")


CalendarDate = Annotated[
    dt.date,
    BeforeValidator(parse_calendar_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json"),
]
"""A calendar date (no time, no zone), read from ``YYYY-MM-DD`` and written back the same way."""


def _version_id(value: object) -> str:
    # An unquoted 2025-10 is the string "2025-10" in YAML 1.2; a number (2025) is not a version.
    if not isinstance(value, str):
        raise ValueError(
            f'an agreement version is a quoted string such as "2025-10", got {value!r}'
        )
    return value


VersionId = Annotated[str, BeforeValidator(_version_id)]
"""An agreement version id as written in a scenario or assumptions file."""


LARGEST_NUMBER = 1e308
"""The largest amount or parameter value read. A round number, so that a JSON Schema states the
bound exactly: the largest float (1.797...e308) is one value in binary and another as the decimal
a schema writes, and integers between the two would be read one way here and another there."""

_LARGEST_INTEGER = 10**308


def finite_number(value: object) -> float:
    """``value`` as a float: a number (not a bool) of at most ``LARGEST_NUMBER`` in size, neither
    NaN nor infinite; else ``ValueError`` saying so. Integers are compared exactly, before
    ``float()`` could round them into range."""
    # bool is an int subclass; a YAML ``true`` must not pass as the number 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number")
    if abs(value) > (_LARGEST_INTEGER if isinstance(value, int) else LARGEST_NUMBER):
        raise ValueError(f"expected a finite number of at most {LARGEST_NUMBER:g}")
    return float(value)


def _positive_number(value: object) -> float:
    number = finite_number(value)
    if number <= 0:
        raise ValueError(f"expected a number greater than 0, got {value!r}")
    return number


PositiveNumber = Annotated[
    float,
    BeforeValidator(_positive_number),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": LARGEST_NUMBER}),
]


def add_to_total(total: float, amount: float, total_name: str, place: str = "amount_usd") -> float:
    """``total + amount`` for a running total of amounts; ``InputError`` at ``place`` if not finite.

    Every amount is finite (``PositiveNumber``), but a sum of them need not be: the event that
    would carry a total past the largest float is refused, so a contract's state (and every
    snapshot of it) holds finite numbers only.
    """
    result = total + amount
    if not math.isfinite(result):
        raise InputError(
            f"{total_name} would exceed the largest number ({sys.float_info.max:.4g}) with this"
            f" amount ({amount:.4g} on top of {total:.4g})",
            place=place,
        )
    return result


class Level(IntEnum):
    """Preparedness level of a model in one tracked category, ordered low < medium < high < critical."""

    low = 0
    medium = 1
    high = 2
    critical = 3


def _level(value: object) -> Level:
    if isinstance(value, Level):
        return value
    if isinstance(value, str) and value in Level.__members__:
        return Level[value]
    raise ValueError(f"expected one of 'low', 'medium', 'high', 'critical', got {value!r}")


LevelName = Annotated[
    Level,
    BeforeValidator(_level),
    PlainSerializer(lambda level: level.name, return_type=str),
    WithJsonSchema({"type": "string", "enum": [level.name for level in Level]}),
]
"""A Preparedness level, written by name (``low``, ``medium``, ``high``, ``critical``)."""


class _Model(BaseModel):
    # Built on first use (a validation, a schema), not at import: a command that reads no event
    # of a type does not pay for its validator.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)


_TYPE = "the event type: this one's name"


def _type_is_required(schema: dict[str, Any]) -> None:
    # ``type`` selects the event: a file must give it, though the models default it.
    schema["required"] = ["date", "type", *(r for r in schema.get("required", []) if r != "date")]


class _EventBase(_Model):
    model_config = ConfigDict(json_schema_extra=_type_is_required)

    date: CalendarDate = Field(
        description="the day the event happens (YYYY-MM-DD); events are given in date order"
    )


class AgiDeclared(_EventBase):
    """OpenAI declares that it has achieved AGI; the panel then verifies or rejects it (N2)."""

    type: Literal["agi_declared"] = Field(default="agi_declared", description=_TYPE)


class PanelVerified(_EventBase):
    """The independent expert panel verifies the pending declaration (N2)."""

    type: Literal["panel_verified"] = Field(default="panel_verified", description=_TYPE)


class PanelRejected(_EventBase):
    """The panel rejects the pending declaration; OpenAI may declare again (E6)."""

    type: Literal["panel_rejected"] = Field(default="panel_rejected", description=_TYPE)


class Amendment(_EventBase):
    """The parties amend the agreement: version ``to`` applies from this date on (SPEC §9)."""

    type: Literal["amendment"] = Field(default="amendment", description=_TYPE)
    to: StrictStr = Field(
        description='the version in force from this date on, quoted: "2025-10" (agi-terms terms)'
    )


class ProductLaunch(_EventBase):
    """OpenAI launches a product on a cloud, possibly with a partner or for a national-security customer."""

    type: Literal["product_launch"] = Field(default="product_launch", description=_TYPE)
    kind: Literal["api", "stateful_runtime", "non_api", "consumer_hardware"] = Field(
        description=(
            "api: a stateless API product (the Azure API exclusivity is about these);"
            " stateful_runtime: a stateful agent runtime, an API product only under the parameter"
            " stateful_runtime_is_api (S16, S25, Q6); non_api: any other product;"
            " consumer_hardware: a device (outside Microsoft's rights, N7)"
        )
    )
    cloud: Literal["azure", "aws", "gcp", "oracle", "other"] = Field(
        description="the cloud the product is served from"
    )
    partner: StrictStr | None = Field(
        default=None, description="the third party that co-develops the product, if any (N9)"
    )
    customer: Literal["commercial", "us_national_security"] = Field(
        default="commercial",
        description="us_national_security: an API product for US national-security customers,"
        " allowed on any cloud (N11)",
    )
    name: StrictStr | None = Field(
        default=None,
        description=(
            "the product's name; a launch off Azure of a product launched on Azure earlier under"
            " the same name has shipped first on Azure (S17)"
        ),
    )
    azure_declined: StrictBool = Field(
        default=False,
        description=(
            "Microsoft cannot and chooses not to support the product on Azure, so it need not"
            " ship first on Azure (S17, S26)"
        ),
    )


class Capability(_Model):
    """The Preparedness levels of a model in each tracked category."""

    bio_chem: LevelName = Field(description="biological and chemical capability")
    cyber: LevelName = Field(description="cybersecurity capability")
    self_improvement: LevelName = Field(description="AI self-improvement capability")


class OpenWeightsRelease(_EventBase):
    """OpenAI releases an open-weight model with the given capability levels (N12)."""

    type: Literal["open_weights_release"] = Field(default="open_weights_release", description=_TYPE)
    capability: Capability = Field(
        description="the model's Preparedness level in each tracked category (N12, Q10)"
    )
    name: StrictStr | None = Field(default=None, description="the model's name")


class MsIpUse(_EventBase):
    """Microsoft uses an OpenAI asset; ``created_on`` defaults to the event's date."""

    type: Literal["ms_ip_use"] = Field(default="ms_ip_use", description=_TYPE)
    asset: Literal["model", "product", "research", "consumer_hardware"] = Field(
        description="what Microsoft uses: a model or product (N4), research IP (N6) or consumer"
        " hardware (never Microsoft's, N7)"
    )
    created_on: CalendarDate | None = Field(
        default=None,
        description="the day the asset was created, not after the event's date; one created on"
        " or after a verification is post-AGI (N5). Default: the event's date",
    )

    @field_validator("created_on")
    @classmethod
    def _created_not_after_use(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        used_on = info.data.get("date")
        if value is not None and isinstance(used_on, dt.date) and value > used_on:
            raise ValueError(f"{value.isoformat()} is after the event's date {used_on.isoformat()}")
        return value

    @property
    def created(self) -> dt.date:
        """The asset's creation date: ``created_on``, or the date of use when it is not given."""
        return self.created_on if self.created_on is not None else self.date


class MsAgiTraining(_EventBase):
    """Microsoft trains a model in pursuit of AGI, with or without OpenAI IP (N13, N14)."""

    type: Literal["ms_agi_training"] = Field(default="ms_agi_training", description=_TYPE)
    uses_openai_ip: StrictBool = Field(
        description="whether the training uses OpenAI IP (then the compute cap applies, N14)"
    )
    training_flop: PositiveNumber = Field(
        description="the training compute in FLOP, a number such as 6e27"
    )


def _non_empty(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty name")
    return value


class ComputeContract(_EventBase):
    """OpenAI contracts compute from a provider (the right of first refusal in 2025-01, P12)."""

    type: Literal["compute_contract"] = Field(default="compute_contract", description=_TYPE)
    provider: Annotated[
        str, BeforeValidator(_non_empty), WithJsonSchema({"type": "string", "minLength": 1})
    ] = Field(description="the compute provider's name (Microsoft, Oracle, AWS, ...)")
    rofr_offered: StrictBool = Field(
        default=False,
        description="whether Microsoft was offered its right of first refusal first (P12)",
    )


class AzurePurchase(_EventBase):
    """OpenAI buys Azure services; the amount counts toward the Azure commitment (N16)."""

    type: Literal["azure_purchase"] = Field(default="azure_purchase", description=_TYPE)
    amount_usd: PositiveNumber = Field(
        description="the amount spent on Azure services, in USD (counts toward the commitment)"
    )


class RevenueSharePayment(_EventBase):
    """A revenue-share payment between the parties (P13, N15); under 2026-04, OpenAI's count toward
    the total cap (S17, S23)."""

    type: Literal["revenue_share_payment"] = Field(
        default="revenue_share_payment", description=_TYPE
    )
    amount_usd: PositiveNumber = Field(description="the amount paid, in USD")
    payer: Literal["openai", "microsoft"] = Field(
        description="openai pays Microsoft its share; microsoft pays OpenAI its share (two-way)"
    )


LifecycleEvent: TypeAlias = AgiDeclared | PanelVerified | PanelRejected | Amendment
ActionEvent: TypeAlias = (
    ProductLaunch
    | OpenWeightsRelease
    | MsIpUse
    | MsAgiTraining
    | ComputeContract
    | AzurePurchase
    | RevenueSharePayment
)

Event = Annotated[
    AgiDeclared
    | PanelVerified
    | PanelRejected
    | Amendment
    | ProductLaunch
    | OpenWeightsRelease
    | MsIpUse
    | MsAgiTraining
    | ComputeContract
    | AzurePurchase
    | RevenueSharePayment,
    Field(discriminator="type"),
]
"""Any event: a discriminated union on ``type``."""

EVENT_TYPES: tuple[type[_EventBase], ...] = (
    AgiDeclared,
    PanelVerified,
    PanelRejected,
    Amendment,
    ProductLaunch,
    OpenWeightsRelease,
    MsIpUse,
    MsAgiTraining,
    ComputeContract,
    AzurePurchase,
    RevenueSharePayment,
)
LIFECYCLE_TYPES: frozenset[str] = frozenset(
    {"agi_declared", "panel_verified", "panel_rejected", "amendment"}
)
ACTION_TYPES: tuple[str, ...] = (
    "product_launch",
    "open_weights_release",
    "ms_ip_use",
    "ms_agi_training",
    "compute_contract",
    "azure_purchase",
    "revenue_share_payment",
)
AGI_TYPES: frozenset[str] = frozenset({"agi_declared", "panel_verified", "panel_rejected"})


@functools.cache
def _event_adapter() -> TypeAdapter[Any]:
    """The validator of ``Event``, built when the first event is read."""
    return TypeAdapter(Event)


def path_of(loc: tuple[int | str, ...], *, union_tags: bool = False) -> tuple[int | str, ...]:
    """A pydantic error location as a path into the input.

    With ``union_tags``, a location part that is an event type (pydantic names the member of the
    discriminated union it tried) is left out: users never wrote that key.
    """
    tags = set(_tags()) if union_tags else set()
    return tuple(part for part in loc if isinstance(part, int) or part not in tags)


def _message_of(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "union_tag_invalid":
        tags = ", ".join(sorted(_tags()))
        tag = (error.get("ctx") or {}).get("tag")
        close = _close_match(str(tag), _tags())
        hint = f"did you mean {close!r}? " if close else ""
        return f"unknown event type {tag!r}; {hint}expected one of {tags}"
    if kind == "union_tag_not_found":
        return "missing field 'type'"
    if kind == "missing":
        return "required field is missing"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "literal_error" or kind.endswith("_type") or kind.endswith("_parsing"):
        shown = _SHORT.repr(error.get("input"))
        message = f"{message}, got {shown if len(shown) <= 60 else shown[:57] + '...'}"
    return message


_SHORT = reprlib.Repr()
"""Reprs of bad input, bounded in depth and length: a value nested thousands deep prints short."""
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 3, 60, 60


def _tags() -> list[str]:
    return [str(cls.model_fields["type"].default) for cls in EVENT_TYPES]


_MEANT = {"on": "date", "when": "date", "event": "type", "kind_of": "kind"}
"""Keys people write for another: ``on:`` (the CLI's ``--on``) is ``date:`` in a file (SPEC §6)."""


def _close_match(word: str, candidates: Sequence[str]) -> str | None:
    if _MEANT.get(word) in candidates:
        return _MEANT[word]
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def _fields_at(model: type[BaseModel] | None, loc: Sequence[int | str]) -> list[str]:
    """The field names of the model that reads the mapping at ``loc`` (empty when unknown)."""
    tags = {str(cls.model_fields["type"].default): cls for cls in EVENT_TYPES}
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if part in tags and (current is None or part not in current.model_fields):
            current = tags[part]
            continue
        info = current.model_fields.get(part) if current is not None else None
        kind = info.annotation if info is not None else None
        if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
            return []
        current = kind
    return list(current.model_fields) if current is not None else []


def _unknown_field(errors: Sequence[Mapping[str, Any]], model: type[BaseModel] | None) -> Any:
    """The first unknown key, with the field it most likely stands for: a required field missing
    beside it (``clod`` beside a missing ``cloud``), else a field of the same mapping."""
    for error in errors:
        if error.get("type") != "extra_forbidden":
            continue
        loc = tuple(error["loc"])
        parent, word = loc[:-1], str(loc[-1])
        missing = [str(e["loc"][-1]) for e in errors
                   if e.get("type") == "missing" and tuple(e["loc"][:-1]) == parent]  # fmt: skip
        meant = _close_match(word, missing) or _close_match(word, _fields_at(model, parent))
        message = f"unknown field {word!r}"
        if meant:
            message += f"; did you mean {meant!r}?"
        elif missing:
            message += f" (the required field {missing[0]!r} is missing)"
        return loc, message
    return None


def input_error_from(
    exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> InputError:
    """The most telling error of a pydantic ``ValidationError`` as an ``InputError`` with a place.

    That is the first error, unless it is a missing field beside an unknown one: then the unknown
    key, with the field it likely misspells (``model`` reads the input; events are known).
    """
    errors = exc.errors()
    first = errors[0]
    loc = tuple(first["loc"])
    unknown = (
        _unknown_field(errors, model) if first["type"] in ("missing", "extra_forbidden") else None
    )
    if unknown is not None and (first["type"] == "extra_forbidden" or unknown[0][:-1] == loc[:-1]):
        loc, message = unknown
    else:
        if first["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            loc = (*loc, "type")
        message = _message_of(first)
    error = InputError(message, place=path_of(loc, union_tags=True))
    return error.within(*split_path(prefix))


def parse_event(data: object) -> Event:
    """Validate one event given as a mapping (or return it if it already is an event).

    Raises ``InputError`` whose place is the path inside the event (``cloud``, ``capability.cyber``).
    """
    if isinstance(data, EVENT_TYPES):
        return data  # type: ignore[return-value]  # EVENT_TYPES are exactly Event's members
    too_deep = deeper_than(data, DEFAULT_LIMITS.max_depth)
    if too_deep is not None:
        raise InputLimitError(
            f"nested more than {DEFAULT_LIMITS.max_depth} levels deep", place=too_deep
        )
    if not isinstance(data, Mapping):
        raise InputError(
            f"expected an event (a mapping with 'date' and 'type'), got {_SHORT.repr(data)}"
        )
    try:
        event: Event = _event_adapter().validate_python(dict(data))
    except ValidationError as exc:
        raise input_error_from(exc) from None
    return event


def event_to_json(event: Event) -> dict[str, Any]:
    """An event as JSON-ready data (dates as ``YYYY-MM-DD``, levels by name, defaults included)."""
    data: dict[str, Any] = event.model_dump(mode="json")
    return data
