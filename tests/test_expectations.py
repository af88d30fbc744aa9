"""Scenarios that check themselves (SPEC §13): ``expect`` in scenario files, ``agi-terms test``, and
the pytest plugin, down to a fresh folder that only installs the package."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.analysis.expectations import check_expectation_ids, check_paths, check_scenario
from agi_terms.documents import parse_yaml
from agi_terms.events import ACTION_TYPES
from agi_terms.interfaces.main import main
from agi_terms.rulebook import load_rulebook_from
from agi_terms.rulebook.citations import SOURCE_ID
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))

# Every expectation follows from a clause (SPEC §4, §6), not from the engine's output.
HOLDS = """\
name: AGI declared in March 2029, verified in September
events:
  # N8: before AGI, API products are served on Azure only
  - {date: 2027-05-01, type: product_launch, kind: api, cloud: aws,
     expect: {allowed: false, because: [api_launch_off_azure_denied]}}
  - {date: 2029-03-01, type: agi_declared}
  - {date: 2029-09-01, type: panel_verified}
  # N5: a model created after the verification is covered, with safety guardrails
  - date: 2030-01-15
    type: ms_ip_use
    asset: model
    expect:
      allowed: true
      obligations: [post_agi_safety_guardrails]
checkpoints:
  - 2028-01-01
  # N14: the cap is lifted while the declaration is live; N6: research IP until the verification
  - {date: 2029-06-01, expect: {phase: panel_review, terms: {ms_research_ip: true, ms_compute_cap: false}}}
  # N6 ends the research IP at the verification; N4 keeps the licence through 2032
  - {date: 2029-09-01, expect: {phase: post_agi, terms: {ms_research_ip: false, ms_model_product_ip: true}}}
"""
HOLDS_COUNT = 10

# An analyst's wrong reading: the research IP runs through 2030 whatever the panel says.
WRONG = HOLDS.replace(
    "terms: {ms_research_ip: false, ms_model_product_ip: true}",
    "terms: {ms_research_ip: true, ms_model_product_ip: true}",
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, text: str, name: str = "reading.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def line_of(text: str, fragment: str) -> int:
    (line,) = [i for i, t in enumerate(text.splitlines(), 1) if fragment in t]
    return line


def without_expectations(data: Any) -> Any:
    """Scenario data with every ``expect`` removed and checkpoint mappings written as dates."""
    plain = dict(data)
    plain["events"] = [
        {k: v for k, v in e.items() if k != "expect"} if isinstance(e, dict) else e
        for e in data.get("events", [])
    ]
    if "checkpoints" in data:
        plain["checkpoints"] = [
            c["date"] if isinstance(c, dict) else c for c in data["checkpoints"]
        ]
    return plain


# ---------------------------------------------------------------- agi-terms test


def test_expectations_that_follow_from_the_clauses_pass(tmp_path: Path) -> None:
    code, out, err = run("test", str(write(tmp_path, HOLDS)))
    assert (code, err) == (0, "")
    assert out == f"{HOLDS_COUNT} passed, 0 failed\n"


def test_a_wrong_expectation_fails_with_its_line_and_both_values(tmp_path: Path) -> None:
    path = write(tmp_path, WRONG)
    code, out, err = run("test", str(path))
    line = line_of(WRONG, "ms_research_ip: true, ms_model_product_ip")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"{path}:{line}: checkpoints[2].expect.terms.ms_research_ip: expected true, got false",
        f"{HOLDS_COUNT - 1} passed, 1 failed",
    ]


def test_each_kind_of_expectation_reports_both_values(tmp_path: Path) -> None:
    text = """\
events:
  - {date: 2027-05-01, type: product_launch, kind: api, cloud: aws, partner: Acme,
     expect: {allowed: true, because: [api_launch_on_azure]}}
  - {date: 2027-06-01, type: ms_ip_use, asset: model, expect: {obligations: [post_agi_safety_guardrails]}}
checkpoints:
  - {date: 2028-01-01, expect: {phase: post_agi}}
