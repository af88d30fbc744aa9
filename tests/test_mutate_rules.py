"""simulations/mutate_rules.py keeps working: its mutants load, get killed, and its explanations match."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "simulations"))

import mutate_rules  # noqa: E402


def test_every_explained_survivor_is_a_mutant_the_script_makes() -> None:
    ids = {m.id for m in mutate_rules.mutants()}
    assert set(mutate_rules.EQUIVALENT) <= ids


def test_mutants_cover_every_operator() -> None:
    ids = [m.id for m in mutate_rules.mutants()]
    for marker in (
        "-> 2031-01-01",
        ": drop $and[",
        "effect grant -> end",
        "effect allow -> deny",
        "kind: 'api' -> 'non_api'",
        "remove the rule",
        "transition 0 (agi_declared): remove",
    ):
        assert any(marker in i for i in ids), marker
    assert len(ids) == len(set(ids))


def test_the_mutants_of_a_rule_are_killed() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "simulations" / "mutate_rules.py"), "--only",
         "research_ip_through_2030", "--corpus", "25", "--examples", "0", "--workers", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "mutants: 5" in proc.stdout
    assert "kill rate: 100.0%" in proc.stdout
