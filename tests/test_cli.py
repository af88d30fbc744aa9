"""The ``agi-terms simulate`` command: outputs, what-ifs, and one clear line for every kind of bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from agi_terms.interfaces.main import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "simulations" / "scenarios"
RULES = ROOT / "rules" / "2025-10"

GOOD = """\
name: ok
events:
  - {date: 2029-03-01, type: agi_declared}
  - {date: 2029-09-01, type: panel_verified}
checkpoints: [2031-01-01]
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str | bytes, name: str = "scenario.yaml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def test_json_output_has_the_documented_keys(tmp_path: Path) -> None:
    code, out, err = run("simulate", write(tmp_path, GOOD), "--format", "json")
    assert code == 0
    assert err == ""
    data = json.loads(out)
    assert list(data) == ["agreement", "parameters", "steps", "checkpoints", "sources"]
    assert data["sources"] == {}  # lifecycle steps decide nothing, so they cite nothing
    assert list(data["steps"][0]) == ["date", "type", "phase", "decision", "changes"]
    assert data["steps"][1]["phase"] == "post_agi"
    assert list(data["checkpoints"][0]) == ["date", "phase", "terms"]
    assert data["parameters"]["api_exclusivity_backstop"] == "2032-12-31"


@pytest.mark.parametrize(
    ("option", "name", "expected"),
    [
        ("api_exclusivity_backstop=null", "api_exclusivity_backstop", None),
        ("compute_threshold_flop=1e28", "compute_threshold_flop", 1e28),  # YAML 1.2 number
    ],
)
def test_set_overrides_a_parameter(
    tmp_path: Path, option: str, name: str, expected: object
) -> None:
    code, out, _ = run("simulate", write(tmp_path, GOOD), "--format", "json", "--set", option)
    assert code == 0
    assert json.loads(out)["parameters"][name] == expected


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_people_formats_show_the_timeline_and_checkpoints(tmp_path: Path, fmt: str) -> None:
    code, out, _ = run("simulate", write(tmp_path, GOOD), "--format", fmt)
    assert code == 0
    for text in ("panel_verified", "post_agi", "ms_research_ip", "2031-01-01"):
        assert text in out


