"""The languages of the input files, described from the models that read them: JSON Schemas of
scenario and assumptions files, and a reference of every event type.

``scenario_schema()`` and ``assumptions_schema()`` are what ``agi-terms schema scenario|assumptions``
prints, and what ships beside this module (``scenario.schema.json``, ``assumptions.schema.json``)
for editors with a YAML language server. ``event_types()`` lists every event type with its fields,
their types, allowed values, defaults and descriptions (``agi-terms events``, ``EVENTS.md``);
``parameter_schema(param)`` is a parameter's value as its version reads it (the files' schemas and
the service's OpenAPI document use it). All are derived from the pydantic models and the shipped
rulebooks, so they cannot drift from what the engine accepts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from agi_terms.events import ACTION_TYPES, EVENT_TYPES, LARGEST_NUMBER, LIFECYCLE_TYPES, Event
from agi_terms.facts import LEVEL_NAMES
from agi_terms.rulebook import available_versions, load_rulebook
from agi_terms.rulebook.model import Parameter

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

KINDS = ("scenario", "assumptions")
"""The input files that have a schema (``agi-terms schema KIND``)."""


# ---------------------------------------------------------------- event types


@dataclass(frozen=True)
class FieldInfo:
    """One field of an event type, as a scenario writes it.

    ``type`` reads as a person would say it (``date (YYYY-MM-DD)``, ``number > 0``, ``one of``);
    ``choices`` are the allowed values of a ``one of``; ``default`` is ``None`` when the field is
    required or defaults to nothing (``optional`` says which).
    """

    name: str
    type: str
    required: bool
    choices: tuple[str, ...] = ()
    default: object = None
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "required": self.required,
                "choices": list(self.choices), "default": self.default,
                "description": self.description}  # fmt: skip


@dataclass(frozen=True)
class EventType:
    """An event type: lifecycle (moves the phases) or action (decided by the rules), its fields."""

    type: str
    kind: Literal["lifecycle", "action"]
    description: str
    fields: tuple[FieldInfo, ...]

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "kind": self.kind, "description": self.description,
                "fields": [f.to_json() for f in self.fields]}  # fmt: skip


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        resolved: Mapping[str, Any] = defs[ref.rsplit("/", 1)[-1]]
        return {**resolved, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _type_text(node: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    if "enum" in node:
        return "one of", tuple(str(v) for v in node["enum"])
    kind = node.get("type")
    if kind == "string" and node.get("format") == "date":
        return "date (YYYY-MM-DD)", ()
    if kind == "string":
        return "text" + (" (not empty)" if node.get("minLength") else ""), ()
    if kind == "number":
        if node.get("exclusiveMinimum") == 0:
            return "number > 0", ()
        return "number", ()
    if kind == "boolean":
        return "true or false", ()
    return str(kind), ()


def _fields(
    schema: Mapping[str, Any], defs: Mapping[str, Any], prefix: str = ""
) -> list[FieldInfo]:
    found: list[FieldInfo] = []
    required = set(schema.get("required", ()))
    for name, raw in schema.get("properties", {}).items():
        if not prefix and name == "type":
            continue
        node = _resolve(raw, defs)
        optional_null = [n for n in node.get("anyOf", ()) if n.get("type") != "null"]
        if len(optional_null) == 1:
            node = {
                **_resolve(optional_null[0], defs),
                **{k: v for k, v in node.items() if k != "anyOf"},
            }
        description = str(node.get("description", ""))
        if node.get("type") == "object" and "properties" in node:
            found.append(FieldInfo(prefix + name, "mapping", name in required,
                                   description=description))  # fmt: skip
            found += _fields(node, defs, f"{prefix}{name}.")
            continue
        kind, choices = _type_text(node)
        found.append(FieldInfo(prefix + name, kind, name in required, choices,
                               node.get("default"), description))  # fmt: skip
    return found


def event_types() -> tuple[EventType, ...]:
    """Every event type a scenario may give, lifecycle events first, from the event models."""
    found = []
    for model in EVENT_TYPES:
        schema = model.model_json_schema()
        name = str(model.model_fields["type"].default)
        found.append(
            EventType(
                type=name,
                kind="lifecycle" if name in LIFECYCLE_TYPES else "action",
                description=" ".join(str(schema.get("description", "")).split()),
                fields=tuple(_fields(schema, schema.get("$defs", {}))),
            )
        )
    return tuple(found)


# ---------------------------------------------------------------- schemas of the files


def parameter_schema(param: Parameter) -> dict[str, Any]:
    """The JSON Schema of a parameter's value, as ``Parameter.validate`` reads it."""
    value: dict[str, Any]
    if param.type == "bool":
        value = {"type": "boolean"}
    elif param.type == "date":
        value = {"type": "string", "format": "date"}
        low = param.minimum.isoformat() if isinstance(param.minimum, dt.date) else None
        high = param.maximum.isoformat() if isinstance(param.maximum, dt.date) else None
        patterns = [
            f"^{p}$" for p in (_at_least(low) if low else "", _at_most(high) if high else "") if p
        ]
        if len(patterns) == 1:
            value["pattern"] = patterns[0]
        elif patterns:
            value["allOf"] = [{"pattern": p} for p in patterns]
    elif param.type in ("choice", "level"):
        value = {"enum": list(param.choices if param.type == "choice" else LEVEL_NAMES)}
    else:
        value = {"type": "number", "maximum": LARGEST_NUMBER}
        if isinstance(param.minimum, int | float):
            value["minimum"] = param.minimum
        if isinstance(param.maximum, int | float):
            value["maximum"] = param.maximum
    if param.nullable:
        value = {"anyOf": [value, {"type": "null"}]}
    value["description"] = " ".join(param.meaning.split())
    return value


