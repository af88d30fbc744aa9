"""Bad input, fuzzed: corrupted scenario files and events never crash the CLI or the library.

Corruptions start from valid generated scenarios: wrong types, missing keys, bad dates, unknown
values, shuffled events, non-UTF-8 bytes, deep nesting, huge numbers, broken YAML. The CLI must exit
0 or 2 with exactly one ``error:`` line and no traceback; the library must raise only the engine's
own exceptions; a contract given a bad event is unchanged.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.events import event_to_json
from agi_terms.testing import event_sequences, events, scenarios
from conftest import CI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
CLI_EXAMPLES = 40 if CI else 10
LIBRARY_EXAMPLES_PER_CORRUPTION = 100 if CI else 20

Path_ = tuple[int | str, ...]
WRONG_VALUES = [42, -1, 0, 3.5, True, False, None, "text", "", [], {}, [1, 2], {"x": 1}]
BAD_DATES = [
    "2025-02-30",
    "2025-13-01",
    "20250101",
    "2025-1-1",
    "tomorrow",
    "2026-01-01T00:00:00",
    "",
    "0001-01-01",
    "9999-12-31",
    "2025-10-27",
]
UNKNOWN_VALUES = ["quantum", "agi_undeclared", "AZURE", "1999-01", "post_2099", "api ", "Medium"]
HUGE_NUMBERS = [10**20, 10**400, -(10**400), 1e308, -1e308, 5e-324, 2**63, -(2**63)]
BAD_BYTES = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80abc", b"\x00"]
YAML_NOISE = [
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "\t",
    "&a ",
    "*b ",
    "!!python/object:os.system ",
    "? ",
    "%",
]
DEEP = "@@DEEP@@"
DEPTHS = [1, 62, 63, 64, 1000, 5000]  # an event nested up to the reading limit, at it and far past


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path to a value inside ``node`` (mapping keys and list indices)."""
    found: list[Path_] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((*prefix, index))
            found.extend(paths(value, (*prefix, index)))
    return found


def _get(node: Any, path: Path_) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: Any, path: Path_, value: object) -> None:
    _get(node, path[:-1])[path[-1]] = value


def _is_date(value: object) -> bool:
    return isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"


CORRUPTIONS = (
    "wrong_type",
    "missing_key",
    "bad_date",
    "unknown_value",
    "unknown_key",
    "huge_number",
    "deep",
    "shuffle",
    "none",
)


@st.composite
def corrupted_data(draw: st.DrawFn, data: Any, how: str) -> tuple[Any, str]:
    """``data`` (scenario or event) with the corruption ``how``; returns it and what was done."""
    every = paths(data)
    if how == "shuffle" and isinstance(data, dict) and isinstance(data.get("events"), list):
        data["events"] = draw(st.permutations(data["events"]))
        return data, how
    if how == "missing_key":
        keyed = [p for p in every if isinstance(p[-1], str)]
        if keyed:
            path = draw(st.sampled_from(keyed))
            del _get(data, path[:-1])[path[-1]]
            return data, how
    if how == "unknown_key":
        holders = [p for p in every if isinstance(_get(data, p), dict)]
        target = _get(data, draw(st.sampled_from(holders))) if holders else data
        if isinstance(target, dict):
            target[draw(st.sampled_from(["colour", "on", "Date", "type_"]))] = "blue"
            return data, how
    if how == "bad_date":
        dated = [p for p in every if _is_date(_get(data, p))]
        if dated:
            _set(data, draw(st.sampled_from(dated)), draw(st.sampled_from(BAD_DATES)))
            return data, how
    if how == "unknown_value":
        strings = [p for p in every if isinstance(_get(data, p), str)]
        if strings:
            _set(data, draw(st.sampled_from(strings)), draw(st.sampled_from(UNKNOWN_VALUES)))
            return data, how
    if every and how in ("wrong_type", "huge_number", "deep", "unknown_value", "bad_date"):
        path = draw(st.sampled_from(every))
        if how == "huge_number":
            value: object = draw(st.sampled_from(HUGE_NUMBERS))
        elif how == "deep":
            value = DEEP
        else:
            value = draw(st.sampled_from(WRONG_VALUES))
        _set(data, path, value)
        return data, how
    return data, "none"