def test_both_backends_print_the_same_json(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    outs = [
        run("simulate", path, "--format", "json", "--backend", b)[1] for b in ("durable", "python")
    ]
    assert outs[0] == outs[1]


BAD_INPUTS = [
    # (what, scenario text, expected place, words in the message)
    ("broken YAML", "events: [ {date: 2029-03-01\n", "line 2, column 1", "YAML syntax"),
    (
        "unknown event type",
        "events:\n  - {date: 2029-03-01, type: agi_announced}\n",
        "events[0].type",
        "unknown event type 'agi_announced'",
    ),
    (
        "unknown field",
        "events:\n  - {date: 2029-03-01, type: agi_declared, by: board}\n",
        "events[0].by",
        "unknown field",
    ),
    (
        "bad enum value",
        "events:\n  - {date: 2029-03-01, type: product_launch, kind: api, cloud: moon}\n",
        "events[0].cloud",
        "got 'moon'",
    ),
    (
        "bad date",
        "events:\n  - {date: 2029-02-30, type: agi_declared}\n",
        "events[0].date",
        "not a calendar date",
    ),
    (
        "events out of order",
        "events:\n  - {date: 2029-03-01, type: agi_declared}\n"
        "  - {date: 2029-02-01, type: panel_verified}\n",
        "events[1].date",
        "chronological order",
    ),
    (
        "panel_verified with no declaration",
        "events:\n  - {date: 2029-03-01, type: panel_verified}\n",
        "events[0].type",
        "no declaration is pending",
    ),
    (
        "unknown version",
        'agreement: "2031-01"\nevents: []\n',
        "agreement",
        "unknown agreement version '2031-01'",
    ),
    (
        "unknown parameter",
        "parameters: {api_backstop: null}\nevents: []\n",
        "parameters.api_backstop",
        "unknown parameter 'api_backstop'",
    ),
    ("missing events", "name: nothing\n", "events", "required field is missing"),
    ("not a mapping", "- 1\n- 2\n", "line 1, column 1", "a scenario is a mapping"),
    ("empty file", "", "line 1, column 1", "a scenario is a mapping"),
    ("event not a mapping", "events: [[1, 2]]\n", "events[0]", "an event is a mapping"),
    (
        "event before the start",
        "events:\n  - {date: 2025-10-27, type: agi_declared}\n",
        "events[0].date",
        "before the agreement's start date",
    ),
    (
        "bad checkpoint",
        "events: []\ncheckpoints: [2030-13-01]\n",
        "checkpoints[0]",
        "calendar date",
    ),
    (
        "wrong type",
        "events:\n  - {date: 2029-03-01, type: ms_agi_training, uses_openai_ip: yes, training_flop: 1}\n",
        "events[0].uses_openai_ip",
        "valid boolean",
    ),
    (
        "duplicate key",
        "events: []\nevents: []\n",
        "line 2, column 1",
        "duplicate key",
    ),
]


@pytest.mark.parametrize(
    ("what", "text", "place", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_exits_2_with_one_line_naming_the_place(
    tmp_path: Path, what: str, text: str, place: str, words: str
) -> None:
    path = write(tmp_path, text)
    code, out, err = run("simulate", path)
    assert code == 2, what
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    prefix = f"error: {path}: {place}: " if place else f"error: {path}: "
    assert lines[0].startswith(prefix), lines[0]
    assert words in lines[0]


def test_a_rule_file_without_a_source_exits_2(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    terms = rules / "terms.yaml"
    text = terms.read_text()
    cited = "        when: {$lte: {day: 2030-12-31}}\n        source: N6\n"
    assert cited in text
    terms.write_text(text.replace(cited, "        when: {$lte: {day: 2030-12-31}}\n"))
    code, _, err = run("simulate", write(tmp_path, GOOD), "--rules", str(rules))
    assert code == 2
    assert err.startswith(f"error: {terms}: rule research_ip_through_2030, key ")
    assert "source" in err
    assert "required key is missing" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("option", "words"),
    [
        ("agi_trigger=maybe", "agi_trigger is one of verified, declared"),
        ("no_equals", "NAME=VALUE"),
    ],
)
def test_a_bad_set_option_exits_2(tmp_path: Path, option: str, words: str) -> None:
    code, _, err = run("simulate", write(tmp_path, GOOD), "--set", option)
    assert code == 2
    assert words in err
    assert len(err.splitlines()) == 1


def test_unreadable_and_non_utf8_files_exit_2(tmp_path: Path) -> None:
    code, _, err = run("simulate", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "cannot read the file" in err
    code, _, err = run("simulate", write(tmp_path, b"events: []\n# \xff\xfe\n"))
    assert code == 2
    assert "not UTF-8" in err
    assert "line 2" in err


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    bad = write(tmp_path, "events:\n  - {date: 2029-03-01, type: panel_rejected}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "agi_terms", "simulate", bad],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert (
        proc.stderr.strip()
        == f"error: {bad}: events[0].type: panel_rejected: no declaration is pending"
        " (line 2, column 30)"
    )


def test_every_shipped_scenario_simulates_from_the_command_line() -> None:
    scenarios = sorted(SCENARIOS.glob("*.yaml"))
    assert len(scenarios) >= 8
    for path in scenarios:
        code, out, err = run("simulate", str(path), "--format", "json")
        assert code == 0, (path.name, err)
        assert json.loads(out)["steps"], path.name


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "Missing argument 'FILE'"),
        (["x.yaml", "--format", "bogus"], "Invalid value for '--format'"),
        (["x.yaml", "--backend", "rete"], "Invalid value for '--backend'"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args: list[str], words: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agi_terms", "simulate", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("error: ")
    assert words in proc.stderr


def test_checkpoint_tables_list_the_terms_of_every_version(tmp_path: Path) -> None:
    story = write(
        tmp_path,
        "events:\n  - {date: 2028-01-01, type: amendment, to: '2025-01'}\n"
        "  - {date: 2028-02-01, type: amendment, to: '2025-10'}\n"
        "checkpoints: [2028-01-01, 2028-02-01]\n",
    )
    for fmt in ("table", "markdown"):
        code, out, _ = run("simulate", story, "--format", fmt)
        assert code == 0
        # 2025-01 has no compute cap and no Azure commitment; 2025-10 has both.
        assert "ms_compute_cap" in out
        assert "azure_commitment" in out
