"""pytest's entry point for agi-terms: ``test_*.yaml`` scenario files that state expectations are
collected as tests, one item per expectation (SPEC §13).

pytest loads this module in every run of everyone who has agi-terms installed, so it sits outside
the ``agi_terms`` package (importing that package loads the engine) and imports nothing until a file
that may hold expectations turns up; the collector is ``agi_terms.interfaces.pytest_plugin``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    """A collector for ``test_*.yaml`` files whose text mentions ``expect``, else ``None``."""
    if not (file_path.name.startswith("test_") and file_path.suffix == ".yaml"):
        return None
    try:
        if b"expect" not in file_path.read_bytes():
            return None
    except OSError:
        return None
    from agi_terms.interfaces.pytest_plugin import ScenarioFile

    return ScenarioFile.from_parent(parent, path=file_path)
