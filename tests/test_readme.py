"""The README's examples run: its Python blocks and its quick-start scenario."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_readme_has_python_examples() -> None:
    assert BLOCKS


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_block_runs(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Examples may write files (a store); keep them out of the checkout. Paths in the examples
    # are relative to the checkout, so link the folders they read.
    for name in ("simulations", "rules"):
        (tmp_path / name).symlink_to(README.parent / name)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})


def test_quick_start_commands_name_shipped_files() -> None:
    text = README.read_text()
    root = README.parent
    for path in re.findall(r"simulations/scenarios/[\w.-]+\.yaml", text):
        assert (root / path).is_file(), path
    assert ".venv/bin/pytest" in text


def test_the_readme_embeds_the_current_diagram_of_every_version() -> None:
    import agi_terms
    from agi_terms.analysis.diagram import mermaid

    text = README.read_text()
    for version in agi_terms.available_versions():
        assert f"```mermaid\n{mermaid(agi_terms.load_rulebook(version)).rstrip()}\n```" in text, (
            version
        )


def test_the_readme_shows_the_current_headline_diff() -> None:
    from agi_terms.analysis.diff import diff_versions
    from agi_terms.interfaces.cli.diff_render import diff_markdown

    shown = diff_markdown(diff_versions("2025-01", "2025-10", backend="python"))
    shown = shown.replace("# 2025-01 → 2025-10\n\n", "", 1).replace("## ", "#### ")
    assert shown in README.read_text()


def test_the_failing_expectation_prints_what_the_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agi_terms.interfaces.cli import main
    from click.testing import CliRunner

    text = README.read_text()
    section = text[text.index("## Writing expectations") :]
    section = section[: section.index("\n## ", 1)]
    scenario = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    command = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    printed = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert scenario
    assert command
    assert printed
    name = scenario.group(1).splitlines()[0].removeprefix("# ")
    (tmp_path / name).write_text(scenario.group(1))
    program, *args = command.group(1).split()
    assert program == "agi-terms"
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.stdout == printed.group(1)