def _date_order(bound: str, later: bool) -> str:
    """A regular expression for the ``YYYY-MM-DD`` strings on or after (``later``) or on or before
    ``bound``: ISO dates sort as their text, so digit by digit, the first that differs decides."""
    alternatives = []
    for at, char in enumerate(bound):
        if not char.isdigit() or char == ("9" if later else "0"):
            continue
        digits = f"[{int(char) + 1}-9]" if later else f"[0-{int(char) - 1}]"
        rest = "".join(r"\d" if c.isdigit() else c for c in bound[at + 1 :])
        alternatives.append(bound[:at] + digits + rest)
    return "(" + "|".join([*alternatives, bound]) + ")"


def _at_least(bound: str) -> str:
    return _date_order(bound, later=True)


def _at_most(bound: str) -> str:
    return _date_order(bound, later=False)


def _parameter_with_context(param: Parameter, versions: list[str]) -> dict[str, Any]:
    """A parameter's schema for a file's ``parameters``: its default, versions and sources too."""
    node = parameter_schema(param)
    default = param.to_json(param.default)
    node["description"] += (
        f" Default: {json.dumps(default)}; versions: {', '.join(versions)} ({param.source})."
    )
    return node


def parameters_schema() -> dict[str, Any]:
    """The ``parameters`` mapping: every parameter of every shipped version, with its type."""
    params: dict[str, Parameter] = {}
    versions: dict[str, list[str]] = {}
    for version in available_versions():
        for param in load_rulebook(version).parameters:
            params.setdefault(param.name, param)
            versions.setdefault(param.name, []).append(version)
    return {
        "type": "object",
        "description": "Parameter overrides: what-if readings of the text (agi-terms parameters"
        " VERSION). A scenario may set those of its version and of every version it amends to.",
        "properties": {
            name: _parameter_with_context(p, versions[name]) for name, p in params.items()
        },
        "additionalProperties": False,
    }


def _agreement_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "enum": list(available_versions()),
        "description": 'the agreement version, quoted: "2025-10" (the default)',
        "default": "2025-10",
    }


