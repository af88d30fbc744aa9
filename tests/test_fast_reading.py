"""The fast paths of reading and writing documents give what the full ones give.

A YAML document is first read in one pass over libyaml's events (``_read_plain``); what that pass
leaves goes to the full reader (ruamel's loader after the limits). Both must agree on every value,
its type included, and on every refusal. ``json_text`` must print the bytes of
``json.dumps(indent=2)``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy  # noqa: F401  # loaded, so that json_text lays out text from _JSON_LAYOUT_FROM on
import pytest
from agi_terms import documents
from agi_terms.documents import DEFAULT_LIMITS, InputLimits, json_text, parse_yaml
from agi_terms.errors import InputError
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def full(text: str, limits: InputLimits = DEFAULT_LIMITS) -> Any:
    """The data of the full reader, or its error as (class, message, line, column)."""
    try:
        return documents._read_full(text, "<t>", limits).data
    except InputError as exc:
        return (type(exc), exc.message, exc.line, exc.column)


def read(text: str, limits: InputLimits = DEFAULT_LIMITS) -> Any:
    """The data of ``parse_yaml`` (the fast pass first), or its error as ``full`` gives it."""
    try:
        return parse_yaml(text, "<t>", limits).data
    except InputError as exc:
        return (type(exc), exc.message, exc.line, exc.column)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (``1`` is not ``1.0`` nor ``True``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(
            same(x, y) and same(a[x], b[y]) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if not isinstance(a, str | int | float | type(None)):  # ruamel's TaggedScalar for "="
        return repr(a) == repr(b)
    return bool(a == b)


PLAIN_SCALARS = [
    # YAML 1.2: only true/false (three spellings) are booleans; no/on/yes/off/y/n are strings
    "no", "No", "NO", "on", "On", "off", "yes", "Yes", "y", "n", "true", "True", "TRUE",
    "false", "False", "FALSE", "tRUE",
    # null
    "~", "null", "Null", "NULL", "nUll", "",
    # integers: 1.2 has no sexagesimals nor 0-prefixed octals (017 is seventeen)
    "0", "-0", "+5", "017", "0o17", "0x1F", "0b101", "1_000", "190:20:30", "-1_2", "0xG",
    # floats
    "1.5", "1.", ".5", "-.5", "1e3", "5e27", "5E+27", "1.5e-3", ".inf", "-.Inf", "+.INF",
    ".nan", ".NaN", "1_0.5", "1e", "e3", "12e03",
    # dates and times stay text: the engine reads them itself
    "2029-03-01", "2029-3-1", "2029-02-30", "2029-03-01T10:00:00Z", "2029-03-01 10:00:00",
    # text
    "a b", "= x", "<< x", "x:y", "é", "🚀", "1,2", "null x", "true false",
]  # fmt: skip


@pytest.mark.parametrize("scalar", PLAIN_SCALARS)
def test_a_plain_scalar_reads_as_the_full_reader_reads_it(scalar: str) -> None:
    for text in (f"value: {scalar}\n", f"- {scalar}\n", f"[{scalar}]\n", f"{{k: {scalar}}}\n"):
        if scalar == "" and text.startswith("["):
            continue  # "[]": an empty list, no scalar
        expected = full(text)
        assert same(read(text), expected), (text, read(text), expected)
    assert documents._read_plain(f"value: {scalar}\n", DEFAULT_LIMITS) is not documents._NOT_PLAIN


def test_yaml_1_2_words_are_strings_and_numbers_numbers() -> None:
    data = read("a: no\nb: on\nc: yes\nd: 017\ne: 5e27\nf: 2029-03-01\ng: ~\nh: 0o17\n")
    assert data == {
        "a": "no", "b": "on", "c": "yes", "d": 17, "e": 5e27, "f": "2029-03-01", "g": None,
        "h": 15,
    }  # fmt: skip
    assert type(data["e"]) is float
    assert documents._read_plain("a: no\n", DEFAULT_LIMITS) == {"a": "no"}


TRICKY_DOCUMENTS = [
    "'quoted': \"123\"\nsingle: '1.5'\nempty: ''\n",
    "block: |\n  line one\n  line two\nfolded: >-\n  a\n  b\n",
    "multi: plain text\n  over lines\n",
    "1: one\n2.5: two\n~: none\ntrue: yes\n",
    "'<<': not a merge\n'': empty key\n",
    "---\na: 1\n...\n",
    "# only a comment\na: [1, {b: [], c: {}}, [[]]]\n",
    "[a, [b, [c, [d]]]]\n",
    "events:\n  - {date: 2029-03-01, type: agi_declared}\n  - date: 2029-09-01\n    type: x\n",
    "- \"\\u00e9\\t\\\"\"\n- 'it''s'\n",
    "plain\n",
    "42\n",
    "a: 1 # comment\nb: 2\n",
    "a:\n  - b:\n      c: [1, 2]\n",
    "? a\n: 1\n",
    "{a: 1, b: [x, y], c: {d: e}}\n",
    'key with spaces: v\n"quoted key": v\n',
    "a: =\n",  # the "value" tag of YAML 1.1 resolvers
    "a: !!str 5\n",
    "a: ! 5\n",
    "a: &x [1]\nb: *x\n",
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
    "a: 1\na: 2\n",
    "1: a\n1.0: b\n",
    "true: a\n1: b\n",
    "? [a, b]\n: c\n",
    "? {a: 1}\n: c\n",
    "%YAML 1.2\n---\na: on\n",
    "%YAML 1.1\n---\na: on\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "a: 1\n---\nb: 2\n",
    "",
    "# nothing\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "\ta: 1\n",
    'a: "\\ud83d\\ude80"\n',
    'a: "\\ud83d"\n',
    "a: " + "9" * 5000 + "\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!python/object:os.system x\n",
    "a: +_\n",
]


@pytest.mark.parametrize("text", TRICKY_DOCUMENTS)
def test_a_document_reads_or_fails_as_the_full_reader_has_it(text: str) -> None:
    expected = full(text)
    assert same(read(text), expected), (read(text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1]\nb: *x\n",
        "a: !!str 5\n",
        "a: 1\na: 2\n",
        "%YAML 1.1\n---\na: on\n",
        "a: 1\n---\nb: 2\n",
        "a: [1, 2\n",
        "? [a, b]\n: c\n",
        "",
        "a: " + "9" * 5000 + "\n",
    ],
)
def test_the_fast_pass_leaves_what_it_does_not_read_to_the_full_reader(text: str) -> None:
    assert documents._read_plain(text, DEFAULT_LIMITS) is documents._NOT_PLAIN


def test_nesting_past_the_limit_is_refused_with_its_place_by_either_path() -> None:
    limits = InputLimits(max_depth=3)
    text = "a:\n  b:\n    c:\n      d: 1\n"
    assert documents._read_plain(text, limits) is documents._NOT_PLAIN
    refusal = read(text, limits)
    assert refusal == full(text, limits)
    assert "nested more than 3 levels deep" in refusal[1]
    assert refusal[2:] == (4, 7)
    assert read("a:\n  b:\n    c: 1\n", limits) == {"a": {"b": {"c": 1}}}


def test_an_error_found_after_the_fast_pass_is_placed_in_the_text() -> None:
    from agi_terms.analysis.scenario import parse_scenario

    text = (
        "events:\n  - {date: 2029-03-01, type: agi_declared}\n  - {date: 2029-04-01, type: nope}\n"
    )
    assert documents._read_plain(text, DEFAULT_LIMITS) is not documents._NOT_PLAIN
    with pytest.raises(InputError) as caught:
        parse_scenario(text)
    assert (caught.value.line, caught.value.column) == (3, 30)
    assert "unknown event type 'nope'" in caught.value.message


def test_every_shipped_yaml_file_reads_the_same_either_way() -> None:
    files = [
        *sorted((ROOT / "rules").rglob("*.yaml")),
        *sorted((ROOT / "simulations").rglob("*.yaml")),
    ]
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = documents._read_plain(text, DEFAULT_LIMITS)
        assert fast is not documents._NOT_PLAIN, path
        assert same(fast, full(text)), path


_WORDS = st.sampled_from(
    [*PLAIN_SCALARS[:60], "'no'", '"on"', "'017'", '"a\\"b"', "x y", "-", "- a", "[]", "{}"]
)


@st.composite
def yaml_texts(draw: st.DrawFn, depth: int = 0) -> str:
    """Block and flow YAML built from the tricky scalars, some of it invalid."""
    kind = draw(st.sampled_from(["scalar", "flow_list", "flow_map", "block_map", "block_list"]))
    if depth >= 3 or kind == "scalar":
        return draw(_WORDS)
    if kind == "flow_list":
        items = draw(st.lists(yaml_texts(depth + 2), max_size=4))
        return "[" + ", ".join(i for i in items if "\n" not in i) + "]"
    if kind == "flow_map":
        keys = draw(st.lists(_WORDS, max_size=4))
        values = [draw(yaml_texts(depth + 2)) for _ in keys]
        return (
            "{"
            + ", ".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True) if "\n" not in v)
            + "}"
        )
    indent = "  " * depth
    keys = draw(st.lists(_WORDS, min_size=1, max_size=4))
    lines = []
    for key in keys:
        value = draw(yaml_texts(depth + 1))
        head = f"{indent}- " if kind == "block_list" else f"{indent}{key}: "
        if "\n" in value:
            lines.append(head.rstrip() + "\n" + value)
        else:
            lines.append(head + value)
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(yaml_texts())
def test_generated_yaml_reads_or_fails_the_same_either_way(text: str) -> None:
    expected = full(text + "\n")
    assert same(read(text + "\n"), expected)


# ---------------------------------------------------------------- JSON


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.sampled_from(list('ab,:[]{}"\\\n\t é\u2028🚀\x00')), max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.sampled_from(list('k,[]{}"\\é ')), max_size=4), children, max_size=4
        )
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_json_text_is_json_dumps_with_indent_2(value: Any) -> None:
    expected = json.dumps(value, indent=2)
    assert json_text(value) == expected  # small: json's own
    original = documents._JSON_LAYOUT_FROM
    documents._JSON_LAYOUT_FROM = 0
    try:
        assert json_text(value) == expected  # the layout pass, on the same value
    finally:
        documents._JSON_LAYOUT_FROM = original


@pytest.mark.parametrize(
    "value",
    [[], {}, [[]], [{}], {"a": []}, {"a": {}}, [[], {}, [[{}]]], 5, "a,b", '"[{', "\\", None,
     {1: 2, False: 3, None: 4, 1.5: 5}, {"\\": "\\\\\"", '"': ["]", "}"]}],
)  # fmt: skip
def test_json_text_lays_out_empty_collections_escapes_and_keys_as_json_does(value: Any) -> None:
    original = documents._JSON_LAYOUT_FROM
    documents._JSON_LAYOUT_FROM = 0
    try:
        assert json_text(value) == json.dumps(value, indent=2)
    finally:
        documents._JSON_LAYOUT_FROM = original


def test_json_text_of_a_long_timeline_is_json_dumps_with_indent_2() -> None:
    from agi_terms.analysis.scenario import parse_scenario, simulate
    from agi_terms.operations import simulation_result

    kinds = [
        "{{date: {d}, type: product_launch, kind: api, cloud: aws, partner: 'A, \"B\" [c]'}}",
        "{{date: {d}, type: ms_ip_use, asset: research}}",
        "{{date: {d}, type: azure_purchase, amount_usd: 1.5e9}}",
    ]
    days = [
        f"{y}-{m:02d}-{d:02d}" for y in (2026, 2027) for m in range(1, 13) for d in range(1, 29)
    ]
    events = [kinds[i % 3].format(d=day) for i, day in enumerate(days)]
    text = "events:\n" + "".join(f"  - {e}\n" for e in events) + "checkpoints: [2031-01-01]\n"
    with simulate(parse_scenario(text), backend="python") as result:
        data = simulation_result(result).to_json()
    expected = json.dumps(data, indent=2)
    compact = json.dumps(data, separators=(",", ": "))
    assert len(compact) > 2 * documents._JSON_LAYOUT_FROM  # the layout pass, not json's
    assert json_text(data) == expected
