"""The rule files' condition language: parsing refusals with their place, rendering for people,
simplification and evaluation, each expectation read from the grammar (SPEC's condition subset)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from agi_terms.conditions import (
    ConditionSyntaxError,
    evaluate,
    parse_condition,
    render,
    simplify,
)


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (None, "always"),
        ({}, "always"),
        ({"verified": True}, "verified"),
        ({"verified": False}, "not verified"),
        ({"$lte": {"day": "2030-12-31"}}, "day <= 2030-12-31"),
        ({"$gt": {"flop": 1e27}}, "flop > 1e+27"),
        ({"$neq": {"cloud": None}}, "cloud != null"),
        ({"$gte": {"day": {"param": "backstop"}}}, "day >= param backstop"),
        ({"kind": "api", "cloud": "azure"}, "kind == api and cloud == azure"),
        ({"$or": [{"a": True}, {"$and": [{"b": True}, {"c": 1}]}]}, "a or (b and c == 1)"),
        ({"$not": {"a": True}}, "not a"),
        ({"$not": {"a": True, "b": True}}, "not (a and b)"),
        ({"$implies": [{"a": True}, {"b": True}]}, "(not a) or b"),
    ],
)
def test_a_condition_renders_as_its_formula(data: Any, shown: str) -> None:
    assert render(parse_condition(data, formula=True)) == shown


@pytest.mark.parametrize(
    ("data", "place", "words"),
    [
        ([1], "when", "a condition is a mapping"),
        ({1: True}, "when", "a condition key is a name"),
        ({"$and": []}, "when.$and", "non-empty list"),
        ({"$or": {"a": 1}}, "when.$or", "non-empty list"),
        ({"$not": {"a": True}}, "when.$not", "is for properties"),
        ({"$like": {"a": 1}}, "when.$like", "unknown operator"),
        ({"$lt": {"a": 1, "b": 2}}, "when.$lt", "takes one {field: value}"),
        ({"$lt": 3}, "when.$lt", "takes one {field: value}"),
        ({"$lt": {"not a name": 1}}, "when.$lt", "a field is a name"),
        ({"a": {"param": 3}}, "when.a", "a constant or {param: NAME}"),
        ({"a": {"param": "x", "also": 1}}, "when.a", "a constant or {param: NAME}"),
        ({"a": [1]}, "when.a", "a constant or {param: NAME}"),
        ({"a": "2025-02-30"}, "when.a", "not a calendar date"),
    ],
)
def test_a_bad_condition_is_refused_at_its_place(data: Any, place: str, words: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(data)
    assert caught.value.path == place
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"$not": []}, "$not takes one condition"),
        ({"$not": {}}, "$not takes one condition"),
        ({"$implies": [{"a": True}]}, "a list of two conditions"),
        ({"$iff": {"a": True}}, "a list of two conditions"),
    ],
)
def test_a_bad_connective_of_a_property_is_refused(data: Any, words: str) -> None:
    with pytest.raises(ConditionSyntaxError, match=words.replace("$", r"\$")):
        parse_condition(data, formula=True)


def test_an_unknown_operator_lists_the_formula_connectives_only_for_properties() -> None:
    for formula in (False, True):
        with pytest.raises(ConditionSyntaxError) as caught:
            parse_condition({"$like": {"a": 1}}, formula=formula)
        assert ("$implies" in str(caught.value)) is formula


def test_dates_are_read_as_dates_and_other_strings_stay_strings() -> None:
    assert parse_condition({"day": "2030-01-02"}) == parse_condition({"day": dt.date(2030, 1, 2)})
    assert render(parse_condition({"name": "2030-01"})) == "name == 2030-01"


@pytest.mark.parametrize("op", ["eq", "neq", "lt", "lte", "gt", "gte"])
def test_every_operator_compares_as_its_symbol_says(op: str) -> None:
    key = {"eq": "$eq", "neq": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}[op]
    data = {key: {"x": 2}} if op != "eq" else {"x": 2}
    expected = {
        "eq": [False, True, False],
        "neq": [True, False, True],
        "lt": [True, False, False],
        "lte": [True, True, False],
        "gt": [False, False, True],
        "gte": [False, True, True],
    }[op]
    condition = parse_condition(data)
    assert [evaluate(condition, lambda _field, v=v: v) for v in (1, 2, 3)] == expected


@pytest.mark.parametrize(("a", "b"), list(itertools.product([False, True], repeat=2)))
def test_connectives_evaluate_as_their_truth_tables(a: bool, b: bool) -> None:
    facts = {"a": a, "b": b}

    def value_of(field: str) -> object:
        return facts[field]

    def holds(data: Any) -> bool:
        return evaluate(parse_condition(data, formula=True), value_of)

    assert holds({"$and": [{"a": True}, {"b": True}]}) is (a and b)
    assert holds({"$or": [{"a": True}, {"b": True}]}) is (a or b)
    assert holds({"$not": {"a": True}}) is (not a)
    assert holds({"$implies": [{"a": True}, {"b": True}]}) is ((not a) or b)
    assert holds({"$iff": [{"a": True}, {"b": True}]}) is (a == b)


def test_simplify_drops_decided_parts() -> None:
    a = parse_condition({"a": True})
    assert render(simplify(parse_condition({"$and": [{"a": True}, {}]}))) == "a"
    assert render(simplify(parse_condition({"$or": [{"a": True}, {}]}))) == "always"
    assert render(simplify(parse_condition({"$and": [{}, {}]}))) == "always"
    assert render(simplify(parse_condition({"$not": {"$not": {"a": True}}}, formula=True))) == "a"
    assert render(simplify(parse_condition({"$not": {"$or": [{}, {"a": 1}]}}, formula=True))) == (
        "never"
    )
    assert simplify(a) == a


@pytest.mark.parametrize(
    ("op", "days"),
    [
        ("$lt", {100}),  # true before day 100, false from it
        ("$gte", {100}),
        ("$lte", {101}),  # true through day 100, false from the day after
        ("$gt", {101}),
        ("$eq", {100, 101}),  # true on day 100 only: changes on it and the day after
        ("$neq", {100, 101}),
    ],
)
def test_a_comparison_of_the_day_changes_on_the_days_its_operator_says(
    op: str, days: set[int]
) -> None:
    from agi_terms.rulebook.program import change_days

    data = {op: {"day": 100}} if op != "$eq" else {"day": 100}
    assert change_days(parse_condition({"$and": [data, {"verified": True}]})) == days
    assert (
        change_days(parse_condition({op: {"other": 100}} if op != "$eq" else {"other": 1})) == set()
    )
    assert change_days(parse_condition({"day": "2030-01-01"})) == set()  # a date not yet folded