"""
    path = write(tmp_path, text)
    code, out, _ = run("test", str(path))
    assert code == 1
    assert out.splitlines() == [
        f"{path}:3: events[0].expect.allowed: expected true, got false",
        f"{path}:3: events[0].expect.because[0]: expected api_launch_on_azure among the deciding"
        " rules, got [api_launch_off_azure_denied, third_party_api_launch_off_azure_denied,"
        " third_party_partner_cited]",
        f"{path}:4: events[1].expect.obligations: expected [post_agi_safety_guardrails], got []",
        f"{path}:6: checkpoints[0].expect.phase: expected post_agi, got pre_agi",
        "0 passed, 4 failed",
    ]


def test_an_unknown_term_is_bad_input_with_its_place(tmp_path: Path) -> None:
    text = "events: []\ncheckpoints:\n  - {date: 2031-01-01, expect: {terms: {ms_reserch_ip: false}}}\n"
    path = write(tmp_path, text)
    code, out, err = run("test", str(path))
    assert code == 2
    assert out == "0 passed, 0 failed\n"
    assert err.startswith(
        f"error: {path}: checkpoints[0].expect.terms.ms_reserch_ip: 'ms_reserch_ip' is not a term"
        " of agreement 2025-10; terms: azure_api_exclusivity,"
    )
    column = text.splitlines()[2].index("false") + 1  # where the expected value stands
    assert err.endswith(f"(line 3, column {column})\n")
    assert err.count("\n") == 1


BAD = [
    ("{allowed: true}", "events[0].expect", "agi_declared is a lifecycle event", "lifecycle"),
    ("{allowd: true}", "events[1].expect.allowd", "unknown field", "action"),
    ("{allowed: yes}", "events[1].expect.allowed", "valid boolean, got 'yes'", "action"),
    ("{obligations: guardrails}", "events[1].expect.obligations", "valid list", "action"),
    ("{obligations: [x]}", "events[1].expect.obligations[0]", "'x' is not an obligation", "action"),
    ("{because: []}", "events[1].expect.because", "at least one rule id", "action"),
    (
        "{because: [api_launch_on_azure]}",
        "events[1].expect.because[0]",
        "'api_launch_on_azure' is not a rule deciding ms_ip_use in agreement 2025-10",
        "action",
    ),
    ("{}", "events[1].expect", "at least one of allowed, obligations, because", "action"),
    ("[true]", "events[1].expect", "expect is a mapping", "action"),
    ("{phase: verified}", "checkpoints[0].expect.phase", "'verified' is not a phase", "checkpoint"),
    (
        "{terms: {ms_research_ip: 1}}",
        "checkpoints[0].expect.terms.ms_research_ip",
        "boolean",
        "checkpoint",
    ),
    ("{terms: {}}", "checkpoints[0].expect.terms", "at least one term id", "checkpoint"),
    ("{allowed: true}", "checkpoints[0].expect.allowed", "unknown field", "checkpoint"),
]


@pytest.mark.parametrize(
    ("expect", "place", "words", "on"), BAD, ids=[b[1] + ":" + b[0] for b in BAD]
)
def test_a_bad_expectation_is_an_input_error_with_its_place_and_line(
    tmp_path: Path, expect: str, place: str, words: str, on: str
) -> None:
    events = [
        "  - {date: 2029-03-01, type: agi_declared"
        + (f", expect: {expect}}}" if on == "lifecycle" else "}"),
        "  - {date: 2029-04-01, type: ms_ip_use, asset: model"
        + (f", expect: {expect}}}" if on == "action" else "}"),
    ]
    checkpoint = f"{{date: 2030-01-01, expect: {expect}}}" if on == "checkpoint" else "2030-01-01"
    text = "events:\n" + "\n".join(events) + f"\ncheckpoints:\n  - {checkpoint}\n"
    with pytest.raises(agi_terms.InputError) as caught:  # when read, or (ids) when checked
        check_scenario(agi_terms.parse_scenario(text, "reading.yaml"), backend="python")
    assert caught.value.place == place
    assert words in caught.value.message
    assert caught.value.line == (5 if on == "checkpoint" else 2 if on == "lifecycle" else 3)
    path = write(tmp_path, text)
    code, _, err = run("test", str(path))
    assert code == 2
    assert err.startswith(f"error: {path}: {place}: ")


@pytest.mark.parametrize(
    ("checkpoint", "place", "words"),
    [
        ("{expect: {phase: pre_agi}}", "checkpoints[0].date", "required field is missing"),
        ("{date: 2030-02-30}", "checkpoints[0].date", "not a calendar date"),
        ("{date: 2030-01-01, when: soon}", "checkpoints[0].when", "unknown field"),
    ],
)
def test_a_checkpoint_written_as_a_mapping_is_validated(
    checkpoint: str, place: str, words: str
) -> None:
    with pytest.raises(agi_terms.InputError) as caught:
        agi_terms.parse_scenario(f"events: []\ncheckpoints:\n  - {checkpoint}\n")
    assert (caught.value.place, caught.value.line) == (place, 3)
    assert words in caught.value.message


def test_ids_are_those_of_every_version_the_scenario_amends_to() -> None:
    # azure_first_ship and ship_first_on_azure exist only in 2026-04 (S17).
    amended = """\
