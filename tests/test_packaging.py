"""The distribution carries the rule files and loads them without reference to the working directory,
and installed beside a host project with its own ``engine`` package it leaves that package alone."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import agi_terms
import pytest
from agi_terms.rulebook import available_versions, shipped_rules

ROOT = Path(__file__).resolve().parent.parent
PIP_ENV = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's wheel, built once (without its dependencies)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, env=PIP_ENV,
    )  # fmt: skip
    (built,) = out.glob("agi_terms-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """The python of a fresh venv with the wheel installed by pip (``--no-deps``); the
    dependencies come from this environment's site-packages, listed after the venv's own."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel)],
        check=True, capture_output=True, env=PIP_ENV,
    )  # fmt: skip
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "zz_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


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


def test_the_wheel_contains_every_rule_file(wheel: Path) -> None:
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


def test_a_host_project_with_its_own_engine_package_keeps_it(
    installed: Path, tmp_path: Path
) -> None:
    host = tmp_path / "host"
    (host / "engine").mkdir(parents=True)
    (host / "engine" / "__init__.py").write_text("OWNER = 'the host project'\n")
    code = textwrap.dedent(
        """
        import hypothesis, agi_terms, engine
        from hypothesis import given, strategies as st
        print(engine.OWNER)
        print(engine.__file__)
        print(agi_terms.__file__)
        print(agi_terms.load_rulebook("2025-10").version, agi_terms.source("N6").id)
        """
    )
    proc = subprocess.run(
        [str(installed), "-c", code], cwd=host, capture_output=True, text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    owner, engine_file, package_file, loaded = proc.stdout.splitlines()
    assert owner == "the host project"
    assert Path(engine_file) == host / "engine" / "__init__.py"
    # The installed copy, not this checkout's source.
    assert Path(package_file).is_relative_to(installed.parent.parent)
    assert loaded == "2025-10 N6"
