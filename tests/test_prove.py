"""``agi-terms check --prove``: proofs over every parameter value, and counterexamples that run.

The planted defects are ones the enumeration of ``check`` cannot see: each shows only at a
parameter value other than the default (a backstop moved to 2029, a compute threshold of 4e27),
where ``check`` never looks. ``--prove`` must find each, and its counterexample, run with
``simulate`` (and ``explain``), must show the failure.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import agi_terms
import pytest
import z3
from agi_terms.analysis.check import check_rulebook
from agi_terms.analysis.prove import ProofReport, Translation, explore, prove_rulebook
from agi_terms.analysis.prove.reach import IP_USE, TOTALS, Situation
from agi_terms.analysis.scenario import parse_scenario
from agi_terms.conditions import (
    Always,
    ConditionSyntaxError,
    Not,
    evaluate_present,
    parse_condition,
)
from agi_terms.errors import RulebookError
from agi_terms.evaluation.contract import state_facts
from agi_terms.evaluation.evaluator import Evaluator
from agi_terms.events import parse_event
from agi_terms.facts import ACTION_FACTS, LEVEL_NAMES, FactRow, state_row
from agi_terms.interfaces.main import main
from agi_terms.rulebook import Rulebook, load_rulebook, load_rulebook_from
from agi_terms.rulebook.program import fold
from agi_terms.testing import event_sequences, parameter_overrides
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = agi_terms.available_versions()


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def planted(tmp_path: Path, edits: list[tuple[str, str, str]], version: str = "2025-10") -> Path:
    """A copy of a shipped version with each ``(file, old, new)`` replacement made once."""
    folder = tmp_path / version
    shutil.copytree(ROOT / "rules" / version, folder)
    for file, old, new in edits:
        text = (folder / file).read_text()
        assert old in text, (file, old)
        (folder / file).write_text(text.replace(old, new, 1))
    return folder


def counterexamples(out: str) -> list[str]:
    """The scenario files printed after the report (each after a line ``---``)."""
    return [text.rstrip("\n") for text in out.split("\n---\n")[1:]]


def simulate_json(tmp_path: Path, text: str, rules: Path | None) -> dict[str, Any]:
    file = tmp_path / "counterexample.yaml"
    file.write_text(text)
    extra = ["--rules", str(rules)] if rules is not None else []
    code, out, err = cli("simulate", str(file), "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def explain_step(tmp_path: Path, text: str, rules: Path, step: int) -> dict[str, Any]:
    file = tmp_path / "counterexample.yaml"
    file.write_text(text)
    code, out, err = cli("explain", str(file), "--rules", str(rules), "--step", str(step),
                         "--detail", "full", "--format", "json")  # fmt: skip
    assert code == 0, err
    (explanation,) = json.loads(out)["explanations"]
    return explanation  # type: ignore[no-any-return]


def held(explanation: dict[str, Any], effect: str) -> set[str]:
    rules = [*explanation["decided_by"], *explanation["not_holding"], *explanation["other_rules"]]
    return {r["rule"] for r in rules if r["effect"] == effect and r["holds"]}


# ---------------------------------------------------------------- the shipped versions


@pytest.fixture(scope="module")
def reports() -> dict[str, ProofReport]:
    return {v: prove_rulebook(load_rulebook(v)) for v in VERSIONS}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_shipped_version_proves(reports: dict[str, ProofReport], version: str) -> None:
    report = reports[version]
    rulebook = load_rulebook(version)
    assert report.proved, report.text()
    ids = {o.id for o in report.outcomes}
    assert {f"property-{p.id}" for p in rulebook.properties} <= ids
    assert {f"decided-{a}" for a in rulebook.decisions} <= ids
    assert {f"no_conflict-{a}" for a in rulebook.decisions} <= ids
    assert {f"reachable-{p}" for p in rulebook.lifecycle.phase_ids} <= ids
    assert rulebook.properties, "every shipped version states its properties"


def test_the_check_command_proves_with_exit_0() -> None:
    code, out, _ = cli("check", "2025-10", "--prove")
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("rules/2025-10: proved for every parameter value and every date")
    assert "proved: property licence_exactly_through_2032 (N4)" in out
    assert "FAILED" not in out


# Every SPEC §8 invariant that is a property of one state, per version where SPEC states it.
SECTION_8 = {
    "2025-10": [
        "licence_exactly_through_2032",
        "research_ip_outlives_neither_2030_nor_verification",
        "consumer_hardware_use_never_allowed",
        "commercial_api_off_azure_denied_before_verification_and_backstop",
    ],
    "2025-01": ["licence_exactly_through_2030", "research_ip_ends_after_2030"],
    "2026-04": [
        "amended_licence_exactly_through_2032",
        "research_ip_never_outlives_2030",
        "consumer_hardware_use_never_allowed_amended",
    ],
}


@pytest.mark.parametrize("version", VERSIONS)
def test_the_one_state_invariants_of_section_8_are_properties(
    reports: dict[str, ProofReport], version: str
) -> None:
    proved = {o.subject for o in reports[version].outcomes if o.check == "property" and o.proved}
    assert set(SECTION_8[version]) <= proved


# ---------------------------------------------------------------- planted defects

IP_IN_PLACE_OF_API = [
    # The deny rule tests the IP exclusivity instead of the API exclusivity. Both end at AGI and are
    # in force through 2032 at the default backstop: only a backstop other than 2032-12-31 parts them.
    ("decisions.yaml",
     "            - {$neq: {customer: us_national_security}}\n            - {azure_api_exclusivity: true}",
     "            - {$neq: {customer: us_national_security}}\n            - {ms_ip_exclusivity: true}"),
]  # fmt: skip
THRESHOLD_WRITTEN_OUT = [
    # The allow rule compares with 5e27 written out instead of the parameter: the same number at the
    # default, a conflict (or a gap) at any other threshold.
    ("decisions.yaml",
     "                - {$lte: {training_flop: {param: compute_threshold_flop}}}\n        source: N13, N4, N14",
     "                - {$lte: {training_flop: 5.0e27}}\n        source: N13, N4, N14"),
]  # fmt: skip
REVENUE_BACKSTOP_WRITTEN_OUT = [
    ("terms.yaml",
     "        when: {$gt: {day: {param: revenue_share_backstop}}}",
     "        when: {$gt: {day: 2032-12-31}}"),
]  # fmt: skip
VERIFICATION_NEEDS_NO_DECLARATION = [
    # A condition that never holds when a verdict is possible: post_agi cannot be reached.
    ("lifecycle.yaml",
     "  - trigger: panel_verified\n    from: panel_review\n    to: post_agi\n",
     "  - trigger: panel_verified\n    from: panel_review\n    to: post_agi\n"
     "    conditions: [no_declaration_live]\n"),
]  # fmt: skip


@pytest.mark.parametrize(
    "edits", [THRESHOLD_WRITTEN_OUT, REVENUE_BACKSTOP_WRITTEN_OUT, VERIFICATION_NEEDS_NO_DECLARATION],
    ids=["threshold-written-out", "revenue-backstop-written-out", "verification-unreachable"],
)  # fmt: skip
def test_the_enumeration_does_not_see_the_planted_defects(
    tmp_path: Path, edits: list[tuple[str, str, str]]
) -> None:
    assert check_rulebook(load_rulebook_from(planted(tmp_path, edits))) == []


def test_the_enumeration_sees_a_defect_a_null_backstop_shows(tmp_path: Path) -> None:
    # The enumeration also sets each nullable date parameter the other way: without a backstop the
    # API exclusivity outlives the licence, and with the IP exclusivity in its place in the deny
    # rule an API launch off Azure after 2032 is neither denied nor allowed.
    findings = check_rulebook(load_rulebook_from(planted(tmp_path, IP_IN_PLACE_OF_API)))
    assert {f.kind for f in findings} == {"undecided"}
    assert "day=2033-01-01" in findings[0].message
    assert "azure_api_exclusivity=True" in findings[0].message


def failing(tmp_path: Path, edits: list[tuple[str, str, str]]) -> tuple[Path, str, ProofReport]:
    """The planted folder, the report as ``check --prove`` prints it, and the report."""
    folder = planted(tmp_path, edits)
    report = prove_rulebook(load_rulebook_from(folder), folder)
    assert not report.proved
    return folder, report.text(), report


def test_the_check_command_exits_1_with_the_counterexamples(tmp_path: Path) -> None:
    folder = planted(tmp_path, THRESHOLD_WRITTEN_OUT)
    code, out, _ = cli("check", str(folder), "--prove")
    assert code == 1
    assert out.splitlines()[0].startswith(f"{folder}: 3 of 37 checks fail")
    report = prove_rulebook(load_rulebook_from(folder), folder)
    shown = [o.counterexample.text for o in report.failures if o.counterexample is not None]
    assert [text.rstrip("\n") for text in shown] == counterexamples(out)


def test_a_conflict_only_at_another_backstop_is_found_and_shown(tmp_path: Path) -> None:
    folder, out, report = failing(tmp_path, IP_IN_PLACE_OF_API)
    failed = {o.id: o for o in report.failures}
    assert {"no_conflict-product_launch", "decided-product_launch"} <= set(failed), out
    # The property that says when a launch is denied fails too.
    assert "property-launches_denied_only_for_api_off_azure_under_exclusivity" in failed
    assert (
        "FAILED: api_launch_after_exclusivity (allow) and api_launch_off_azure_denied (deny)" in out
    )
    conflict = failed["no_conflict-product_launch"].counterexample
    assert conflict is not None
    assert conflict.confirmed
    assert conflict.text in out.replace("\n---\n", "\n")  # printed as written to files
    data = simulate_json(tmp_path, conflict.text, folder)
    backstop = dt.date.fromisoformat(data["parameters"]["api_exclusivity_backstop"])
    assert backstop != dt.date(2032, 12, 31)
    step = data["steps"][conflict.step]
    assert step["type"] == "product_launch"
    assert dt.date.fromisoformat(step["date"]) > backstop  # the API exclusivity has ended ...
    assert step["decision"]["allowed"] is False  # ... yet the launch is denied
    assert [b["rule"] for b in step["decision"]["because"]] == ["api_launch_off_azure_denied"]
    explanation = explain_step(tmp_path, conflict.text, folder, conflict.step)
    assert "api_launch_after_exclusivity" in held(explanation, "allow")
    assert "api_launch_off_azure_denied" in held(explanation, "deny")
    # With a backstop after the licence's end, an API launch off Azure between the two is decided
    # by no rule: the exclusivity still stands, the IP exclusivity does not.
    gap = failed["decided-product_launch"].counterexample
    assert gap is not None
    data = simulate_json(tmp_path, gap.text, folder)
    step = data["steps"][gap.step]
    assert step["decision"] == {"allowed": False, "obligations": [], "because": []}
    day = dt.date.fromisoformat(step["date"])
    later = data["parameters"]["api_exclusivity_backstop"]
    assert day > dt.date(2032, 12, 31)
    assert later is None or day <= dt.date.fromisoformat(later)
    assert data["checkpoints"][0]["terms"]["azure_api_exclusivity"] is True


def test_a_conflict_only_at_another_threshold_is_found_and_shown(tmp_path: Path) -> None:
    folder, out, report = failing(tmp_path, THRESHOLD_WRITTEN_OUT)
    failed = {o.id: o for o in report.failures}
    assert {"no_conflict-ms_agi_training", "decided-ms_agi_training"} <= set(failed)
    conflict = failed["no_conflict-ms_agi_training"].counterexample
    assert conflict is not None
    assert conflict.confirmed
    data = simulate_json(tmp_path, conflict.text, folder)
    threshold = data["parameters"]["compute_threshold_flop"]
    assert threshold < 5e27
    step = data["steps"][conflict.step]
    assert step["decision"]["allowed"] is False
    assert [b["rule"] for b in step["decision"]["because"]] == [
        "agi_training_above_compute_threshold"
    ]
    explanation = explain_step(tmp_path, conflict.text, folder, conflict.step)
    assert held(explanation, "allow") == {"agi_training_with_openai_ip_under_licence"}
    assert explanation["facts"]["training_flop"] > threshold
    assert explanation["facts"]["training_flop"] <= 5e27
    gap = failed["decided-ms_agi_training"].counterexample
    assert gap is not None
    data = simulate_json(tmp_path, gap.text, folder)
    assert data["parameters"]["compute_threshold_flop"] > 5e27
    assert data["steps"][gap.step]["decision"]["because"] == []
    # Every counterexample is printed as a scenario file that simulate reads.
    assert len(counterexamples(out)) == len([o for o in report.failures if o.counterexample])
    for text in counterexamples(out):
        parse_scenario(text)


def test_a_property_that_fails_only_at_another_backstop_is_found_and_shown(tmp_path: Path) -> None:
    folder, out, report = failing(tmp_path, REVENUE_BACKSTOP_WRITTEN_OUT)
    (failure,) = report.failures
    assert failure.id == "property-revenue_share_until_verification_or_backstop"
    assert "FAILED: property revenue_share_until_verification_or_backstop (N15, Q15)" in out
    example = failure.counterexample
    assert example is not None
    assert example.confirmed
    data = simulate_json(tmp_path, example.text, folder)
    backstop = dt.date.fromisoformat(data["parameters"]["revenue_share_backstop"])
    (checkpoint,) = data["checkpoints"]
    assert dt.date.fromisoformat(checkpoint["date"]) > backstop  # past the backstop ...
    assert checkpoint["terms"]["revenue_share"] is True  # ... the revenue share still accrues
    # The solver prefers the smallest move from the default: the backstop a day earlier.
    assert backstop == dt.date(2032, 12, 30)


def test_a_counterexample_makes_the_total_it_needs_with_a_purchase(tmp_path: Path) -> None:
    # The commitment read as standing until purchases *exceed* the amount: wrong exactly at it.
    edits = [("terms.yaml", "        when: {$lt: {azure_purchased_usd: {param: azure_commitment_usd}}}",
              "        when: {$lte: {azure_purchased_usd: {param: azure_commitment_usd}}}")]  # fmt: skip
    folder, _, report = failing(tmp_path, edits)
    (failure,) = report.failures
    assert failure.subject == "commitment_stands_until_fulfilled"
    example = failure.counterexample
    assert example is not None
    assert example.confirmed
    data = simulate_json(tmp_path, example.text, folder)
    purchases = [e for e in example.scenario["events"] if e["type"] == "azure_purchase"]
    assert [p["amount_usd"] for p in purchases] == [data["parameters"]["azure_commitment_usd"]]
    assert data["checkpoints"][0]["terms"]["azure_commitment"] is True  # fulfilled, still standing


def test_an_unreachable_phase_is_found(tmp_path: Path) -> None:
    _, out, report = failing(tmp_path, VERIFICATION_NEEDS_NO_DECLARATION)
    failed = {o.id for o in report.failures}
    assert failed == {"reachable-post_agi"}
    assert "FAILED: phase post_agi is reached by no events from pre_agi" in out


def test_a_placement_that_tests_a_parameter_is_outside_the_prover(tmp_path: Path) -> None:
    folder = planted(tmp_path, [("lifecycle.yaml", "    when: {$gte: {day: 2033-01-01}}",
                                 "    when: {$gt: {day: {param: api_exclusivity_backstop}}}")])  # fmt: skip
    code, _, err = cli("check", str(folder), "--prove")
    assert code == 2
    assert "the placement in post_2032 tests the parameter api_exclusivity_backstop" in err


def test_counterexamples_are_written_to_a_folder(tmp_path: Path) -> None:
    folder = planted(tmp_path, THRESHOLD_WRITTEN_OUT)
    out_dir = tmp_path / "found"
    code, _, _ = cli("check", str(folder), "--prove", "--counterexamples", str(out_dir))
    assert code == 1
    written = sorted(p.name for p in out_dir.iterdir())
    assert "no_conflict-ms_agi_training.yaml" in written
    data = simulate_json(
        tmp_path, (out_dir / "no_conflict-ms_agi_training.yaml").read_text(), folder
    )
    assert data["steps"][-1]["type"] == "ms_agi_training"


@pytest.mark.parametrize("under", ["a-file/found", "/proc/no-such-folder"])
def test_a_counterexamples_folder_that_cannot_be_made_is_refused_before_proving(
    tmp_path: Path, under: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder\n")
    given = under if under.startswith("/") else str(tmp_path / under)
    code, out, err = cli("check", "2025-10", "--prove", "--counterexamples", given)
    assert (code, out) == (2, "")  # refused before the proof, whose report is not printed
    reason = "No such file or directory" if under.startswith("/") else "Not a directory"
    assert err == f"error: --counterexamples: cannot make the folder {given} ({reason})\n"


def test_a_counterexample_that_cannot_be_written_is_bad_input_at_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = planted(tmp_path, THRESHOLD_WRITTEN_OUT)
    out_dir = tmp_path / "found"

    def full(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    code, _, err = cli("check", str(folder), "--prove", "--counterexamples", str(out_dir))
    assert code == 2
    assert err.startswith(f"error: --counterexamples: cannot write {out_dir}/")
    assert err.endswith(".yaml (No space left on device)\n")


@pytest.mark.parametrize("target", ["/no/such/rules", "./2025-10", "rules/2099-01"])
def test_a_target_written_as_a_path_that_is_no_folder_is_named_as_such(
    tmp_path: Path, target: str
) -> None:
    for extra in ([], ["--prove"]):
        code, out, err = cli("check", target, *extra)
        assert (code, out) == (2, "")
        assert err == (
            f"error: {target}: no such folder; check takes a shipped version or a rule folder"
            " holding agreement.yaml\n"
        )
    file = tmp_path / "agreement.yaml"
    file.write_text("id: '2025-10'\n")
    code, _, err = cli("check", str(file))
    assert code == 2
    assert err.startswith(f"error: {file}: not a folder; ")
    code, _, err = cli("check", "2099-01")  # a version id, not a path
    assert (code, err.split(";")[0]) == (2, "error: unknown agreement version '2099-01'")


def test_counterexamples_need_prove() -> None:
    code, _, err = cli("check", "2025-10", "--counterexamples", "somewhere")
    assert code == 2
    assert "--counterexamples goes with --prove" in err


def test_prove_without_z3_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "agi_terms.analysis.prove", None)
    code, _, err = cli("check", "2025-10", "--prove")
    assert code == 2
    assert "pip install 'agi-terms[prove]'" in err


def test_a_shipped_version_with_a_failing_property_prints_a_runnable_scenario(
    tmp_path: Path,
) -> None:
    # A property that does not hold: research IP through 2029 only. Its counterexample starts in the
    # shipped version (no --rules needed when the folder keeps the shipped rules).
    folder = planted(tmp_path, [("properties.yaml", "            - {$lte: {day: 2030-12-31}}\n            - {$or:",
                                  "            - {$lte: {day: 2029-12-31}}\n            - {$or:")])  # fmt: skip
    report = prove_rulebook(load_rulebook_from(folder), folder)
    (failure,) = report.failures
    assert failure.subject == "research_ip_outlives_neither_2030_nor_verification"
    example = failure.counterexample
    assert example is not None
    assert example.confirmed
    data = simulate_json(tmp_path, example.text, None)  # the rules are the shipped ones
    (checkpoint,) = data["checkpoints"]
    assert checkpoint["date"] == "2030-01-01"  # the first day the statement fails
    assert checkpoint["terms"]["ms_research_ip"] is True


# ---------------------------------------------------------------- the properties file


def edit_properties(tmp_path: Path, text: str) -> Path:
    folder = planted(tmp_path, [])
    (folder / "properties.yaml").write_text(text)
    return folder


PROPERTY_DEFECTS: list[tuple[str, str, list[str]]] = [
    ("unknown fact",
     "properties:\n  - {id: p, statement: s, source: N4, holds: {verifed: true}}\n",
     ["property p, key ", "properties[0].holds.verifed", "unknown fact 'verifed'"]),
    ("unknown term",
     "properties:\n  - {id: p, statement: s, source: N4, holds: {$not: {ms_model_ip: true}}}\n",
     ["property p, key ", "properties[0].holds.$not.ms_model_ip", "unknown fact 'ms_model_ip'"]),
    ("unknown parameter",
     "properties:\n  - {id: p, statement: s, source: N4, holds: {$lte: {day: {param: backstop}}}}\n",
     ["property p, key ", "unknown parameter 'backstop'"]),
    ("unknown choice",
     "properties:\n  - {id: p, statement: s, source: N4, holds: {asset: weights}}\n",
     ["property p, key ", "'weights' is not a value of asset"]),
    ("implies with one part",
     "properties:\n  - {id: p, statement: s, source: N4, holds: {$implies: [{verified: true}]}}\n",
     ["property p, key ", "properties[0].holds.$implies", "a list of two conditions"]),
    ("no holds",
     "properties:\n  - {id: p, statement: s, source: N4, holds: {}}\n",
     ["property p, key ", "a property states a condition in holds"]),
    ("no source",
     "properties:\n  - {id: p, statement: s, holds: {verified: true}}\n",
     ["properties[0].source", "required key is missing"]),
    ("null for a parameter that is never null",
     "properties:\n  - {id: p, statement: s, source: Q3, holds: {agi_trigger: null}}\n",
     ["properties[0].holds.agi_trigger", "parameter agi_trigger cannot be null; compare it with a value"]),
    ("null ordered",
     "properties:\n  - {id: p, statement: s, source: Q5, holds: {$lt: {api_exclusivity_backstop: null}}}\n",
     ["null is tested with {api_exclusivity_backstop: null} or $neq, not ordered"]),
    ("null for a fact",
     "properties:\n  - {id: p, statement: s, source: N2, holds: {verified: null}}\n",
     ["verified is a bool and never null; null is tested of nullable parameters"]),
    ("an id a rule has",
     "properties:\n  - {id: research_ip_through_2030, statement: s, source: N4, holds: {verified: true}}\n",
     ["duplicate id 'research_ip_through_2030'"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "words"), [d[1:] for d in PROPERTY_DEFECTS], ids=[d[0] for d in PROPERTY_DEFECTS]
)
def test_loading_refuses_a_bad_property_naming_file_property_and_key(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    folder = edit_properties(tmp_path, text)
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(folder)
    assert info.value.file == f"{folder}/properties.yaml"
    message = info.value.one_line()
    for word in words:
        assert word in message, message


# Q5: with no backstop the exclusivity lasts until AGI; with one, it ends after that day.
NULL_BACKSTOP = """\
properties:
  - id: no_backstop_no_end_without_agi
    statement: With no backstop, the API exclusivity stands until AGI is verified or declared.
    source: N8, Q5
    holds:
      $implies:
        - {$and: [{api_exclusivity_backstop: null}, {verified: false}, {declaration_live: false}]}
        - {azure_api_exclusivity: true}
  - id: a_backstop_ends_the_exclusivity_after_it
    statement: With a backstop, the API exclusivity is over after that day.
    source: Q5
    holds:
      $implies:
        - {$and: [{$neq: {api_exclusivity_backstop: null}},
                  {$gt: {day: {param: api_exclusivity_backstop}}}]}
        - {azure_api_exclusivity: false}