agreement: "2025-10"
events:
  - {date: 2026-04-27, type: amendment, to: "2026-04"}
  - {date: 2026-05-01, type: product_launch, kind: api, cloud: aws,
     expect: {allowed: true, obligations: [ship_first_on_azure]}}
checkpoints:
  - {date: 2026-03-01, expect: {terms: {azure_first_ship: false}}}
  - {date: 2026-05-01, expect: {terms: {azure_first_ship: true, azure_api_exclusivity: false}}}
"""
    outcomes = check_scenario(agi_terms.parse_scenario(amended), backend="python")
    assert [o.place for o in outcomes if not o.passed] == []
    assert len(outcomes) == 5
    unamended = amended.replace('  - {date: 2026-04-27, type: amendment, to: "2026-04"}\n', "")
    with pytest.raises(agi_terms.InputError) as caught:
        check_scenario(agi_terms.parse_scenario(unamended), backend="python")
    assert caught.value.place == "events[0].expect.obligations[0]"
    assert "'ship_first_on_azure' is not an obligation of agreement 2025-10" in caught.value.message


def test_the_terms_named_by_a_version_lacking_them_count_as_not_in_force() -> None:
    # SPEC §9: the 2025-01 terms have no compute cap (N14 is of 2025-10).
    text = """\
agreement: "2025-01"
events:
  - {date: 2025-10-28, type: amendment, to: "2025-10"}
checkpoints:
  - {date: 2025-06-01, expect: {terms: {ms_compute_cap: false, ms_compute_rofr: true}}}
  - {date: 2025-10-28, expect: {terms: {ms_compute_cap: true, ms_compute_rofr: false}}}
"""
    outcomes = check_scenario(agi_terms.parse_scenario(text), backend="python")
    got = [(o.got, o.passed) for o in outcomes]
    assert got == [(False, True), (True, True), (True, True), (False, True)]


def test_because_names_some_of_the_deciding_rules_and_obligations_all() -> None:
    text = """\
events:
  - {date: 2027-05-01, type: product_launch, kind: api, cloud: aws, partner: Acme,
     expect: {because: [third_party_partner_cited]}}
  - {date: 2027-06-01, type: ms_agi_training, uses_openai_ip: true, training_flop: 1.0e27,
     expect: {obligations: []}}
