"""Every shipped scenario against its golden timeline, on both backends and from the command line.

After a reviewed change to the rules or the engine: ``python tests/regenerate_golden.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import agi_terms
import pytest
from agi_terms.interfaces.main import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(path: Path) -> object:
    return json.loads((GOLDEN / f"{path.stem}.json").read_text())


def test_every_scenario_has_a_golden_file_and_back() -> None:
    assert len(SCENARIOS) >= 8
    assert {p.stem for p in SCENARIOS} == {p.stem for p in GOLDEN.glob("*.json")}


@pytest.mark.parametrize("backend", ["python", "durable"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_library_matches_golden(path: Path, backend: str) -> None:
    result = agi_terms.simulate(agi_terms.load_scenario(path), backend=backend)
    assert result.to_json() == golden(path)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_command_line_matches_golden(path: Path) -> None:
    out = CliRunner().invoke(main, ["simulate", str(path), "--format", "json"])
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout) == golden(path)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_checkpoints_list_every_term_of_the_version_in_force(path: Path) -> None:
    result = agi_terms.simulate(agi_terms.load_scenario(path), backend="python")
    for checkpoint in result.checkpoints:
        version = result.contract.terms(on=checkpoint.date).version
        assert list(checkpoint.terms) == list(agi_terms.load_rulebook(version).term_ids)


def test_every_scenario_explains_itself() -> None:
    for path in SCENARIOS:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# "), f"{path.name} starts with a comment saying what it shows"


def test_parameters_list_those_of_every_version_amended_to() -> None:
    result = agi_terms.simulate(
        agi_terms.load_scenario(ROOT / "simulations/scenarios/real-history.yaml")
    )
    names = set(result.to_json()["parameters"])
    for version in ("2025-01", "2025-10", "2026-04"):
        assert {p.name for p in agi_terms.load_rulebook(version).parameters} <= names, version