"""


def test_a_property_may_say_a_parameter_is_null_and_the_prover_agrees(tmp_path: Path) -> None:
    folder = edit_properties(tmp_path, NULL_BACKSTOP)
    rulebook = load_rulebook_from(folder)
    report = prove_rulebook(rulebook, folder)
    assert report.proved, report.text()
    assert check_rulebook(rulebook) == []  # the enumeration reads the test alike
    # The same test made false: without a backstop, a live declaration under the declared
    # reading still ends the exclusivity (N8, Q3); the counterexample sets the backstop to null.
    wrong = NULL_BACKSTOP.replace(", {declaration_live: false}", "")
    folder = edit_properties(tmp_path / "wrong", wrong)
    report = prove_rulebook(load_rulebook_from(folder), folder)
    (failure,) = report.failures
    assert failure.id == "property-no_backstop_no_end_without_agi"
    example = failure.counterexample
    assert example is not None
    assert example.confirmed  # the engine, replaying it, finds the property false too
    data = simulate_json(tmp_path, example.text, folder)
    assert data["parameters"]["api_exclusivity_backstop"] is None
    assert data["checkpoints"][0]["terms"]["azure_api_exclusivity"] is False


@pytest.mark.parametrize(("backstop", "is_null"), [(None, True), (dt.date(2029, 6, 30), False)])
def test_a_null_test_of_a_parameter_folds_to_whether_it_is_null(
    backstop: dt.date | None, is_null: bool
) -> None:
    rulebook = load_rulebook("2025-10")
    values = {**rulebook.defaults(), "api_exclusivity_backstop": backstop}
    for op, holds in (("eq", is_null), ("neq", not is_null)):
        written = {"api_exclusivity_backstop": None} if op == "eq" else {
            "$neq": {"api_exclusivity_backstop": None}}  # fmt: skip
        folded = fold(parse_condition(written), rulebook, values)
        assert isinstance(folded, Always)
        assert folded.value is holds, op
    # A comparison with the parameter itself never holds while it is null.
    compared = fold(parse_condition({"$lte": {"day": {"param": "api_exclusivity_backstop"}}}),
                    rulebook, values)  # fmt: skip
    assert isinstance(compared, Always) is is_null


def test_a_rule_may_not_use_the_connectives_of_properties(tmp_path: Path) -> None:
    folder = planted(tmp_path, [("terms.yaml", "{research_ip_ends_at_verification: true}, {verified: true}",
                                 "{research_ip_ends_at_verification: true}, {$not: {verified: false}}")])  # fmt: skip
    with pytest.raises(RulebookError, match=r"\$not is for properties") as info:
        load_rulebook_from(folder)
    assert info.value.rule == "research_ip_ends_at_verification"


def test_a_folder_without_properties_loads_with_none(tmp_path: Path) -> None:
    folder = planted(tmp_path, [])
    (folder / "properties.yaml").unlink()
    assert load_rulebook_from(folder).properties == ()


def test_formulas_read_implies_iff_and_not() -> None:
    implies = parse_condition({"$implies": [{"a": True}, {"b": True}]}, formula=True)
    iff = parse_condition({"$iff": [{"a": True}, {"b": True}]}, formula=True)
    for a in (False, True):
        for b in (False, True):
            row = {"a": a, "b": b}
            assert evaluate_present(implies, row) == (not a or b)
            assert evaluate_present(iff, row) == (a == b)
    negation = parse_condition({"$not": {"x": 1}}, formula=True)
    assert isinstance(negation, Not)
    # A fact the row lacks (another action's field) fails every comparison, so its $not holds.
    assert evaluate_present(negation, {}) is True
    assert evaluate_present(parse_condition({"$neq": {"x": 1}}), {}) is False
    with pytest.raises(ConditionSyntaxError, match="for properties"):
        parse_condition({"$iff": [{"a": True}, {"b": True}]})


# ---------------------------------------------------------------- parameter domains


def test_a_date_parameter_refuses_a_value_before_its_minimum() -> None:
    with pytest.raises(agi_terms.InputError, match=r"on or after 2025-10-28"):
        agi_terms.load_agreement("2025-10", {"api_exclusivity_backstop": "2025-01-01"})
    agi_terms.load_agreement("2025-10", {"api_exclusivity_backstop": "2025-10-28"}).close()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("    choices: [verified, declared]\n", "    choices: [verified, declared]\n    minimum: 1\n",
         ["agi_trigger", "a minimum is a number for a number parameter"]),
        ("    minimum: 2025-10-28\n    default: 2032-12-31\n    meaning: Last day of Azure",
         "    minimum: 2025-10-28\n    maximum: 2025-01-01\n    default: 2032-12-31\n    meaning: Last day of Azure",
         ["api_exclusivity_backstop", "maximum is below the minimum"]),
        ("    minimum: 0\n    default: 5.0e27", "    minimum: 0\n    maximum: 1.0e27\n    default: 5.0e27",
         ["compute_threshold_flop", "at most 1e+27"]),
    ],
    ids=["bound-on-a-choice", "maximum-below-minimum", "default-above-maximum"],
)  # fmt: skip
def test_loading_checks_parameter_domains(
    tmp_path: Path, old: str, new: str, words: list[str]
) -> None:
    folder = planted(tmp_path, [("parameters.yaml", old, new)])
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(folder)
    for word in words:
        assert word in info.value.one_line()


def test_the_prover_keeps_parameters_within_their_domain(tmp_path: Path) -> None:
    # True only because a backstop falls on or after the start: proved with the domain, and
    # refuted (by a backstop before the start) without it.
    signing = ("properties.yaml", "properties:\n",
               "properties:\n  - id: exclusivity_at_signing\n    statement: s\n    source: N8\n"
               "    holds: {$implies: [{day: 2025-10-28, declared_ever: false},"
               " {azure_api_exclusivity: true}]}\n")  # fmt: skip
    folder = planted(tmp_path / "a", [signing])
    assert prove_rulebook(load_rulebook_from(folder), folder).proved
    unbounded = ("parameters.yaml", "    minimum: 2025-10-28\n    default: 2032-12-31\n"
                 "    meaning: Last day of Azure", "    default: 2032-12-31\n    meaning: Last day of Azure")  # fmt: skip
    folder = planted(tmp_path / "b", [signing, unbounded])
    (failure,) = prove_rulebook(load_rulebook_from(folder), folder).failures
    assert failure.counterexample is not None
    backstop = failure.counterexample.scenario["parameters"]["api_exclusivity_backstop"]
    assert backstop == dt.date(2025, 10, 27)


# ---------------------------------------------------------------- the translation is the engine


@st.composite
def states(draw: st.DrawFn, version: str) -> tuple[dict[str, object], Situation, FactRow]:
    """Parameter overrides, a reachable situation and a row of it with an action, all drawn."""
    overrides = draw(parameter_overrides(version))
    situation: Situation = draw(st.sampled_from(_situations(version)))
    last = min(situation.last, dt.date(2040, 12, 31))
    day = draw(st.dates(situation.first, max(situation.first, last)))
    row = state_row(day, str(situation.facts["phase"]), situation.agi, 0.0, 0.0)
    for fact in TOTALS:
        if situation.facts[fact]:
            row[fact] = draw(st.sampled_from([1.0, 2.5e11, 3e11, 1e12]))
    action = draw(st.sampled_from(sorted(ACTION_FACTS)))
    row["action"] = action
    for spec in ACTION_FACTS[action]:
        if spec.type == "bool":
            row[spec.name] = draw(st.booleans())
        elif spec.type == "choice":
            row[spec.name] = draw(st.sampled_from(spec.choices))
        elif spec.type == "level":
            row[spec.name] = draw(st.integers(0, len(LEVEL_NAMES) - 1))
        else:
            row[spec.name] = draw(st.sampled_from([1.0, 1e27, 5e27, 6e27, 2.5e11]))
    if action == IP_USE:
        derived, _ = draw(st.sampled_from(situation.ip_uses))
        row.update(derived)
    return overrides, situation, row


_REACH: dict[str, tuple[Situation, ...]] = {}
_TRANSLATIONS: dict[str, Translation] = {}


def _situations(version: str) -> tuple[Situation, ...]:
    if version not in _REACH:
        _REACH[version] = explore(load_rulebook(version)).situations
    return _REACH[version]


def _translation(version: str) -> Translation:
    if version not in _TRANSLATIONS:
        _TRANSLATIONS[version] = Translation(load_rulebook(version), _situations(version))
    return _TRANSLATIONS[version]


def solver_view(
    translation: Translation, parameters: dict[str, object], situation: Situation, row: FactRow
) -> dict[str, bool]:
    """Every term, ``allowed``, obligation and property as the SMT translation has them on ``row``."""
    rulebook = translation.rulebook
    solver = z3.Solver()
    solver.add(*translation.constraints)
    solver.add(translation.situation == translation.situations.index(situation))
    for name, value in parameters.items():
        param = translation.parameters[name]
        if param.null is not None:
            solver.add(param.null == (value is None))
        if value is not None:
            kind = param.parameter.type
            solver.add(param.value == translation.constant(kind, value))
    for name, value in row.items():
        spec = rulebook.facts[name]
        variable = translation.facts[name]
        if spec.type == "choice":
            solver.add(variable == translation.code(str(value)))
        elif spec.type == "number":
            solver.add(variable == translation.constant("number", value))
        else:
            solver.add(variable == value)
    assert solver.check() == z3.sat
    model = solver.model()
    seen = {}
    names = [*rulebook.term_ids, "allowed", *(o.id for o in rulebook.obligations)]
    for name in names:
        seen[name] = z3.is_true(model.eval(translation.facts[name], model_completion=True))
    for prop in rulebook.properties:
        formula = translation.condition(prop.condition, formula=True)
        seen[prop.id] = z3.is_true(model.eval(formula, model_completion=True))
    return seen


def engine_view(rulebook: Rulebook, parameters: dict[str, object], row: FactRow) -> dict[str, bool]:
    """The same, as the evaluator has them."""
    evaluator = Evaluator.build(rulebook, parameters, "python")
    seen = evaluator.property_row(row)
    view = {n: bool(seen[n]) for n in [*rulebook.term_ids, "allowed"]}
    view.update({o.id: bool(seen[o.id]) for o in rulebook.obligations})
    view.update({p.id: evaluator.holds(p, seen) for p in rulebook.properties})
    return view


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=60)
@given(data=st.data())
def test_the_translation_agrees_with_the_evaluator(version: str, data: st.DataObject) -> None:
    """On random parameters and reachable states, z3 and the engine give every term, decision,
    obligation and property alike (so a proof is about the rules the engine runs)."""
    rulebook = load_rulebook(version)
    overrides, situation, row = data.draw(states(version))
    parameters = rulebook.defaults()
    for name, value in overrides.items():
        parameters[name] = rulebook.parameter_by_name[name].validate(value)
    translation = _translation(version)
    assert solver_view(translation, parameters, situation, row) == engine_view(
        rulebook, parameters, row
    )


# ---------------------------------------------------------------- properties on random histories


def property_rows(
    contract: agi_terms.Contract, events: list[agi_terms.Event]
) -> Iterator[tuple[Evaluator, FactRow]]:
    """Each action's row as it is decided (and a compute-contract probe's after each event), with
    the evaluator of the version in force."""
    agreement = contract.agreement
    for event in events:
        probe = parse_event({"date": event.date, "type": "compute_contract", "provider": "Oracle"})
        for action in [event, probe] if event.type in ACTION_FACTS else [probe]:
            state = contract.state_on(action.date)
            evaluator = agreement.compiled(state.version)
            row = state_facts(state, action.date)
            row.update(contract.action_facts(action))
            yield evaluator, evaluator.property_row(row)
        contract = contract.apply(event)


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=25)
@given(data=st.data())
def test_every_property_holds_on_random_histories(version: str, data: st.DataObject) -> None:
    """What the prover proves, the engine never contradicts (random parameters and events)."""
    overrides = data.draw(parameter_overrides(version))
    events = data.draw(event_sequences(version, max_size=12))
    with agi_terms.load_agreement(version, overrides, backend="python") as agreement:
        for evaluator, row in property_rows(agreement.start(), events):
            for prop in evaluator.rulebook.properties:
                assert evaluator.holds(prop, row), (prop.id, row)


# ---------------------------------------------------------------- the README


def readme_block(starting: str) -> list[str]:
    """The lines of the README's ``` block that begins with the command ``starting``."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"```\n(\$ " + re.escape(starting) + r"\n.*?)```", text, flags=re.DOTALL)
    assert match, starting
    return match.group(1).splitlines()[1:]


def shown_in(block: list[str], out: str) -> None:
    """Every line of ``block`` but ``...`` is in ``out``; the first, less its timing."""
    lines = out.splitlines()
    assert re.sub(r" in [0-9.]+ s$", "", block[0]) == re.sub(r" in [0-9.]+ s$", "", lines[0])
    for line in block[1:]:
        if line.strip() != "...":
            assert line in lines, line


def test_the_readme_shows_the_current_proof(tmp_path: Path) -> None:
    code, out, _ = cli("check", "2025-10", "--prove")
    assert code == 0
    shown_in(readme_block("agi-terms check 2025-10 --prove"), out)


def test_the_readme_shows_the_current_counterexample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted(tmp_path / "my-rules", THRESHOLD_WRITTEN_OUT)
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("check", "my-rules/2025-10", "--prove")
    assert code == 1
    block = readme_block("agi-terms check my-rules/2025-10 --prove")
    shown_in(block, out)
    document = "\n".join(block[block.index("---") + 1 :])
    assert document in counterexamples(out)