def render(data: Any, block_yaml: bool, depth: int) -> str:
    """Scenario data as file text: JSON (YAML 1.2 reads it) or block YAML; ``DEEP`` becomes nesting."""
    if block_yaml:
        out = io.StringIO()
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        yaml.dump(data, out)
        text = out.getvalue()
    else:
        text = json.dumps(data)
    return text.replace(json.dumps(DEEP), "[" * depth + "]" * depth).replace(
        DEEP, "[" * depth + "]" * depth
    )


@st.composite
def corrupted_files(draw: st.DrawFn, how: str | None = None) -> bytes:
    """The bytes of a scenario file derived from a valid one, most likely broken somehow."""
    how = how or draw(st.sampled_from(CORRUPTIONS))
    data, _ = draw(corrupted_data(draw(scenarios()), how))
    text = render(data, draw(st.booleans()), draw(st.sampled_from([2, 300, 400])))
    raw = text.encode("utf-8")
    damage = draw(st.sampled_from(["none", "bytes", "truncate", "noise", "duplicate", "empty"]))
    at = draw(st.integers(min_value=0, max_value=len(raw)))
    if damage == "bytes":
        raw = raw[:at] + draw(st.sampled_from(BAD_BYTES)) + raw[at:]
    elif damage == "truncate":
        raw = raw[:at]
    elif damage == "noise":
        raw = raw[:at] + draw(st.sampled_from(YAML_NOISE)).encode() + raw[at:]
    elif damage == "duplicate":
        raw = raw + b"\nevents: []\n" if not text.startswith("{") else raw
    elif damage == "empty":
        raw = draw(st.sampled_from([b"", b"\n", b"null", b"[]", b"42", b"---\n---\n", b"events"]))
    return raw