def _document(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["properties"]["agreement"] = _agreement_schema()
    schema["properties"]["parameters"] = parameters_schema()
    document: dict[str, Any] = {"$schema": SCHEMA_DIALECT, "title": title}
    document.update((k, v) for k, v in schema.items() if k != "title")
    return document


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (SPEC §7): its keys, every event type and parameter."""
    from agi_terms.analysis.scenario import Scenario, _ActionExpect, _CheckpointExpect

    schema = _document(Scenario, "agi-terms scenario")
    union = TypeAdapter(Event).json_schema(ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    defs.update(union.pop("$defs", {}))
    defs["ActionExpect"] = _expect_schema(
        _ActionExpect,
        "what the scenario expects of this action's decision (SPEC §13; agi-terms test checks"
        " it): allowed, obligations (the exact list), because (rule ids among the deciding rules)",
    )
    defs["CheckpointExpect"] = _expect_schema(
        _CheckpointExpect,
        "what the scenario expects on this date (SPEC §13): the phase, and some terms in force"
        " (true) or not (false)",
    )
    for definition in defs.values():
        kind = definition.get("properties", {}).get("type", {}).get("const")
        if kind in ACTION_TYPES:
            definition["properties"]["expect"] = {"$ref": "#/$defs/ActionExpect"}
    events = schema["properties"]["events"]
    events["items"] = union
    events["description"] = "the story: events in date order (agi-terms events lists them)"
    checkpoints = schema["properties"]["checkpoints"]
    day = checkpoints["items"]
    checkpoints["items"] = {
        "anyOf": [
            day,
            {
                "type": "object",
                "properties": {"date": day, "expect": {"$ref": "#/$defs/CheckpointExpect"}},
                "required": ["date"],
                "additionalProperties": False,
            },
        ]
    }
    checkpoints["description"] = (
        "dates on which to report every term, in the order given; {date, expect} states what"
        " the scenario expects then"
    )
    schema["properties"]["name"]["description"] = "what the scenario shows"
    return schema


def _expect_schema(model: type[BaseModel], description: str) -> dict[str, Any]:
    """The schema of an ``expect`` statement: its model's, at least one key, no nulls written."""
    schema = model.model_json_schema()
    properties = {}
    for name, node in schema["properties"].items():
        kinds = [n for n in node.get("anyOf", [node]) if n.get("type") != "null"]
        inner = dict(kinds[0]) if len(kinds) == 1 else {"anyOf": kinds}
        if inner.get("type") == "array" and name == "because":
            inner["minItems"] = 1
        if inner.get("type") == "object":
            inner["minProperties"] = 1
        properties[name] = inner
    return {"type": "object", "description": description, "properties": properties,
            "minProperties": 1, "additionalProperties": False}  # fmt: skip


def assumptions_schema() -> dict[str, Any]:
    """The JSON Schema of a Monte Carlo assumptions file (SPEC §10)."""
    from agi_terms.analysis.montecarlo.assumptions import Assumptions

    schema = _document(Assumptions, "agi-terms Monte Carlo assumptions")
    defs = schema["$defs"]
    for section in (schema, defs["Declaration"], defs["Panel"], defs["Redeclaration"]):
        section["properties"]["source"] = {
            "type": "string",
            "description": "where the belief comes from: a citation (S27) or free text",
        }
    declaration = defs["Declaration"]
    declaration["description"] = (
        "OpenAI's first declaration: probability and between (uniform over those dates), or cdf"
        " (cumulative probabilities by date, as prediction markets quote them)"
    )
    for node in declaration["properties"].values():  # null is never written
        kinds = [n for n in node.pop("anyOf", []) if n.get("type") != "null"]
        node.pop("default", None)
        if kinds:
            node.update(kinds[0])
    declaration["properties"]["probability"]["description"] = (
        "the chance that it happens on or before the horizon"
    )
    declaration["properties"]["between"]["description"] = (
        "[first, last]: the dates (inclusive) it falls between, uniformly, when it happens"
    )
    declaration["properties"]["cdf"]["description"] = (
        "[[date, cumulative probability], ...]: strictly increasing dates within the start and"
        " the horizon, non-decreasing probabilities; with 1 - the last it does not happen"
    )
    declaration["properties"]["cdf"]["minItems"] = 1
    declaration["oneOf"] = [
        {"required": ["probability", "between"], "not": {"required": ["cdf"]}},
        {"required": ["cdf"], "not": {"anyOf": [{"required": ["probability"]},
                                                 {"required": ["between"]}]}},
    ]  # fmt: skip
    return schema


def schema(kind: str) -> dict[str, Any]:
    """The schema of ``kind`` (``scenario`` or ``assumptions``)."""
    if kind == "scenario":
        return scenario_schema()
    if kind == "assumptions":
        return assumptions_schema()
    from agi_terms.errors import InputError

    raise InputError(f"schemas: {', '.join(KINDS)}; got {kind!r}", place="kind")


def schema_text(kind: str) -> str:
    """The schema of ``kind`` as the shipped file holds it (indented JSON, a final newline)."""
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def shipped_schema_path(kind: str) -> str:
    """Where the shipped schema of ``kind`` is (``.../agi_terms/schemas/scenario.schema.json``)."""
    return str(files("agi_terms.schemas") / f"{kind}.schema.json")
