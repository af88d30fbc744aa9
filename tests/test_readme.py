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
    from agi_terms.interfaces.main import main
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


# ---------------------------------------------------------------- the commands it shows

CONSOLE = re.findall(r"```console\n(.*?)```", README.read_text(), flags=re.DOTALL)


def _commands(block: str) -> list[tuple[str, str]]:
    """``(command, shown output)`` for each ``$ agi-terms ...`` line of a console block."""
    parts = re.split(r"^\$ (.*)\n", block, flags=re.M)[1:]
    return list(zip(parts[::2], parts[1::2], strict=True))


def _run(command: str, stdin: str | None = None) -> str:
    import shlex

    from agi_terms.interfaces.main import main
    from click.testing import CliRunner

    args = shlex.split(command)
    assert args[0] == "agi-terms"
    result = CliRunner().invoke(main, args[1:], env={"COLUMNS": "80"}, input=stdin)
    out = result.stdout + result.stderr
    return "".join(line.rstrip() + "\n" for line in out.splitlines())


def test_the_readme_has_console_examples() -> None:
    assert len(CONSOLE) >= 2
    assert all(_commands(block) for block in CONSOLE)


@pytest.mark.parametrize("block", CONSOLE, ids=[f"console{i}" for i in range(len(CONSOLE))])
def test_a_console_block_shows_what_its_commands_print_at_80_columns(
    block: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(README.parent)  # the commands name files as the README does
    for command, shown in _commands(block):
        assert _run(command) == shown, command


def test_the_readme_shows_the_head_of_the_current_simulate_markdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(README.parent)
    command = "agi-terms simulate simulations/scenarios/verified-before-2030.yaml --format markdown"
    text = README.read_text()
    assert f"<!-- simulate-markdown: the head of `{command}` -->" in text
    out = _run(command)
    head = out[: out.index("## Checkpoints")].rstrip().split("\n", 2)[2].replace("## ", "#### ")
    assert f"`{command}` -->\n{head}\n\n" in text


def test_the_readme_error_example_is_what_the_command_prints() -> None:
    story = "events:\n  - {date: 2029-03-01, type: product_launch, kind: api, clod: aws}\n"
    text = README.read_text()
    assert f"```yaml\n{story}```" in text
    error = _run("agi-terms simulate -", story).strip()
    assert error.startswith("error: <stdin>: events[0].clod: unknown field 'clod'; did you mean")
    assert f"`{error}`" in " ".join(text.split("\n"))


def test_the_readme_shows_what_serve_prints() -> None:
    import json

    from agi_terms.interfaces.http.access_log import listening_line

    text = README.read_text()
    block = text[text.index("$ agi-terms serve --db contracts.db") :].split("```")[0].splitlines()
    assert block[1] == listening_line("http://127.0.0.1:8000", "contracts.db")
    for line in block[2:]:
        assert list(json.loads(line)) == ["method", "path", "status", "ms", "tenant"]


def test_install_lines_name_the_extras_from_a_checkout() -> None:
    text = README.read_text()
    assert "pip install '.[service]'" in text
    assert "'agi-terms[" not in text  # the distribution is installed from its checkout
