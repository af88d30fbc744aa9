"""The library as a person meets it: ``help(agi_terms)``, a saved contract as JSON text, and an
explanation that prints as its text."""

from __future__ import annotations

import json
import pydoc
import re

import agi_terms
import pytest

HISTORY = [
    {"date": "2029-03-01", "type": "agi_declared"},
    {"date": "2029-09-01", "type": "panel_verified"},
]


@pytest.fixture(scope="module")
def contract() -> agi_terms.Contract:
    return agi_terms.load_agreement("2025-10", backend="python").start().apply_all(HISTORY)


def test_load_contract_takes_the_json_text_as_well_as_the_mapping(
    contract: agi_terms.Contract,
) -> None:
    saved = contract.to_json()
    text = json.dumps(saved)
    assert agi_terms.load_contract(saved, backend="python") == contract
    assert agi_terms.load_contract(text, backend="python") == contract
    assert agi_terms.load_contract(text.encode(), backend="python") == contract


@pytest.mark.parametrize(
    ("text", "words"),
    [('{"format": "agi-terms/contract@1",\n "events": [}', "a saved contract is JSON"),
     ("[1, 2]", "a saved contract is a mapping"),
     (b"\xff\xfe{}", "UTF-8")],
)  # fmt: skip
def test_load_contract_refuses_text_that_is_not_a_saved_contract(
    text: str | bytes, words: str
) -> None:
    with pytest.raises(agi_terms.InputError) as caught:
        agi_terms.load_contract(text)
    assert words in caught.value.message
    if isinstance(text, str) and "\n" in text:
        assert (caught.value.line, caught.value.column) == (2, 13)


def test_an_explanation_prints_as_its_text(contract: agi_terms.Contract) -> None:
    explanation = contract.explain("2031-01-01", term="ms_research_ip")
    assert str(explanation) == explanation.text()
    assert f"{explanation}".startswith("2031-01-01 (2025-10, phase post_agi): ms_research_ip")


def test_help_says_where_to_start_before_anything_else() -> None:
    text = pydoc.render_doc(agi_terms, renderer=pydoc.plaintext)
    # __all__ holds every public type too, so help lists them after the package's docstring.
    opening = text.split("PACKAGE CONTENTS")[0]
    assert len(opening.splitlines()) < 60, len(opening.splitlines())
    for start in ("load_agreement", "load_contract", "simulate", "run_montecarlo"):
        assert start in opening
    # Every type the docstring points to is importable from the package.
    doc = agi_terms.__doc__ or ""
    for name in set(re.findall(r"``([A-Z][A-Za-z]+)``", doc)):
        assert isinstance(getattr(agi_terms, name), type), name


@pytest.mark.parametrize(
    "name",
    ["Agreement", "Contract", "ContractState", "Decision", "Step", "Checkpoint", "TermsReport",
     "TermStatus", "Citation", "Change", "Explanation", "Scenario", "Simulation", "Rulebook",
     "Source", "SourceRegister", "ContractStore", "ProductLaunch", "Capability", "Level",
     "AgiTermsError", "InputError", "EventOrderError", "LifecycleError", "UnknownVersionError",
     "UnknownParameterError", "RulebookError", "BackendError", "StoreError",
     "VersionConflictError", "UnknownContractError", "ContractExistsError", "Assumptions",
     "MonteCarloResult", "InputLimits", "InputLimitError"],
)  # fmt: skip
def test_the_types_stay_importable_from_the_package(name: str) -> None:
    assert isinstance(getattr(agi_terms, name), type)
