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


def refused(tmp_path: Path, file: str, edit: Edit) -> tuple[Path, RulebookError]:
    """A copy of the shipped version with ``file`` edited, and the error its loading raises."""
    folder = tmp_path / "2025-10"
    shutil.copytree(RULES, folder)
    target = folder / file
    target.write_text(edit(target.read_text()))
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(folder)
    return folder, info.value


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
    folder, error = refused(tmp_path, file, edit)
    assert error.file == f"{folder}/{file}", what
    text = error.one_line()
    for word in words:
        assert word in text, (what, text)


# Each error names what it stands in: a phase, a parameter, a term, ... not everything a rule.
RESEARCH_IP = load_rulebook("2025-10").term_ids.index("ms_research_ip")
NAMED: list[tuple[str, str, Edit, str]] = [
    (
        "phase",
        "lifecycle.yaml",
        replace_once("  - id: pre_agi\n", "  - id: pre_agi\n    colour: red\n"),
        "phase pre_agi, key phases[0].colour",
    ),
    (
        "parameter",
        "parameters.yaml",
        replace_once("    default: verified\n", "    default: declard\n"),
        "parameter agi_trigger, key parameters[0].default",
    ),
    (
        "term",
        "terms.yaml",
        replace_once("  - id: ms_research_ip\n", "  - id: ms_research_ip\n    holds: Microsoft\n"),
        f"term ms_research_ip, key terms[{RESEARCH_IP}].holds",
    ),
    (
        "rule",
        "terms.yaml",
        replace_once("{$lte: {day: 2030-12-31}}", "{$lte: {today: 2030-12-31}}"),
        f"rule research_ip_through_2030, key terms[{RESEARCH_IP}].rules[0].when.$lte.today",
    ),
    (
        "obligation",
        "decisions.yaml",
        replace_once("    source: N5\n  - id: stay_within", "    source: N55\n  - id: stay_within"),
        "obligation post_agi_safety_guardrails, key obligations[0].source",
    ),
    (
        "property",
        "properties.yaml",
        replace_once("        - {ms_model_product_ip: true}", "        - {ms_model_product_ipp: true}"),
        "property licence_exactly_through_2032, key properties[0].holds.$iff[0]",
    ),
    (
        "placement",
        "lifecycle.yaml",
        replace_once("    when: {verified: true}\n    source: N2", "    when: {verifed: true}\n    source: N2"),
        "placement in phase post_agi, key placement[1].when.verifed",
    ),
    (
        "term in a cycle",
        "terms.yaml",
        replace_once("when: {$lte: {day: 2032-12-31}}", "when: {ms_compute_cap: true}"),
        "term ms_",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("what", "file", "edit", "place"), NAMED, ids=[n[0] for n in NAMED])
def test_an_error_names_what_it_stands_in(
    tmp_path: Path, what: str, file: str, edit: Edit, place: str
) -> None:
    _, error = refused(tmp_path, file, edit)
    assert error.place.startswith(place), (what, error.one_line())
    kind = "placement in phase" if what == "placement" else what.removesuffix(" in a cycle")
    assert (error.kind, error.to_json()["kind"]) == (kind, kind)


@pytest.mark.parametrize(
    ("register", "place", "message"),
    [
        ("", "line 1, column 1", "the file is empty: expected a mapping with the keys sources"),
        ("[N1]", "line 1, column 1", "expected a mapping with the keys sources, got a list"),
        ("sources: [N1]", "key sources[0], line 1, column 11", "expected a mapping, got 'N1'"),
        (
            "sources:\n  - {id: N1, title: a, kind: term, statement: b, confidence: official}\n"
            "  - {id: N1, title: c, kind: term, statement: d, confidence: official}\n",
            "source entry N1, key sources[1].id, line 3, column 10",
            "duplicate source id 'N1' (first at sources[0])",
        ),
        (
            "sources:\n  - {id: N1, title: a, kind: term, statement: b}\n",
            "source entry N1, key sources[0].confidence, line 2, column 5",
            "required key is missing",
        ),
    ],
)
def test_a_register_error_names_its_entry_and_place_in_the_files_terms(
    tmp_path: Path, register: str, place: str, message: str
) -> None:
    (tmp_path / "sources.yaml").write_text(register)
    shutil.copytree(RULES, tmp_path / "2025-10")
    with pytest.raises(RulebookError) as info:
        load_rulebook_from(tmp_path / "2025-10")
    assert (info.value.place, info.value.message) == (place, message)
    assert "_SourcesFile" not in info.value.one_line()


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
