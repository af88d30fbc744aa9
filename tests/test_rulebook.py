"""Loading rule files: the shipped versions load; every kind of defect is refused with file, rule and key."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import agi_terms
import pytest
from agi_terms.errors import RulebookError
from agi_terms.rulebook import load_rulebook, load_rulebook_from
from agi_terms.rulebook.citations import citation_ids

RULES = Path(__file__).resolve().parent.parent / "rules" / "2025-10"


def test_the_shipped_version_loads_with_every_term_of_the_spec() -> None:
    rulebook = load_rulebook("2025-10")
    assert set(rulebook.term_ids) == {
        "ms_model_product_ip", "ms_frontier_model_partner", "ms_ip_exclusivity",
        "post_agi_models_covered", "ms_research_ip", "azure_api_exclusivity",
        "third_party_api_exclusivity", "revenue_share", "ms_revenue_share_to_openai",
        "ms_compute_cap", "ms_independent_agi", "ms_compute_rofr", "openai_third_party_products",
        "openai_non_api_any_cloud", "openai_natsec_any_cloud", "openai_open_weights",
        "consumer_hardware_carveout", "azure_commitment",
    }  # fmt: skip
    assert rulebook.effective.isoformat() == "2025-10-28"
    assert set(rulebook.decisions) == set(agi_terms.events.ACTION_TYPES)
    assert [p.name for p in rulebook.parameters] == [
        "agi_trigger", "api_exclusivity_backstop", "revenue_share_backstop", "compute_cap_lifts_on",
        "compute_threshold_flop", "open_weights_max_level", "open_weights_criteria_until",
        "stateful_runtime_is_api", "third_party_api_exclusivity_ends_at_agi",
        "research_ip_ends_at_verification", "azure_commitment_usd",
    ]  # fmt: skip


def test_every_rule_and_parameter_cites_a_source_of_the_register() -> None:
    rulebook = load_rulebook("2025-10")
    for rule in rulebook.rules:
        assert rulebook.sources.resolve(rule.source), rule.id
    for param in rulebook.parameters:
        assert rulebook.sources.resolve(param.source), param.name


def test_lifecycle_has_the_phases_of_the_spec() -> None:
    lifecycle = load_rulebook("2025-10").lifecycle
    assert lifecycle.phase_ids == ("pre_agi", "panel_review", "post_agi", "post_2032")
    assert lifecycle.final == ("post_2032",)


@pytest.mark.parametrize(
    ("source", "ids"),
    [("N8", ("N8",)), ("N4, N5", ("N4", "N5")), ("Q11", ("Q11",)), (" S17 , N16", ("S17", "N16"))],
)
def test_a_citation_is_one_id_or_several_separated_by_commas(
    source: str, ids: tuple[str, ...]
) -> None:
    assert citation_ids(source) == ids


@pytest.mark.parametrize(
    "source", ["", "somewhere", "N8; N9", "seeds/x.txt", "§4.4", "N08", "n8", "N8,"]
)
def test_invalid_citations(source: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is checked in the loader tests
        citation_ids(source)


Edit = Callable[[str], str]


def replace_once(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, f"the shipped rule file no longer contains {old!r}"
        return text.replace(old, new, 1)

    return edit


DEFECTS: list[tuple[str, str, Edit, list[str]]] = [
    (
        "rule without a source",
        "terms.yaml",
        replace_once(
            "        when: {$lte: {day: 2030-12-31}}\n        source: N6\n",
            "        when: {$lte: {day: 2030-12-31}}\n",
        ),
        ["rule research_ip_through_2030", "source", "required key is missing"],
    ),
    (
        "unknown source id",
        "terms.yaml",
        replace_once(
            "        when: {$lte: {day: 2030-12-31}}\n        source: N6\n",
            "        when: {$lte: {day: 2030-12-31}}\n        source: N66\n",
        ),
        [
            "rule research_ip_through_2030",
            "key terms[4].rules[0].source",
            "unknown source id N66",
            "no entry in the register rules/sources.yaml",
        ],
    ),
    (
        "unknown operator",
        "terms.yaml",
        replace_once("{$lte: {day: 2030-12-31}}", "{$lte_: {day: 2030-12-31}}"),
        ["rule research_ip_through_2030", "when.$lte_", "unknown operator '$lte_'"],
    ),
    (
        "unknown fact",
        "terms.yaml",
        replace_once("{$lte: {day: 2030-12-31}}", "{$lte: {today: 2030-12-31}}"),
        ["rule research_ip_through_2030", "unknown fact 'today'"],
    ),
    (
        "unknown parameter",
        "terms.yaml",
        replace_once("{param: api_exclusivity_backstop}", "{param: api_backstop}"),
        ["rule api_exclusivity_backstop", "unknown parameter 'api_backstop'"],
    ),
    (
        "duplicate id",
        "terms.yaml",
        replace_once("- id: research_ip_ends_at_verification", "- id: research_ip_through_2030"),
        ["rule research_ip_through_2030", "duplicate id 'research_ip_through_2030'"],
    ),
    (
        "term without a rule",
        "terms.yaml",
        replace_once(
            "    rules:\n      - id: microsoft_may_pursue_agi\n        effect: grant\n        source: N13\n",
            "    rules: []\n",
        ),
        ["term 'ms_independent_agi' has no rule"],
    ),
    (
        "value of the wrong type",
        "terms.yaml",
        replace_once(
            "{research_ip_ends_at_verification: true}, {verified: true}",
            "{research_ip_ends_at_verification: true}, {verified: 1}",
        ),
        ["rule research_ip_ends_at_verification", "verified is a bool; 1 is not"],
    ),
    (
        "ordering an unordered fact",
        "decisions.yaml",
        replace_once("{$neq: {cloud: azure}}", "{$gt: {cloud: azure}}"),
        ["rule api_launch_off_azure_denied", "only == and $neq apply"],
    ),
    (
        "unknown enum value",
        "decisions.yaml",
        replace_once("{$neq: {cloud: azure}}", "{$neq: {cloud: azur}}"),
        ["rule api_launch_off_azure_denied", "'azur' is not a value of cloud"],
    ),
    (
        "unknown effect",
        "terms.yaml",
        replace_once(
            "        effect: grant\n        when: {$lte: {day: 2030-12-31}}",
            "        effect: granted\n        when: {$lte: {day: 2030-12-31}}",
        ),
        ["rule research_ip_through_2030", "effect is grant or end"],
    ),
    (
        "action without an allow rule",
        "decisions.yaml",
        replace_once(
            "        effect: allow\n        source: N17",
            "        effect: deny\n        source: N17",
        ),
        ["action 'compute_contract' has no allow rule"],
    ),
    (
        "unknown obligation",
        "decisions.yaml",
        replace_once("obligation: post_agi_safety_guardrails", "obligation: guardrails"),
        ["rule post_agi_asset_guardrails", "unknown obligation 'guardrails'"],
    ),
    (
        "terms in a cycle",
        "terms.yaml",
        replace_once("when: {$lte: {day: 2032-12-31}}", "when: {ms_compute_cap: true}"),
        ["cycle"],
    ),
    (
        "parameter without a source",
        "parameters.yaml",
        replace_once("    source: Q3\n", ""),
        ["agi_trigger", "source", "required key is missing"],
    ),
    (
        "bad parameter default",
        "parameters.yaml",
        replace_once("    default: medium\n", "    default: extreme\n"),
        ["open_weights_max_level", "one of low, medium, high, critical"],
    ),
    (
        "unknown lifecycle phase",
        "lifecycle.yaml",
        replace_once("    to: post_agi\n", "    to: verified\n"),
        ["'verified' is not a phase"],
    ),
    (
        "unknown key",
        "terms.yaml",
        replace_once(
            "        effect: grant\n        when: {$lte: {day: 2030-12-31}}",
            "        effect: grant\n        wen: {$lte: {day: 2030-12-31}}",
        ),
        ["rule research_ip_through_2030", "wen", "unknown key"],
    ),
    ("broken YAML", "decisions.yaml", lambda text: text + "\n  - {action: [\n", ["YAML syntax"]),
]


@pytest.mark.parametrize(("what", "file", "edit", "words"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_a_planted_defect_is_refused_naming_file_rule_and_key(
    tmp_path: Path, what: str, file: str, edit: Edit, words: list[str]
) -> None:
    folder = tmp_path / "2025-10"
    shutil.copytree(RULES, folder)
    target = folder / file
    target.write_text(edit(target.read_text()))
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(folder)
    error = info.value
    assert error.file == f"{folder}/{file}", what
    text = error.one_line()
    for word in words:
        assert word in text, (what, text)


def test_an_unmodified_copy_loads(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(RULES, folder)
    assert load_rulebook_from(folder).term_ids == load_rulebook("2025-10").term_ids


def test_a_missing_rule_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(RULES, folder)
    (folder / "decisions.yaml").unlink()
    with pytest.raises(RulebookError, match=r"missing rule file decisions\.yaml"):
        load_rulebook_from(folder)