"""
    outcomes = check_scenario(agi_terms.parse_scenario(text), backend="python")
    assert [(o.place, o.passed) for o in outcomes] == [
        ("events[0].expect.because[0]", True),
        ("events[1].expect.obligations", False),  # N14: within the threshold, with the obligation
    ]
    assert outcomes[1].got == ["stay_within_compute_threshold"]


def test_the_events_and_the_timeline_stay_as_they_are(tmp_path: Path) -> None:
    scenario = agi_terms.parse_scenario(HOLDS)
    assert all("expect" not in event for event in scenario.events)
    assert [c.isoformat() for c in scenario.checkpoints] == [
        "2028-01-01",
        "2029-06-01",
        "2029-09-01",
    ]
    assert len(scenario.expectations) == HOLDS_COUNT
    with pytest.raises(agi_terms.InputError) as caught:
        agi_terms.parse_event({"date": "2029-03-01", "type": "azure_purchase", "amount_usd": 1,
                               "expect": {"allowed": True}})  # fmt: skip
    assert (caught.value.place, caught.value.message) == ("expect", "unknown field 'expect'")
    plain = write(
        tmp_path, json.dumps(without_expectations(parse_yaml(HOLDS, "x").data)), "plain.yaml"
    )
    stated = write(tmp_path, HOLDS, "stated.yaml")
    outputs = [run("simulate", str(p), "--format", "json") for p in (plain, stated)]
    assert outputs[0][0] == outputs[1][0] == 0
    assert json.loads(outputs[0][1]) == json.loads(outputs[1][1])


def test_simulate_runs_a_file_whose_expectations_name_rules_its_rule_folder_lacks(
    tmp_path: Path,
) -> None:
    # SPEC §13: simulate accepts files with expectations and reports the same JSON as without them;
    # only checking them asks whether the ids they name exist.
    path = ROOT / "simulations" / "scenarios" / "no-agi-ever.yaml"
    assert "api_launch_off_azure_denied" in path.read_text()
    rules = tmp_path / "rules" / "2025-10"
    shutil.copytree(ROOT / "rules" / "2025-10", rules)
    decisions = rules / "decisions.yaml"
    decisions.write_text(
        decisions.read_text().replace("api_launch_off_azure_denied", "api_off_azure_refused")
    )
    plain = write(
        tmp_path, json.dumps(without_expectations(parse_yaml(path.read_text(), "x").data)), "p.yaml"
    )
    outputs = [
        run("simulate", str(p), "--rules", str(rules), "--format", "json") for p in (path, plain)
    ]
    assert [(code, err) for code, _, err in outputs] == [(0, ""), (0, "")]
    assert json.loads(outputs[0][1]) == json.loads(outputs[1][1])
    assert "api_off_azure_refused" in outputs[0][1]
    # Checking the expectations against that folder is what refuses the renamed rule.
    with pytest.raises(agi_terms.InputError) as caught:
        check_expectation_ids(agi_terms.load_scenario(path), load_rulebook_from(rules))
    assert "'api_launch_off_azure_denied' is not a rule deciding product_launch" in str(
        caught.value
    )
    assert caught.value.place == "events[0].expect.because[0]"
    assert caught.value.line is not None


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_shipped_scenario_simulates_the_same_without_its_expectations(path: Path) -> None:
    stated = agi_terms.load_scenario(path)
    plain = agi_terms.parse_scenario(
        json.dumps(without_expectations(parse_yaml(path.read_text(), "x").data))
    )
    with (
        agi_terms.simulate(stated, backend="python") as a,
        agi_terms.simulate(plain, backend="python") as b,
    ):
        assert a.to_json() == b.to_json()


def test_every_shipped_scenario_states_expectations_that_hold() -> None:
    report = check_paths([ROOT / "simulations" / "scenarios"], backend="python")
    assert {Path(f.file).name for f in report.files} == {p.name for p in SHIPPED}
    for result in report.files:
        assert result.error is None, result.error
    assert [o.one_line() for o in report.failures] == []
    assert report.exit_code == 0


CLAUSE = re.compile(rf"\b{SOURCE_ID.pattern}\b|§\s?\d+")
"""A source id of the term sheet (N6, P12, Q3, S17, E1) or a section of the spec."""


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_action_and_checkpoint_of_a_shipped_scenario_states_what_it_expects(
    path: Path,
) -> None:
    scenario = agi_terms.load_scenario(path)
    stated = {(e.on, e.index) for e in scenario.expectations}
    actions = [i for i, e in enumerate(scenario.events) if e["type"] in ACTION_TYPES]
    assert [i for i in actions if ("event", i) not in stated] == []
    assert [i for i in range(len(scenario.checkpoints)) if ("checkpoint", i) not in stated] == []


def test_every_shipped_expectation_says_which_clause_it_follows() -> None:
    for path in SHIPPED:
        lines = path.read_text().splitlines()
        for expectation in agi_terms.load_scenario(path).expectations:
            assert expectation.line is not None
            # The comment stands on the expectation's line or on the comment lines just above the
            # event or checkpoint that carries it.
            start = expectation.line - 1
            while start > 0 and not lines[start].lstrip().startswith("- "):
                start -= 1
            above = []
            while start > 0 and lines[start - 1].lstrip().startswith("#"):
                start -= 1
                above.append(lines[start])
            said = " ".join([lines[expectation.line - 1].partition("#")[2], *above])
            assert CLAUSE.search(said), f"{path.name}:{expectation.line}: {expectation.place}"


def test_a_folder_is_searched_for_scenarios_that_state_expectations(tmp_path: Path) -> None:
    write(tmp_path, HOLDS, "a/holds.yaml")
    write(tmp_path, WRONG, "a/deeper/wrong.yaml")
    write(tmp_path, "events: []\ncheckpoints: [2030-01-01]\n", "a/plain.yaml")  # no expectations
    write(tmp_path, "runs: 10  # we expect: nothing\nhorizon: 2040-12-31\n", "a/assumptions.yaml")
    write(tmp_path, 'title: "what we expect: nothing"\n', "a/notes.yaml")  # a string, not a key
    write(tmp_path, WRONG, "a/.hidden/wrong.yaml")
    write(tmp_path, WRONG, "a/wrong.yml.txt")
    code, out, _ = run("test", str(tmp_path / "a"))
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path}/a/deeper/wrong.yaml:{line_of(WRONG, 'ms_research_ip: true, ms_model')}:"
        " checkpoints[2].expect.terms.ms_research_ip: expected true, got false",
        f"{2 * HOLDS_COUNT - 1} passed, 1 failed",
    ]


def test_paths_that_hold_nothing_to_check_are_bad_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    plain = tmp_path / "plain"
    write(plain, "events: []\ncheckpoints: [2030-01-01]  # we expect: nothing\n")
    assumptions = ROOT / "simulations" / "assumptions"
    for paths in ([str(empty)], [str(assumptions)], [str(plain), str(empty)]):
        for fmt in ("text", "json"):
            code, out, err = run("test", *paths, "--format", fmt)
            assert (code, out) == (2, ""), paths
            assert err == (
                f"error: nothing to check: no *.yaml file under {', '.join(paths)} states an"
                " expectation (expect: on an action event or a checkpoint)\n"
            )
    # One path with something to check is enough.
    code, out, _ = run("test", str(empty), str(write(tmp_path, HOLDS)))
    assert (code, out) == (0, f"{HOLDS_COUNT} passed, 0 failed\n")
    _, shown, _ = run("test", "--help")
    assert "2 when PATHS hold no scenario that states an expectation" in " ".join(shown.split())


def test_a_file_reached_twice_is_checked_once(tmp_path: Path) -> None:
    wrong = write(tmp_path, WRONG, "a/wrong.yaml")
    write(tmp_path, HOLDS, "a/b/holds.yaml")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    code, out, _ = run(
        "test", str(wrong), str(tmp_path / "a"), str(tmp_path / "link"), str(tmp_path / "a" / ".")
    )
    assert code == 1
    assert out.splitlines() == [
        f"{wrong}:{line_of(WRONG, 'ms_research_ip: true, ms_model')}:"
        " checkpoints[2].expect.terms.ms_research_ip: expected true, got false",
        f"{2 * HOLDS_COUNT - 1} passed, 1 failed",
    ]
    # Given on its own and found in a folder, a file is held to what a file given must state.
    plain = write(tmp_path, "events: []\n# we expect: nothing yet\n", "a/plain.yaml")
    code, _, err = run("test", str(tmp_path / "a"), str(plain))
    assert code == 2
    assert err == (
        f"error: {plain}: the scenario states no expectations"
        " (expect: on an action event or a checkpoint)\n"
    )


def test_a_bad_file_is_named_and_the_others_still_checked(tmp_path: Path) -> None:
    good = write(tmp_path, HOLDS, "good.yaml")
    bad = write(tmp_path, "events: [\n  expect:\n", "bad.yaml")
    code, out, err = run("test", str(bad), str(good))
    assert code == 2
    assert (
        err
        == f"error: {bad}: line 3, column 1: YAML syntax: expected the node content, but found '<stream end>'\n"
    )
    assert out == f"{HOLDS_COUNT} passed, 0 failed\n"


def test_a_file_named_on_its_own_must_state_expectations(tmp_path: Path) -> None:
    path = write(tmp_path, "events: []\n")
    code, _, err = run("test", str(path))
    assert code == 2
    assert (
        err
        == f"error: {path}: the scenario states no expectations (expect: on an action event or a checkpoint)\n"
    )
    code, _, err = run("test", str(tmp_path / "missing.yaml"))
    assert (code, err) == (2, f"error: {tmp_path / 'missing.yaml'}: no such file or folder\n")


def test_json_output_lists_every_expectation(tmp_path: Path) -> None:
    path = write(tmp_path, WRONG)
    code, out, _ = run("test", str(path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["passed", "failed", "results", "errors"]
    assert (data["passed"], data["failed"], data["errors"]) == (HOLDS_COUNT - 1, 1, [])
    (failed,) = [r for r in data["results"] if not r["passed"]]
    assert failed == {
        "file": str(path),
        "line": line_of(WRONG, "ms_research_ip: true, ms_model"),
        "place": "checkpoints[2].expect.terms.ms_research_ip",
        "expected": True,
        "got": False,
        "passed": False,
    }
    assert data["results"][1]["got"] == ["api_launch_off_azure_denied"]


def test_both_backends_check_alike() -> None:
    scenario = agi_terms.parse_scenario(WRONG)
    durable, python = (check_scenario(scenario, backend=b) for b in ("durable", "python"))
    assert durable == python


# ---------------------------------------------------------------- the pytest plugin


def test_the_plugin_entry_point_imports_nothing_of_the_engine() -> None:
    code = (
        "import sys, pathlib, _agi_terms_pytest as p\n"
        "assert p.pytest_collect_file(pathlib.Path('test_x.py'), None) is None\n"
        "assert p.pytest_collect_file(pathlib.Path('config.yaml'), None) is None\n"
        "print(sorted(m for m in sys.modules if m.startswith(('agi_terms', 'pydantic', 'pytest'))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_this_suite_holds_no_scenario_files_for_the_plugin() -> None:
    assert list((ROOT / "tests").rglob("test_*.yaml")) == []


def test_the_plugin_collects_one_item_per_expectation(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", test_holds=HOLDS, test_wrong=WRONG)
    # A fixture of the host's own tests that mentions the word in a string, not as a key.
    pytester.makefile(".yaml", test_config='name: a fixture\nnote: "we expect: nothing"\n')
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=2 * HOLDS_COUNT, failed=1)
    line = line_of(WRONG, "ms_research_ip: true, ms_model")
    lines = result.stdout.lines
    for wanted in (
        "test_holds.yaml::events[0].expect.allowed PASSED",
        "test_wrong.yaml::checkpoints[2].expect.terms.ms_research_ip FAILED",
        "test_plain.py::test_plain PASSED",
    ):
        assert any(shown.startswith(wanted) for shown in lines), wanted
    assert (
        f"test_wrong.yaml:{line}: checkpoints[2].expect.terms.ms_research_ip: expected true,"
        " got false"
    ) in lines
    assert not any("test_config.yaml" in shown for shown in lines)
    assert not any("warning" in shown.lower() for shown in lines)


def test_a_bad_scenario_file_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        test_bad="events: []\ncheckpoints:\n  - {date: 2031-01-01, expect: {terms: {ms_reserch_ip: false}}}\n",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    (shown,) = [line for line in result.stdout.lines if line.startswith("error: ")]
    assert shown.startswith(
        "error: test_bad.yaml: checkpoints[0].expect.terms.ms_reserch_ip: 'ms_reserch_ip' is not a"
        " term of agreement 2025-10"
    )
    assert shown.endswith("(line 3, column 56)")


# A scenario file meant to state expectations that a typo breaks: it must not pass by being skipped.
BROKEN = [
    (
        "yaml-syntax",
        "events: [\n  - {date: 2027-05-01, type: product_launch, kind: api, cloud: aws,\n"
        "     expect: {allowed: false}}\n",
        "line 2, column 3: YAML syntax: expected the node content, but found '-'",
    ),
    (
        "event-for-events",
        "event:\n  - {date: 2027-05-01, type: product_launch, kind: api, cloud: aws,\n"
        "     expect: {allowed: false}}\n",
        "event: unknown field 'event'; did you mean 'events'? (line 2, column 3)",
    ),
    (
        "checkpoint-key-typo",
        "events: []\ncheckpoints:\n  - {dat: 2031-01-01, expect: {phase: post_agi}}\n",
        "checkpoints[0].dat: unknown field (line 3, column 11)",  # where its value stands
    ),
]


@pytest.mark.parametrize(("text", "shown"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_searched_file_that_states_a_broken_expectation_is_bad_input(
    tmp_path: Path, text: str, shown: str
) -> None:
    write(tmp_path, HOLDS, "holds.yaml")
    broken = write(tmp_path, text, "deeper/typo.yaml")
    code, out, err = run("test", str(tmp_path))
    assert code == 2
    assert err == f"error: {broken}: {shown}\n"
    assert out == f"{HOLDS_COUNT} passed, 0 failed\n"  # the other file is still checked


@pytest.mark.parametrize(("text", "shown"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_test_yaml_is_a_collection_error_with_file_line_and_message(
    pytester: pytest.Pytester, text: str, shown: str
) -> None:
    pytester.makefile(".yaml", test_holds=HOLDS, test_typo=text)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert f"error: test_typo.yaml: {shown}" in result.stdout.lines
    assert any(line.startswith("ERROR test_typo.yaml") for line in result.stdout.lines)


def test_the_plugin_works_from_a_fresh_folder_that_only_installs_the_package(
    tmp_path: Path,
) -> None:
    """``pip install`` of this checkout (not editable) into a fresh venv, then plain ``pytest``.

    The venv borrows this environment's dependencies (a ``.pth`` file naming its site-packages,
    whose own ``.pth`` files are not run, so this checkout's editable install stays out of it);
    agi-terms itself comes from its wheel, with its entry points.
    """
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("agi_terms-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (site,) = (venv / "lib").glob("python3.*/site-packages")
    borrowed = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "_borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--ignore-installed", "-q",
         str(wheel)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    project = tmp_path / "downstream"
    write(project, HOLDS, "tests/test_my_reading.yaml")
    # pytest's console script, run by the venv's interpreter: plain ``pytest`` in the folder.
    pytest_command = [str(python), "-c", "import sys, pytest; sys.exit(pytest.console_main())"]
    passing = subprocess.run(
        [*pytest_command, "-p", "no:cacheprovider"],
        cwd=project, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert f"{HOLDS_COUNT} passed" in passing.stdout
    assert "tests/test_my_reading.yaml .........." in passing.stdout
    write(project, WRONG, "tests/test_my_reading.yaml")
    failing = subprocess.run(
        [*pytest_command, "-p", "no:cacheprovider", "-rN"],
        cwd=project, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert failing.returncode == 1, failing.stdout + failing.stderr
    line = line_of(WRONG, "ms_research_ip: true, ms_model")
    assert (
        f"\ntests/test_my_reading.yaml:{line}: checkpoints[2].expect.terms.ms_research_ip:"
        " expected true, got false\n"
    ) in failing.stdout
    assert f"1 failed, {HOLDS_COUNT - 1} passed" in failing.stdout
    where = subprocess.run(
        [str(python), "-c", "import agi_terms, _agi_terms_pytest as p; print(agi_terms.__file__, p.__file__)"],
        cwd=project, capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    assert all(Path(f).is_relative_to(site) for f in where.stdout.split())
