"""Rule conditions: the JSON condition subset of durable_rules, parsed into a small typed tree.

A condition in a rule file is durable_rules' own format (``{field: value}`` for equality, ``$neq``,
``$lt``, ``$lte``, ``$gt``, ``$gte``, ``$and``, ``$or``); a value may be ``{param: NAME}``, a parameter of
the agreement. Parameters are fixed for an agreement, so every comparison that involves one is decided
when the rules are compiled ("folded"). A nullable parameter may be tested for null
(``{backstop: null}``, ``{$neq: {backstop: null}}``); any other comparison with a parameter set to
``null`` never holds (no backstop ends nothing).

The properties of ``properties.yaml`` are *formulas*: conditions that may also use ``$not: C``,
``$implies: [A, B]`` (``B`` whenever ``A``) and ``$iff: [A, B]`` (both or neither). Rules do not: a
rule says when it holds, and the backends evaluate rules only.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["eq", "neq", "lt", "lte", "gt", "gte"]


@dataclass(frozen=True)
class Comparison:
    """One comparison operator, as every evaluator of conditions spells it.

    ``holds`` compares two rule values (and, for the prover, builds a solver formula of two terms);
    ``key`` is the rule files' and durable_rules' operator (``None``: equality is ``{field: value}``);
    ``ufunc`` the name of the numpy function of the vectorised backend; ``symbol`` what people read.
    """

    op: Op
    holds: Callable[[Any, Any], Any]
    key: str | None
    ufunc: str
    symbol: str


COMPARISONS: Mapping[Op, Comparison] = {
    c.op: c
    for c in (
        Comparison("eq", operator.eq, None, "equal", "=="),
        Comparison("neq", operator.ne, "$neq", "not_equal", "!="),
        Comparison("lt", operator.lt, "$lt", "less", "<"),
        Comparison("lte", operator.le, "$lte", "less_equal", "<="),
        Comparison("gt", operator.gt, "$gt", "greater", ">"),
        Comparison("gte", operator.ge, "$gte", "greater_equal", ">="),
    )
}
"""The comparison semantics: the python, vectorised and durable backends, the explainer, the prover
and parameter folding all derive theirs from this table."""
OPERATORS: Mapping[str, Op] = {c.key: c.op for c in COMPARISONS.values() if c.key is not None}
"""Comparison operators of the rule files (equality is written ``{field: value}``)."""
COMBINATORS = ("$and", "$or")
FORMULA_COMBINATORS = ("$not", "$implies", "$iff")
"""The connectives that only properties use."""
SYMBOL: Mapping[Op, str] = {c.op: c.symbol for c in COMPARISONS.values()}

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


@dataclass(frozen=True)
class Not:
    """The negation of a part (formulas only: ``$not``, and ``$implies``/``$iff`` written with it)."""

    part: Condition
    path: str


Condition = Compare | AllOf | AnyOf | Always | Not


class ConditionSyntaxError(ValueError):
    """A malformed condition; ``path`` names the key (``when.$and[0].$gtee``)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def parse_condition(data: object, path: str = "when", *, formula: bool = False) -> Condition:
    """Parse a condition written in the rule files' subset of durable_rules' JSON format.

    With ``formula``, the connectives of properties (``$not``, ``$implies``, ``$iff``) are read too.
    """
    if data is None or data == {}:
        return Always(True, path)
    if not isinstance(data, Mapping):
        raise ConditionSyntaxError(f"a condition is a mapping, got {data!r}", path)
    if len(data) > 1:
        # Several keys in one mapping mean all of them, as in durable_rules.
        parts = tuple(
            parse_condition({k: v}, f"{path}.{k}", formula=formula) for k, v in data.items()
        )
        return AllOf(parts, path)
    ((key, value),) = data.items()
    if not isinstance(key, str):
        raise ConditionSyntaxError(f"a condition key is a name, got {key!r}", path)
    if key in COMBINATORS:
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(
                f"{key} takes a non-empty list of conditions", f"{path}.{key}"
            )
        parts = tuple(
            parse_condition(item, f"{path}.{key}[{i}]", formula=formula)
            for i, item in enumerate(value)
        )
        return AllOf(parts, path) if key == "$and" else AnyOf(parts, path)
    if key in FORMULA_COMBINATORS:
        if not formula:
            raise ConditionSyntaxError(
                f"{key} is for properties (properties.yaml); a rule states when it holds with"
                f" {', '.join(COMBINATORS)} and comparisons",
                f"{path}.{key}",
            )
        return _connective(key, value, f"{path}.{key}")
    if key.startswith("$"):
        op = OPERATORS.get(key)
        if op is None:
            known = ", ".join([*OPERATORS, *COMBINATORS, *(FORMULA_COMBINATORS if formula else ())])
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


