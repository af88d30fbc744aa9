"""Versions side by side: explanations, rulebook checks, diffs, diagrams, and the reference commands."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from agi_terms.analysis.check import check_rulebook
from agi_terms.analysis.diff import diff_versions
from agi_terms.interfaces.main import main
from agi_terms.rulebook import load_rulebook_from
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "simulations" / "scenarios"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- explanations


@pytest.fixture(scope="module")
def verified_2027() -> Iterator[agi_terms.Contract]:
    with agi_terms.load_agreement(backend="python") as agreement:
        yield agreement.start().apply_all(
            [
                {"date": "2027-01-01", "type": "agi_declared"},
                {"date": "2027-06-01", "type": "panel_verified"},
            ]
        )


@pytest.mark.parametrize("version", ["2025-01", "2025-10", "2026-04"])
def test_every_term_is_explained_consistently_with_its_status(version: str) -> None:
    with agi_terms.load_agreement(version, backend="python") as agreement:
        contract = agreement.start()
        for day in ("2026-06-01", "2031-06-01", "2033-06-01"):
            report = contract.terms(on=day)
            for term, status in report.terms.items():
                explanation = contract.explain(day, term=term, detail="full")
                assert explanation.outcome == status.in_force, (term, day)
                assert explanation.kind == "term"
                assert explanation.subject == term
                assert [r.rule for r in explanation.decided_by] == [
                    c.rule for c in status.because
                ] or (status.reason == "not_granted" and not explanation.decided_by)
                explained = {r.rule for r in (*explanation.decided_by, *explanation.not_holding,
                                              *explanation.other_rules)}  # fmt: skip
                assert explained == {
                    r.id for t in agreement.rulebook.terms if t.id == term for r in t.rules
                }


def test_why_not_names_the_first_failing_condition_and_the_actual_value(
    verified_2027: agi_terms.Contract,
) -> None:
    explanation = verified_2027.explain("2031-06-01", term="ms_research_ip")
    assert not explanation.outcome
    # Both the verification and the calendar end it; the end rule decides, the grant rule fails on day.
    assert [r.rule for r in explanation.decided_by] == ["research_ip_ends_at_verification"]
    full = verified_2027.explain("2031-06-01", term="ms_research_ip", detail="full")
    (grant,) = full.other_rules
    assert grant.rule == "research_ip_through_2030"
    assert grant.failed is not None
    assert (grant.failed.fact, grant.failed.test, grant.failed.actual) == (
        "day",
        "<= 2030-12-31",
        "2031-06-01",
    )
    assert full.facts["day"] == "2031-06-01"


def test_a_term_out_of_force_without_an_end_rule_lists_its_grant_rules() -> None:
    with agi_terms.load_agreement(backend="python") as agreement:
        explanation = agreement.start().explain("2031-06-01", term="ms_research_ip")
    assert explanation.summary.startswith("ms_research_ip is not in force: no grant rule holds")
    (grant,) = explanation.not_holding
    assert grant.failed is not None
    assert grant.failed.actual == "2031-06-01"


ACTIONS: list[dict[str, Any]] = [
    {"type": "product_launch", "kind": "api", "cloud": "aws", "partner": "Amazon"},
    {"type": "open_weights_release", "capability": {"bio_chem": "low", "cyber": "high", "self_improvement": "low"}},
    {"type": "ms_ip_use", "asset": "model"},
    {"type": "ms_agi_training", "uses_openai_ip": True, "training_flop": 6e27},
    {"type": "compute_contract", "provider": "Oracle"},
    {"type": "azure_purchase", "amount_usd": 1e9},
]  # fmt: skip


@pytest.mark.parametrize("day", ["2026-03-01", "2027-03-01", "2033-03-01"])
@pytest.mark.parametrize("action", ACTIONS, ids=[a["type"] for a in ACTIONS])
def test_every_action_kind_is_explained_as_decided(
    verified_2027: agi_terms.Contract, action: dict[str, Any], day: str
) -> None:
    event = {"date": day, **action}
    decision = verified_2027.decide(event)
    explanation = verified_2027.explain(action=event, detail="full")
    assert explanation.outcome == decision.allowed
    assert explanation.obligations == decision.obligations
    assert {r.rule for r in explanation.decided_by} == {c.rule for c in decision.because}
    for rule in explanation.not_holding:
        assert not rule.holds
        assert rule.failed is not None


def test_explanations_round_trip_through_json(verified_2027: agi_terms.Contract) -> None:
    explanation = verified_2027.explain("2027-06-01", term="revenue_share", detail="full")
    data = json.loads(json.dumps(explanation.to_json()))
    assert list(data) == ["date", "version", "phase", "kind", "subject", "outcome", "summary",
                          "obligations", "decided_by", "not_holding", "other_rules", "facts",
                          "sources"]  # fmt: skip
    assert agi_terms.evaluation.explain.Explanation.model_validate(data) == explanation


def test_explain_command_text_and_json() -> None:
    path = str(SCENARIOS / "api-launches.yaml")
    code, out, _ = cli("explain", path, "--step", "1")
    assert code == 0
    assert "denied by api_launch_off_azure_denied (N8, N9)" in out
    code, out, _ = cli("explain", path, "--on", "2029-08-02", "--term", "azure_api_exclusivity",
                       "--format", "json", "--detail", "full")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["outcome"] is False
    assert data["decided_by"][0]["rule"] == "api_exclusivity_ends_at_verified_agi"
    code, out, _ = cli("explain", path, "--step", "7", "--format", "json")
    assert code == 0
    assert {e["subject"] for e in json.loads(out)["explanations"]} == {
        "ms_ip_exclusivity",
        "ms_research_ip",
        "azure_api_exclusivity",
        "third_party_api_exclusivity",
        "revenue_share",
        "ms_revenue_share_to_openai",
    }


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--term", "ms_research_ip"], "--term needs --on DATE"),
        (["--on", "2027-01-01"], "exactly one of --term"),
        (["--on", "2027-01-01", "--term", "nope"], "'nope' is not a term"),
        (["--step", "99"], "there is no step 99"),
        (["--on", "2020-01-01", "--term", "ms_research_ip"], "before the agreement's start date"),
    ],
)
def test_explain_command_refuses_bad_requests(args: list[str], words: str) -> None:
    code, _, err = cli("explain", str(SCENARIOS / "api-launches.yaml"), *args)
    assert code == 2
    assert words in err
    assert len(err.splitlines()) == 1


# ---------------------------------------------------------------- rulebook checks


@pytest.mark.parametrize("version", agi_terms.available_versions())
def test_shipped_versions_pass_the_check(version: str) -> None:
    assert check_rulebook(agi_terms.load_rulebook(version)) == []
    code, out, _ = cli("check", version)
    assert code == 0
    assert "ok" in out


def planted(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "2025-10"
    shutil.copytree(ROOT / "rules" / "2025-10", folder)
    text = (folder / file).read_text()
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1))
    return folder


def test_check_catches_an_unreachable_phase(tmp_path: Path) -> None:
    folder = planted(tmp_path, "lifecycle.yaml", "phases:\n",
                     "phases:\n  - id: limbo\n    meaning: nowhere\n    source: E5\n")  # fmt: skip
    findings = check_rulebook(load_rulebook_from(folder))
    assert [f.kind for f in findings] == ["unreachable"]
    assert "phase limbo cannot be reached from pre_agi" in findings[0].message


def test_check_catches_an_undecided_action(tmp_path: Path) -> None:
    folder = planted(tmp_path, "decisions.yaml",
                     "      - id: non_api_launch_any_cloud\n        effect: allow\n",
                     "      - id: non_api_launch_any_cloud\n        effect: cite\n")  # fmt: skip
    findings = check_rulebook(load_rulebook_from(folder))
    assert findings
    assert {f.kind for f in findings} == {"undecided"}
    assert "no rule decides product_launch" in findings[0].message
    # The first kind left undecided is a stateful runtime read as non-API, as non_api decides it.
    assert "kind=stateful_runtime" in findings[0].message
    assert "stateful_runtime_is_api=False" in findings[0].message


def test_check_catches_conflicting_rules(tmp_path: Path) -> None:
    folder = planted(tmp_path, "decisions.yaml",
                     "      - id: api_launch_on_azure\n        effect: allow\n        when:\n          $and:\n",
                     "      - id: api_launch_on_azure\n        effect: allow\n        when:\n          $or:\n")  # fmt: skip
    findings = check_rulebook(load_rulebook_from(folder))
    assert findings
    assert {f.kind for f in findings} == {"conflict"}
    assert (
        "api_launch_on_azure (allow) and api_launch_off_azure_denied (deny) both hold"
        in findings[0].message
    )


def test_check_command_reports_defects_with_exit_1(tmp_path: Path) -> None:
    folder = planted(tmp_path, "terms.yaml", "        source: N6\n", "")
    code, out, _ = cli("check", str(folder))
    assert code == 1
    assert out.startswith("defect: ")
    assert "required key is missing" in out
    folder2 = planted(tmp_path / "b", "lifecycle.yaml", "phases:\n",
                      "phases:\n  - id: limbo\n    meaning: nowhere\n    source: E5\n")  # fmt: skip
    code, out, _ = cli("check", str(folder2))
    assert code == 1
    assert "unreachable" in out


def test_check_command_refuses_an_unknown_version() -> None:
    code, _, err = cli("check", "1999-01")
    assert code == 2
    assert "unknown agreement version" in err


# ---------------------------------------------------------------- diffs


def test_diff_2025_01_to_2025_10_reports_what_the_agreement_changed() -> None:
    diff = diff_versions("2025-01", "2025-10", backend="python")
    phases = {s["id"]: s["phase"] for s in diff["situations"]}
    assert phases["declared"] == {"a": "post_agi", "b": "panel_review"}  # the panel
    changed = {(r["term"], r["situation"]): (r["a"], r["b"]) for r in diff["terms"]}
    assert changed[("ms_model_product_ip", "late_no_agi")] == (False, True)  # 2030 -> 2032
    assert changed[("post_agi_models_covered", "verified")] == (False, True)
    assert changed[("ms_compute_rofr", "before_agi")] == (True, False)
    for term in ("openai_open_weights", "openai_third_party_products", "openai_natsec_any_cloud",
                 "consumer_hardware_carveout", "ms_independent_agi"):  # fmt: skip
        assert changed[(term, "before_agi")] == (False, True), term
    actions = {(r["action"], r["situation"]) for r in diff["actions"]}
    assert ("Microsoft uses consumer hardware", "before_agi") in actions
    assert ("compute from Oracle, no first refusal offered", "before_agi") in actions
    assert "azure_commitment" in diff["only_in_b"]


def test_diff_command_formats() -> None:
    code, out, _ = cli("diff", "2025-10", "2026-04", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["a"] == "2025-10"
    assert "azure_first_ship" in data["only_in_b"]
    code, out, _ = cli("diff", "2025-01", "2025-10", "--format", "markdown")
    assert code == 0
    assert "| `ms_compute_rofr` | yes → no" in out


def test_diff_with_a_scenario_shows_where_the_timelines_part() -> None:
    code, out, _ = cli("diff", "2025-10", "2026-04", "--scenario",
                       str(SCENARIOS / "verified-before-2030.yaml"), "--format", "json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    verified = next(e for e in data["events"] if e["type"] == "panel_verified")
    assert {c["term"] for c in verified["a"]["changes"]} >= {"ms_research_ip", "revenue_share"}
    # Under 2026-04 the verification ends only the research IP: the April text is silent on it,
    # so N6 stands (SPEC §5.1); the revenue share no longer follows AGI (S17).
    assert verified["b"]["changes"] == [{"term": "ms_research_ip", "in_force": False}]
    assert any(d["date"] == "2028-09-01" for d in data["differences"])


# ---------------------------------------------------------------- diagrams and reference


@pytest.mark.parametrize("version", agi_terms.available_versions())
def test_diagram_is_mermaid_with_every_phase(version: str) -> None:
    code, out, _ = cli("diagram", version)
    assert code == 0
    assert "stateDiagram-v2" in out
    for phase in agi_terms.load_rulebook(version).lifecycle.phase_ids:
        assert f'state "{phase}" as {phase}' in out
    assert "[*] --> pre_agi" in out


def test_terms_and_parameters_commands_list_everything_with_sources() -> None:
    code, out, _ = cli("terms", "2026-04", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [t["term"] for t in data["terms"]] == list(agi_terms.load_rulebook("2026-04").term_ids)
    assert all(t["source"] for t in data["terms"])
    code, out, _ = cli("parameters", "2026-04", "--format", "json")
    cap = next(p for p in json.loads(out)["parameters"] if p["name"] == "revenue_share_cap_usd")
    assert cap["default"] == 3.8e10
    assert cap["reported"] is True
    code, out, _ = cli("parameters", "2025-10", "--format", "markdown")
    assert "`api_exclusivity_backstop`" in out
    assert "Q5" in out


def test_a_term_the_version_lacks_is_explained_as_not_in_force() -> None:
    with agi_terms.load_agreement("2025-01", backend="python") as agreement:
        explanation = agreement.start().explain("2026-01-01", term="ms_compute_cap")
    assert explanation.outcome is False
    assert "agreement 2025-01 has no such term" in explanation.summary


def test_a_second_board_declaration_is_refused_as_final() -> None:
    with agi_terms.load_agreement("2025-01", backend="python") as agreement:
        contract = agreement.start().apply({"date": "2025-07-01", "type": "agi_declared"})
        with pytest.raises(agi_terms.LifecycleError, match="the board's declaration is final"):
            contract.apply({"date": "2025-08-01", "type": "agi_declared"})


def _cited(source: str) -> set[str]:
    return {part.strip() for part in source.split(",")}


def test_the_agi_process_cites_n2_and_n1_is_only_the_frontier_model_partner() -> None:
    """N1 is the frontier-model-partner status; the declaration, the panel and the phases are N2."""
    for version in agi_terms.available_versions():
        rulebook = agi_terms.load_rulebook(version)
        lifecycle = rulebook.lifecycle
        cited: list[tuple[str, str]] = [
            *((f"phase {p.id}", p.source) for p in lifecycle.phases),
            *((f"transition {t.trigger}", t.source) for t in lifecycle.transitions),
            *((f"placement {p.phase}", p.source) for p in lifecycle.placement),
            *((f"gate {g.date}", g.source) for g in lifecycle.calendar),
            *((f"parameter {p.name}", p.source) for p in rulebook.parameters),
            *((f"obligation {o.id}", o.source) for o in rulebook.obligations),
            *((f"term {t.id}", t.source) for t in rulebook.terms),
            *((f"rule {r.id} of {r.target}", r.source) for r in rulebook.rules),
        ]
        n1 = {what for what, source in cited if "N1" in _cited(source)}
        assert n1, version
        assert all("ms_frontier_model_partner" in what for what in n1), (version, n1)
        if version != "2025-01":
            for phase in lifecycle.phases:
                if phase.id in ("pre_agi", "panel_review", "post_agi"):
                    assert "N2" in _cited(phase.source), (version, phase.id)
            for move in lifecycle.transitions:
                if move.trigger in ("agi_declared", "panel_verified") and move.dest != "post_2032":
                    assert "N2" in _cited(move.source), (version, move)


CARRIED_OVER = {
    "ms_frontier_model_partner", "ms_research_ip", "ms_compute_cap", "ms_independent_agi",
    "ms_compute_rofr", "openai_open_weights", "consumer_hardware_carveout", "azure_commitment",
}  # fmt: skip


def test_2026_04_terms_carried_over_from_october_2025_say_so_and_cite_s17() -> None:
    april = agi_terms.load_rulebook("2026-04")
    october = agi_terms.load_rulebook("2025-10")
    noted = {t.id for t in april.terms if t.note and t.note.startswith("Carried over")}
    assert noted == CARRIED_OVER
    by_id = {t.id: t for t in october.terms}
    for term in april.terms:
        if term.id not in CARRIED_OVER:
            continue
        assert "S17" in _cited(term.source), term.id
        clauses = {c for c in _cited(by_id[term.id].source) if c.startswith("N")}
        assert clauses <= _cited(term.source), term.id  # the October clause stands beside S17
        assert all("S17" in _cited(r.source) for r in term.rules), term.id
    code, out, _ = cli("terms", "2026-04", "--format", "json")
    assert code == 0
    notes = {t["term"]: t["note"] for t in json.loads(out)["terms"]}
    assert notes["ms_compute_cap"].startswith("Carried over from October 2025")
    assert notes["ms_ip_exclusivity"] is None


def test_the_april_2026_diff_shows_only_what_the_april_text_changes() -> None:
    """2025-10 → 2026-04 at defaults: the exclusivities go, products ship first on Azure, the revenue
    share leaves AGI behind and Microsoft's share ends (S17); the compute cap, the research IP and
    the guardrails, on which the April text is silent, agree (SPEC §5.1)."""
    from agi_terms.analysis.diff import diff_versions

    diff = diff_versions("2025-10", "2026-04", backend="python")
    assert {row["term"] for row in diff["terms"]} == {
        "ms_ip_exclusivity", "azure_api_exclusivity", "third_party_api_exclusivity",
        "azure_first_ship", "revenue_share", "ms_revenue_share_to_openai",
    }  # fmt: skip
    changed = {row["action"] for row in diff["actions"]}
    assert not changed & {
        "Microsoft trains with OpenAI IP, 6e27 FLOP", "Microsoft uses a new model",
        "Microsoft uses research IP",
    }  # fmt: skip
    launches = [row for row in diff["actions"] if row["type"] == "product_launch"]
    assert launches
    assert all(row["b"]["allowed"] for row in launches)
    assert all(row["b"]["obligations"] == ["ship_first_on_azure"] for row in launches)
