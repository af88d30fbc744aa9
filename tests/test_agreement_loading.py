"""Loading an agreement reads other versions' rule files only when it must (a cold start's cost)."""

from __future__ import annotations

import subprocess
import sys

import agi_terms
import pytest


def rulebooks_read_by(code: str) -> int:
    script = (
        f"import agi_terms\n{code}\nprint(agi_terms.rulebook.load_rulebook.cache_info().currsize)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


def test_an_agreement_without_foreign_parameters_reads_only_its_own_version() -> None:
    assert (
        rulebooks_read_by("agi_terms.load_agreement('2025-10', {'agi_trigger': 'declared'})") == 1
    )


def test_another_versions_parameter_is_still_accepted_and_reads_them_all() -> None:
    code = "agi_terms.load_agreement('2025-10', {'declaration_ends_exclusivities': True})"
    assert rulebooks_read_by(code) == len(agi_terms.available_versions())
    with agi_terms.load_agreement("2025-10", {"declaration_ends_exclusivities": True}) as agreement:
        assert "declaration_ends_exclusivities" not in agreement.parameters
    with pytest.raises(agi_terms.UnknownParameterError):
        agi_terms.load_agreement("2025-10", {"no_such_parameter": 1})