def _connective(key: str, value: object, path: str) -> Condition:
    if key == "$not":
        if not isinstance(value, Mapping) or not value:
            raise ConditionSyntaxError("$not takes one condition (a mapping)", path)
        return Not(parse_condition(value, path, formula=True), path)
    if not isinstance(value, list) or len(value) != 2:
        raise ConditionSyntaxError(f"{key} takes a list of two conditions [A, B]", path)
    a, b = (parse_condition(item, f"{path}[{i}]", formula=True) for i, item in enumerate(value))
    if key == "$implies":
        return AnyOf((Not(a, a.path), b), path)
    # $iff: both or neither.
    return AnyOf((AllOf((a, b), path), AllOf((Not(a, a.path), Not(b, b.path)), path)), path)


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
    elif isinstance(condition, Not):
        yield from comparisons(condition.part)


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
    if isinstance(condition, Not):
        part = simplify(condition.part)
        if isinstance(part, Always):
            return Always(not part.value, condition.path)
        if isinstance(part, Not):
            return part.part
        return Not(part, condition.path)
    return condition


OPERATIONS: Mapping[Op, Callable[[Any, Any], Any]] = {c.op: c.holds for c in COMPARISONS.values()}
"""Each operator as a function: of two rule values it gives a bool, of two solver terms a formula."""


def compare_values(op: Op, left: object, right: object) -> bool:
    """``left op right`` for rule values of one type (checked when the rules load)."""
    return bool(OPERATIONS[op](left, right))


def evaluate(condition: Condition, value_of: Callable[[str], object]) -> bool:
    """Evaluate a folded condition (only facts left) against ``value_of(field)``."""
    if isinstance(condition, Always):
        return condition.value
    if isinstance(condition, Compare):
        return compare_values(condition.op, value_of(condition.field), condition.value)
    if isinstance(condition, Not):
        return not evaluate(condition.part, value_of)
    if isinstance(condition, AllOf):
        return all(evaluate(p, value_of) for p in condition.parts)
    return any(evaluate(p, value_of) for p in condition.parts)


def evaluate_present(condition: Condition, row: Mapping[str, object]) -> bool:
    """Evaluate a folded formula on ``row``; a comparison of a fact absent from ``row`` never holds.

    A property may test the fields of any action: on a row that decides another action, or no
    action, those comparisons fail (``$not`` of one holds).
    """
    if isinstance(condition, Compare):
        if condition.field not in row:
            return False
        return compare_values(condition.op, row[condition.field], condition.value)
    if isinstance(condition, Not):
        return not evaluate_present(condition.part, row)
    if isinstance(condition, AllOf):
        return all(evaluate_present(p, row) for p in condition.parts)
    if isinstance(condition, AnyOf):
        return any(evaluate_present(p, row) for p in condition.parts)
    return condition.value


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
    if isinstance(condition, Not):
        inner_part = condition.part
        shown_part = render(inner_part)
        return f"not {shown_part}" if isinstance(inner_part, Compare) else f"not ({shown_part})"
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
