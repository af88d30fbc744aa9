"""The distribution carries the rule files and loads them without reference to the working directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import agi_terms
from agi_terms.rulebook import available_versions, shipped_rules

ROOT = Path(__file__).resolve().parent.parent


def test_rules_load_from_any_working_directory(tmp_path: Path) -> None:
    code = (
        "import agi_terms; print(agi_terms.load_rulebook('2025-10').version,"
        " agi_terms.source('N6').id)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "2025-10 N6"


def test_shipped_versions_are_found() -> None:
    assert "2025-10" in available_versions()
    assert shipped_rules().joinpath("2025-10", "terms.yaml").is_file()
    assert shipped_rules().joinpath("sources.yaml").is_file()
    assert "sources.yaml" not in available_versions()


def test_an_installed_package_reads_rules_from_inside_itself() -> None:
    package = Path(agi_terms.__file__).resolve().parent
    if package.parent.parent == ROOT:
        # Running from a checkout (editable install): the rules are the checkout's rules/ folder.
        assert Path(str(shipped_rules())) == ROOT / "rules"
    else:
        assert Path(str(shipped_rules())) == package / "_rules"


def test_the_wheel_contains_every_rule_file(tmp_path: Path) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("agi_terms-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for version in available_versions():
        for file in (
            "agreement.yaml",
            "lifecycle.yaml",
            "parameters.yaml",
            "terms.yaml",
            "decisions.yaml",
        ):
            assert f"agi_terms/_rules/{version}/{file}" in names
    assert "agi_terms/_rules/sources.yaml" in names  # the register every citation resolves in
    assert "agi_terms/py.typed" in names
    for kind in ("scenario", "assumptions"):  # for editors: agi-terms schema KIND --path
        assert f"agi_terms/schemas/{kind}.schema.json" in names