def _simulate_file(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_bytes(raw)
        scenario = agi_terms.load_scenario(path)
        agi_terms.simulate(scenario, backend="python")


@pytest.mark.parametrize("how", CORRUPTIONS)
@settings(
    max_examples=LIBRARY_EXAMPLES_PER_CORRUPTION,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_library_raises_only_its_own_errors_on_bad_files(how: str, data: st.DataObject) -> None:
    raw = data.draw(corrupted_files(how), label="file")
    error: agi_terms.AgiTermsError | None = None
    try:
        _simulate_file(raw)
    except agi_terms.AgiTermsError as exc:
        error = exc
    if error is not None:
        assert error.message
        assert "\n" not in error.one_line()


@settings(max_examples=CLI_EXAMPLES, suppress_health_check=list(HealthCheck))
@given(raw=corrupted_files())
def test_the_cli_exits_0_or_2_with_one_error_line(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_bytes(raw)
        proc = subprocess.run(
            [sys.executable, "-m", "agi_terms", "simulate", str(path), "--format", "json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 2), proc.stderr
    if proc.returncode == 2:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith("error: "), proc.stderr
        assert proc.stdout == ""
    else:
        assert set(json.loads(proc.stdout)) == {
            "agreement",
            "parameters",
            "steps",
            "checkpoints",
            "sources",
        }


_agreement = agi_terms.load_agreement("2025-10", backend="python")


@given(
    sequence=event_sequences(max_size=12),
    event=events(),
    corruption=st.data(),
)
def test_a_contract_given_a_bad_event_is_unchanged(
    sequence: list[agi_terms.Event], event: agi_terms.Event, corruption: st.DataObject
) -> None:
    contract = _agreement.start().apply_all(sequence)
    before = json.dumps(contract.to_json())
    data, how = corruption.draw(
        st.sampled_from(CORRUPTIONS).flatmap(lambda how: corrupted_data(event_to_json(event), how))
    )
    if how == "deep":
        nested: object = []
        for _ in range(corruption.draw(st.sampled_from(DEPTHS))):
            nested = [nested]
        data = {**data, "name": nested} if isinstance(data, dict) else nested
    try:
        after = contract.apply(data)
    except agi_terms.AgiTermsError:
        assert json.dumps(contract.to_json()) == before
    else:
        # Still a valid event (or one the corruption left valid): applied to a new contract.
        assert after is not contract
        assert json.dumps(contract.to_json()) == before


# ---------------------------------------------------------------- what the fuzzing found, pinned


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("where", ["event", "field"])
def test_an_event_nested_deep_is_one_input_error_with_its_place(depth: int, where: str) -> None:
    """Past the reading limit's depth an event is refused by its place, however deep (no
    ``RecursionError`` from validating or printing it); within it, the usual field errors."""
    nested: object = []
    for _ in range(depth):
        nested = [nested]
    event = {"date": "2026-01-01", "type": "azure_purchase", "amount_usd": 1.0}
    data = nested if where == "event" else {**event, "name": nested}
    contract = _agreement.start()
    limit = agi_terms.InputLimits().max_depth
    for apply in (contract.apply, lambda d: contract.apply_all([d])):
        with pytest.raises(agi_terms.InputError) as caught:
            apply(data)
        error = caught.value
        prefix = () if apply == contract.apply else (0,)
        own = (*prefix, "name") if where == "field" else prefix
        too_deep = depth + 1 + len(own) - len(prefix) > limit
        assert isinstance(error, agi_terms.InputLimitError) is too_deep, error.one_line()
        if too_deep:
            assert error.path[: len(own)] == own
            assert len(error.path) - len(prefix) == limit
            assert len(error.one_line()) < 2000
        else:
            assert error.path == own


@pytest.mark.parametrize(
    "text",
    [
        "events: [{date: 2026-01-01, type: azure_purchase, amount_usd: " + "9" * 400 + "}]",
        "parameters: {compute_threshold_flop: " + "9" * 400 + "}\nevents: []",
        "events: [{date: 2026-01-01, type: azure_purchase, amount_usd: " + "9" * 5000 + "}]",
        "events: " + "[" * 1000 + "]" * 1000,
        "events: []\nname: " + "{a: " * 400 + "1" + "}" * 400,
    ],
    ids=[
        "huge-int-amount",
        "huge-int-parameter",
        "int-beyond-4300-digits",
        "deep-list",
        "deep-map",
    ],
)
def test_huge_numbers_deep_nesting_and_complex_keys_are_input_errors(text: str) -> None:
    with pytest.raises(agi_terms.InputError):
        agi_terms.simulate(agi_terms.parse_scenario(text), backend="python")


def test_a_json_scenario_with_a_character_beyond_the_bmp_reads() -> None:
    """JSON writers escape such characters as surrogate pairs, which libyaml refuses."""
    text = json.dumps({"name": "Launch \U0001f680", "events": []})
    assert "\\ud83d\\ude80" in text
    assert agi_terms.parse_scenario(text).name == "Launch \U0001f680"


def test_half_a_surrogate_pair_is_an_input_error() -> None:
    with pytest.raises(agi_terms.InputError, match="surrogate"):
        agi_terms.parse_scenario('{"name": "\\ud83d alone", "events": []}')


def test_a_backstop_on_the_last_day_of_the_calendar_is_accepted() -> None:
    """Its gate (the day after) would be year 10000: no gate, and the term runs on."""
    text = '{"parameters": {"api_exclusivity_backstop": "9999-12-31"}, "events": [],'
    text += ' "checkpoints": ["2036-12-31"]}'
    result = agi_terms.simulate(agi_terms.parse_scenario(text), backend="python")
    assert result.checkpoints[0].terms["azure_api_exclusivity"] is True
