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
def test_python_block_runs(block: str) -> None:
    exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})


def test_quick_start_commands_name_shipped_files() -> None:
    text = README.read_text()
    root = README.parent
    for path in re.findall(r"simulations/scenarios/[\w.-]+\.yaml", text):
        assert (root / path).is_file(), path
    assert ".venv/bin/pytest" in text
