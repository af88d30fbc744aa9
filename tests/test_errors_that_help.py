"""Errors that say what to do: a misspelled key named with the field it stands for, a tab, replay
errors at their line and column, option errors that name the option, help without arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from agi_terms.interfaces.main import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
VERIFIED = ROOT / "simulations" / "scenarios" / "verified-before-2030.yaml"
ASSUMPTIONS = ROOT / "simulations" / "assumptions" / "default.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def refused(tmp_path: Path, text: str) -> tuple[str, str]:
    path = tmp_path / "story.yaml"
    path.write_text(text)
    code, out, err = run("simulate", str(path))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    return str(path), err.rstrip("\n")


MISSPELT = [
    # (what, the event or scenario, place, message)
    ("a required field misspelt",
     "events:\n  - {date: 2029-03-01, type: product_launch, kind: api, clod: aws}\n",
     "events[0].clod", "unknown field 'clod'; did you mean 'cloud'? (line 2, column 63)"),
    ("on: for date:", "events:\n  - {on: 2029-03-01, type: agi_declared}\n",
     "events[0].on", "unknown field 'on'; did you mean 'date'? (line 2, column 10)"),
    ("an optional field misspelt",
     "events:\n  - {date: 2029-03-01, type: product_launch, kind: api, cloud: aws, partnr: X}\n",
     "events[0].partnr", "unknown field 'partnr'; did you mean 'partner'?"),
    ("a nested field misspelt",
     "events:\n  - {date: 2029-03-01, type: open_weights_release,"
     " capability: {bio_chem: low, cybr: low, self_improvement: low}}\n",
     "events[0].capability.cybr", "unknown field 'cybr'; did you mean 'cyber'?"),
    ("a top-level key misspelt", "event: []\n", "event",
     "unknown field 'event'; did you mean 'events'? (line 1, column 8)"),
    ("an unknown key beside a missing field, nothing alike",
     "events:\n  - {date: 2029-03-01, type: product_launch, kind: api, zzz: aws}\n",
     "events[0].zzz", "unknown field 'zzz' (the required field 'cloud' is missing)"),
    ("an event type misspelt", "events:\n  - {date: 2029-03-01, type: agi_declard}\n",
     "events[0].type", "unknown event type 'agi_declard'; did you mean 'agi_declared'?"),
    ("a parameter misspelt", "parameters: {agi_triger: declared}\nevents: []\n",
     "parameters.agi_triger", "unknown parameter 'agi_triger' for agreement 2025-10; did you"
     " mean 'agi_trigger'?"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "text", "place", "message"), MISSPELT,
                         ids=[m[0] for m in MISSPELT])  # fmt: skip
def test_a_misspelt_key_is_named_with_the_one_it_stands_for(
    tmp_path: Path, what: str, text: str, place: str, message: str
) -> None:
    path, err = refused(tmp_path, text)
    assert err.startswith(f"error: {path}: {place}: {message}"), what


def test_an_assumptions_file_gets_the_same_suggestions(tmp_path: Path) -> None:
    text = (ROOT / "simulations/assumptions/default.yaml").read_text()
    assert "verify_probability:" in text
    path = tmp_path / "beliefs.yaml"
    path.write_text(text.replace("verify_probability:", "verify_probabilty:"))
    result = CliRunner().invoke(main, ["montecarlo", str(path), "--runs", "10"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: panel.verify_probabilty: unknown field"
                                    " 'verify_probabilty'; did you mean 'verify_probability'?")  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["events:\n\t- {date: 2029-03-01, type: agi_declared}\n",
     "events:\n  - date: 2029-03-01\n\ttype: agi_declared\n"],
)  # fmt: skip
def test_a_tab_says_to_indent_with_spaces(tmp_path: Path, text: str) -> None:
    path, err = refused(tmp_path, text)
    line = text.split("\t")[0].count("\n") + 1
    assert err.startswith(f"error: {path}: line {line}, column 1: YAML syntax: a tab character;"
                          " indent with spaces")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "place", "position"),
    [
        ("events:\n  - {date: 2029-03-01, type: agi_declared}\n"
         "  - {date: 2029-02-01, type: panel_verified}\n", "events[1].date", "line 3, column 12"),
        ("name: x\nevents:\n  - {date: 2029-03-01, type: panel_rejected}\n",
         "events[0].type", "line 3, column 30"),
        ("events:\n  - date: 2029-03-01\n    type: agi_declared\n  - date: 2029-04-01\n"
         "    type: agi_declared\n", "events[1].type", "line 5, column 11"),
        ("events:\n  - {date: 2025-10-01, type: ms_ip_use, asset: model}\n", "events[0].date",
         "line 2, column 12"),
    ],
    ids=["order", "lifecycle: no declaration", "lifecycle: a second declaration", "before start"],
)  # fmt: skip
def test_replay_errors_carry_their_line_and_column(
    tmp_path: Path, text: str, place: str, position: str
) -> None:
    path, err = refused(tmp_path, text)
    assert err.startswith(f"error: {path}: {place}: ")
    assert err.endswith(f"({position})")


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["simulate", str(VERIFIED), "--set", "agi_trigger=maybe"],
         "error: --set agi_trigger: agi_trigger is one of verified, declared, got 'maybe'"),
        (["simulate", str(VERIFIED), "--set", "agi_triger=declared"],
         "error: --set agi_triger: unknown parameter 'agi_triger'"),
        (["simulate", str(VERIFIED), "--set", "no_equals"], "error: --set: --set takes NAME=VALUE"),
        (["simulate", str(VERIFIED), "--on", "2031-13-01"],
         "error: --on: '2031-13-01' is not a calendar date"),
        (["simulate", str(VERIFIED), "--on", "2020-01-01"],
         "error: --on: 2020-01-01 is before the agreement's start date 2025-10-28"),
        (["explain", str(VERIFIED), "--on", "2031-01-01", "--term", "ms_research"],
         "error: --term: 'ms_research' is not a term of agreement 2025-10"),
        (["explain", str(VERIFIED), "--on", "2031-01-32", "--term", "ms_research_ip"],
         "error: --on: '2031-01-32' is not a calendar date"),
        (["explain", str(VERIFIED), "--step", "70"], "error: --step: there is no step 70"),
        (["explain", str(VERIFIED)], "error: --term: give exactly one of --term ID"),
        (["explain", str(VERIFIED), "--term", "ms_research_ip"], "error: --on: --term needs --on"),
    ],
)  # fmt: skip
def test_an_option_error_names_the_option_not_the_file(args: list[str], start: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err.startswith(start), err
    assert str(VERIFIED) not in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--set", "agi_trigger=maybe"],
         "error: --set agi_trigger: agi_trigger is one of verified, declared, got 'maybe'"),
        (["--set", "agi_triger=declared"], "error: --set agi_triger: unknown parameter 'agi_triger'"),
        (["--runs", "0"], "error: --runs: runs is a whole number >= 1, got 0"),
        (["--workers", "0"], "error: --workers: workers is a whole number >= 1, got 0"),
        (["--sensitivity"], "error: --on: --sensitivity needs --on DATE"),
        (["--on", "2031-01-01"], "error: --on: --on is the date of --sensitivity"),
        (["--sensitivity", "--on", "2041-01-01"],
         "error: --on: 2041-01-01 is outside the start date 2025-10-28 and the horizon 2040-12-31"),
    ],
)  # fmt: skip
def test_a_montecarlo_option_error_names_the_option_not_the_file(
    args: list[str], start: str
) -> None:
    code, out, err = run("montecarlo", str(ASSUMPTIONS), "--runs", "100", *args)
    assert code == 2
    assert out == ""
    assert err.startswith(start), err
    assert str(ASSUMPTIONS) not in err
    assert len(err.splitlines()) == 1


def test_a_parameter_the_assumptions_set_is_still_the_files(tmp_path: Path) -> None:
    path = tmp_path / "beliefs.yaml"
    path.write_text(
        ASSUMPTIONS.read_text().replace("parameters: {}", "parameters: {agi_trigger: x}")
    )
    code, _, err = run("montecarlo", str(path), "--runs", "100")
    assert code == 2
    assert err.startswith(f"error: {path}: parameters.agi_trigger: agi_trigger is one of"), err


def test_a_parameter_the_file_sets_is_still_the_files(tmp_path: Path) -> None:
    path, err = refused(tmp_path, "parameters: {agi_trigger: maybe}\nevents: []\n")
    assert err.startswith(f"error: {path}: parameters.agi_trigger: agi_trigger is one of")
    assert err.endswith("(line 1, column 27)")


def test_agi_terms_without_arguments_prints_help_and_exits_0() -> None:
    proc = subprocess.run([sys.executable, "-m", "agi_terms"], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert proc.stdout.startswith("Usage: ")
    assert " [OPTIONS] [COMMAND] [ARGS]..." in proc.stdout.splitlines()[0]
    for command in ("simulate", "decide", "explain", "events", "schema", "diff", "serve"):
        assert f"  {command} " in proc.stdout
