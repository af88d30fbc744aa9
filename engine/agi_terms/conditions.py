"""Rule conditions: the JSON condition subset of durable_rules, parsed into a small typed tree.

A condition in a rule file is durable_rules' own format (``{field: value}`` for equality, ``$neq``,
``$lt``, ``$lte``, ``$gt``, ``$gte``, ``$and``, ``$or``); a value may be ``{param: NAME}``, a parameter of
the agreement. Parameters are fixed for an agreement, so every comparison that involves one is decided
when the rules are compiled ("folded"); a comparison with a parameter set to ``null`` never holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["eq", "neq", "lt", "lte", "gt", "gte"]
OPERATORS: Mapping[str, Op] = {
    "$neq": "neq",
    "$lt": "lt",
    "$lte": "lte",
    "$gt": "gt",
    "$gte": "gte",
}
"""Comparison operators of the rule files (equality is written ``{field: value}``)."""
COMBINATORS = ("$and", "$or")
DURABLE_OPERATOR: Mapping[Op, str] = {v: k for k, v in OPERATORS.items()}
SYMBOL: Mapping[Op, str] = {"eq": "==", "neq": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

Literal_ = bool | int | float | str | dt.date
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True)
class ParamRef:
    """A value taken from the agreement's parameter of this name."""

    name: str


@dataclass(frozen=True)
class Compare:
    """``field op value``; ``path`` is where it stands in the rule (``when.$and[1].$lte``)."""

    op: Op
    field: str
    value: Literal_ | ParamRef | None
    path: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]
    path: str


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]
    path: str


@dataclass(frozen=True)
class Always:
    """A condition decided already: ``True`` always holds, ``False`` never does."""

    value: bool
    path: str = ""


Condition = Compare | AllOf | AnyOf | Always


class ConditionSyntaxError(ValueError):
    """A malformed condition; ``path`` names the key (``when.$and[0].$gtee``)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def parse_condition(data: object, path: str = "when") -> Condition:
    """Parse a condition written in the rule files' subset of durable_rules' JSON format."""
    if data is None or data == {}:
        return Always(True, path)
    if not isinstance(data, Mapping):
        raise ConditionSyntaxError(f"a condition is a mapping, got {data!r}", path)
    if len(data) > 1:
        # Several keys in one mapping mean all of them, as in durable_rules.
        parts = tuple(parse_condition({k: v}, f"{path}.{k}") for k, v in data.items())
        return AllOf(parts, path)
    ((key, value),) = data.items()
    if not isinstance(key, str):
        raise ConditionSyntaxError(f"a condition key is a name, got {key!r}", path)
    if key in COMBINATORS:
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(
                f"{key} takes a non-empty list of conditions", f"{path}.{key}"
            )
        parts = tuple(parse_condition(item, f"{path}.{key}[{i}]") for i, item in enumerate(value))
        return AllOf(parts, path) if key == "$and" else AnyOf(parts, path)
    if key.startswith("$"):
        op = OPERATORS.get(key)
        if op is None:
            known = ", ".join([*OPERATORS, *COMBINATORS])
            raise ConditionSyntaxError(
                f"unknown operator {key!r}; the rule files use {known} and {{field: value}}",
                f"{path}.{key}",
            )
        if not isinstance(value, Mapping) or len(value) != 1:
            raise ConditionSyntaxError(
                f"{key} takes one {{field: value}} mapping, got {value!r}", f"{path}.{key}"
            )
        ((field, operand),) = value.items()
        return Compare(
            op,
            _field(field, f"{path}.{key}"),
            _operand(operand, f"{path}.{key}.{field}"),
            f"{path}.{key}.{field}",
        )
    return Compare("eq", _field(key, path), _operand(value, f"{path}.{key}"), f"{path}.{key}")


def _field(name: object, path: str) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ConditionSyntaxError(f"a field is a name, got {name!r}", path)
    return name


def _operand(value: object, path: str) -> Literal_ | ParamRef | None:
    if isinstance(value, Mapping):
        if set(value) != {"param"} or not isinstance(value["param"], str):
            raise ConditionSyntaxError(
                f"a value is a constant or {{param: NAME}}, got {dict(value)!r}", path
            )
        return ParamRef(value["param"])
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ConditionSyntaxError(f"{value!r} is not a calendar date", path) from None
    if value is None or isinstance(value, bool | int | float | str | dt.date):
        return value
    raise ConditionSyntaxError(f"a value is a constant or {{param: NAME}}, got {value!r}", path)


def comparisons(condition: Condition) -> Iterator[Compare]:
    """Every comparison in the tree, in the order written."""
    if isinstance(condition, Compare):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.parts:
            yield from comparisons(part)


def simplify(condition: Condition) -> Condition:
    """Drop decided parts: an ``$and`` with a false part is false, an ``$or`` with a true part true."""
    if isinstance(condition, AllOf | AnyOf):
        absorbing = isinstance(condition, AnyOf)  # True absorbs $or, False absorbs $and
        kept: list[Condition] = []
        for part in (simplify(p) for p in condition.parts):
            if isinstance(part, Always):
                if part.value is absorbing:
                    return Always(absorbing, condition.path)
                continue
            kept.append(part)
        if not kept:
            return Always(not absorbing, condition.path)
        if len(kept) == 1:
            return kept[0]
        return type(condition)(tuple(kept), condition.path)
    return condition


def compare_values(op: Op, left: object, right: object) -> bool:
    """``left op right`` for rule values of one type (checked when the rules load)."""
    if op == "eq":
        return left == right
    if op == "neq":
        return left != right
    a: Any = left
    b: Any = right
    if op == "lt":
        return bool(a < b)
    if op == "lte":
        return bool(a <= b)
    if op == "gt":
        return bool(a > b)
    return bool(a >= b)


def evaluate(condition: Condition, value_of: Callable[[str], object]) -> bool:
    """Evaluate a folded condition (only facts left) against ``value_of(field)``."""
    if isinstance(condition, Always):
        return condition.value
    if isinstance(condition, Compare):
        return compare_values(condition.op, value_of(condition.field), condition.value)
    if isinstance(condition, AllOf):
        return all(evaluate(p, value_of) for p in condition.parts)
    return any(evaluate(p, value_of) for p in condition.parts)


def render(condition: Condition) -> str:
    """A condition as a short formula for people: ``day <= 2030-12-31 and not verified``."""
    if isinstance(condition, Always):
        return "always" if condition.value else "never"
    if isinstance(condition, Compare):
        value = condition.value
        shown = f"param {value.name}" if isinstance(value, ParamRef) else _show(value)
        if value is True and condition.op == "eq":
            return condition.field
        if value is False and condition.op == "eq":
            return f"not {condition.field}"
        return f"{condition.field} {SYMBOL[condition.op]} {shown}"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    inner = [
        render(p) if isinstance(p, Compare | Always) else f"({render(p)})" for p in condition.parts
    ]
    return joiner.join(inner)


def _show(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return "null"
    return str(value)
