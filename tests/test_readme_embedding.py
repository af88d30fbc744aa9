"""The README's "Embedding" example runs, and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def embedding_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Embedding") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def test_the_embedding_example_runs_and_prints_its_comments(tmp_path: Path) -> None:
    code = embedding_example()
    expected = [line.rsplit("# ", 1)[1].strip() for line in code.splitlines() if "print(" in line]
    output = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(output):
            exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    finally:
        os.chdir(cwd)
    assert output.getvalue().splitlines() == expected
    assert (tmp_path / "contracts.db").is_file()
