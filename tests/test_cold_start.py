"""What starting the package and a command loads: the package's names on first use, and a command
only the modules it runs (how long that takes is the benchmark's business, not a test's)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import agi_terms
import pytest

INIT = Path(agi_terms.__file__)


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_package_loads_none_of_its_modules() -> None:
    loaded = loaded_after("import agi_terms")
    assert {m for m in loaded if m.startswith("agi_terms.")} == set()
    assert "pydantic" not in loaded
    assert "sqlite3" not in loaded


def test_every_exported_name_is_there_when_asked_for() -> None:
    for name in [*agi_terms.__all__, *agi_terms._LAZY]:
        assert getattr(agi_terms, name) is not None, name
        assert name in dir(agi_terms), name
    assert agi_terms.Contract.__module__ == "agi_terms.evaluation.contract"
    assert agi_terms.run_montecarlo.__module__.startswith("agi_terms.analysis.montecarlo")
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = agi_terms.nope  # type: ignore[attr-defined]


def test_the_names_exported_on_first_use_are_those_the_type_checker_sees() -> None:
    tree = ast.parse(INIT.read_text())
    checked = {
        alias.asname or alias.name: node.module
        for block in tree.body
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert checked == agi_terms._LAZY


def test_simulate_on_the_python_backend_loads_only_what_it_runs(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("events:\n  - {date: 2029-03-01, type: agi_declared}\n")
    code = (
        "import sys\nfrom agi_terms.interfaces.main import main\n"
        f"sys.argv = ['agi-terms', 'simulate', {str(scenario)!r}, '--format', 'json',"
        " '--backend', 'python']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
    )
    loaded = loaded_after(code)
    assert "agi_terms.analysis.scenario" in loaded  # it did simulate
    for unused in (
        "durable_rules_engine",  # the durable backend
        "sqlite3",
        "agi_terms.store",
        "rich",
        "agi_terms.interfaces.cli.render",  # the table, markdown and csv renderers
        "numpy",
        "agi_terms.analysis.montecarlo",
        "fastapi",
    ):
        assert unused not in loaded, unused
