"""The schemas of a version's rule files, as they are written (validated by pydantic).

``validated(document, schema, register)`` reads a file's data into its schema; the first defect is a
``RulebookError`` at its key, naming the rule (or term, parameter, source) it stands in. Every
``source`` is resolved against the register given: an id the register lacks is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from agi_terms.documents import Document
from agi_terms.errors import RulebookError
from agi_terms.events import CalendarDate
from agi_terms.rulebook.citations import citation_ids

if TYPE_CHECKING:
    from agi_terms.rulebook.sources import SourceRegister

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def check_citation(text: str, register: SourceRegister | None) -> str:
    """``text`` (stripped) when it is a citation whose every id is in ``register``; else ``ValueError``.

    Without a register only the citation's form is checked.
    """
    if register is None:
        citation_ids(text)
    else:
        register.resolve(text)
    return text.strip()


class Cited(Strict):
    source: str

    @field_validator("source")
    @classmethod
    def _cited(cls, value: str, info: ValidationInfo) -> str:
        context = info.context if isinstance(info.context, Mapping) else {}
        return check_citation(value, context.get("sources"))


ENTRY_KINDS: Mapping[str, str] = {
    "phases": "phase",
    "transitions": "transition",
    "calendar": "calendar gate",
    "placement": "placement",
    "parameters": "parameter",
    "terms": "term",
    "rules": "rule",
    "obligations": "obligation",
    "actions": "action",
    "properties": "property",
    "sources": "source entry",
}
"""What an entry of each list of the rule files (and the register) is, as errors name it."""


def entry_kind(path: Sequence[int | str]) -> str | None:
    """What the innermost entry ``path`` points into is: ``terms[2].rules[0].when`` -> ``rule``,
    ``parameters[0].default`` -> ``parameter``; ``None`` outside any listed entry."""
    found = None
    for key, index in itertools.pairwise(path):
        if isinstance(index, int) and isinstance(key, str) and key in ENTRY_KINDS:
            found = ENTRY_KINDS[key]
    return found


def rule_error(
    document: Document,
    path: Sequence[int | str],
    message: str,
    rule: str | None = None,
    kind: str | None = None,
) -> RulebookError:
    """A ``RulebookError`` at ``path`` in ``document``, with its line and column, naming the entry
    ``rule`` (a term, parameter, ...: ``kind``, by default the innermost entry ``path`` is in)."""
    line, column = document.position(path) or (None, None)
    return RulebookError(
        message,
        place=tuple(path),
        rule=rule,
        kind=(kind or entry_kind(path)) if rule is not None else None,
        line=line,
        column=column,
        file=document.name,
    )


def validated(document: Document, schema: type[M], register: SourceRegister | None = None) -> M:
    """``document``'s data as ``schema``, its citations resolved in ``register``."""
    try:
        return schema.model_validate(document.data, context={"sources": register})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "missing":
            message = "required key is missing"
        elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            # Said in the file's terms, not with the schema's class name.
            expected = "a mapping"
            if not loc:
                keys = [n for n, f in schema.model_fields.items() if f.is_required()]
                expected = f"a mapping with the keys {', '.join(keys)}"
            message = f"expected {expected}, got {_shown(err['input'])}"
            if not loc and document.data is None:
                message = f"the file is empty: expected {expected}"
        kind, ident = entry_at(document.data, loc)
        error = rule_error(document, loc, message, ident, kind)
        raise error.at_position(1, 1) if not loc else error from None  # the file's start


def _shown(value: object) -> str:
    """A value read from YAML as a message shows it: ``a list``, ``'foo'``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def entry_at(data: Any, loc: Sequence[int | str]) -> tuple[str | None, str | None]:
    """What the innermost entry that ``loc`` points into is, and its id (or name), for error
    messages: ``("parameter", "agi_trigger")``; ``(None, None)`` outside any entry with an id."""
    node: Any = data
    found: tuple[str | None, str | None] = (None, None)
    for depth, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, Mapping):
            ident = node.get("id", node.get("name"))
            if isinstance(ident, str):
                found = (entry_kind(loc[: depth + 1]), ident)
    return found


class AgreementFile(Cited):
    id: str
    title: str
    effective: CalendarDate
    summary: str


class PhaseEntry(Cited):
    id: str
    meaning: str


class PlacementEntry(Cited):
    phase: str
    when: Any = None


class GateEntry(Cited):
    date: CalendarDate
    trigger: str


class LifecycleFile(Strict):
    initial: str
    final: list[str]
    phases: list[PhaseEntry]
    transitions: list[dict[str, Any]]
    calendar: list[GateEntry] = []
    placement: list[PlacementEntry] = []


ParameterType = Literal["date", "choice", "number", "level", "bool"]  # as in rulebook.model


class ParameterEntry(Cited):
    name: str
    type: ParameterType
    default: Any
    nullable: bool = False
    choices: list[str] = []
    minimum: float | CalendarDate | None = None
    maximum: float | CalendarDate | None = None
    reported: bool = False
    meaning: str


class ParametersFile(Strict):
    parameters: list[ParameterEntry]


class RuleEntry(Cited):
    id: str
    effect: str
    when: Any = None
    obligation: str | None = None
    note: str | None = None


class TermEntry(Cited):
    id: str
    holder: str
    title: str
    meaning: str
    note: str | None = None
    rules: list[RuleEntry]


class TermsFile(Strict):
    terms: list[TermEntry]


class ObligationEntry(Cited):
    id: str
    meaning: str


class ActionEntry(Strict):
    action: str
    rules: list[RuleEntry]


class DecisionsFile(Strict):
    obligations: list[ObligationEntry] = []
    actions: list[ActionEntry]


class PropertyEntry(Cited):
    id: str
    statement: str
    holds: Any


class PropertiesFile(Strict):
    properties: list[PropertyEntry]
