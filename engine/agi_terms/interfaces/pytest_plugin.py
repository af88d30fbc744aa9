"""The pytest door: a scenario file's expectations as test items, failing with ``agi-terms test``'s
message (``FILE:LINE: PLACE: expected X, got Y``) at the line of the expectation.

Loaded by the entry point ``_agi_terms_pytest`` only when a ``test_*.yaml`` file may hold
expectations. The scenario is simulated once, when its file is collected; each item reports one
expectation. A file that may hold expectations and is bad input (not YAML, or an ``expect`` that is
not that of a valid scenario) is a collection error with the engine's one-line message: the file,
the place or line, and what is wrong. A file whose data has no ``expect`` key is not collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agi_terms.analysis.expectations import Outcome, check_file
from agi_terms.errors import AgiTermsError


class ScenarioInputError(Exception):
    """A scenario file pytest collected is bad input."""

    def __init__(self, error: AgiTermsError) -> None:
        super().__init__(error.one_line())
        self.error = error


class ExpectationFailed(AssertionError):
    """An expectation did not hold."""


class ScenarioFile(pytest.File):
    """A ``test_*.yaml`` scenario: one item per expectation it states."""

    def collect(self) -> Iterator[pytest.Item]:
        result = check_file(self.path, searched=True, name=_shown_path(self.path, self.config))
        if result is None:
            return
        if result.error is not None:
            raise ScenarioInputError(result.error)
        for outcome in result.outcomes:
            yield ExpectationItem.from_parent(self, name=outcome.place, outcome=outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, ScenarioInputError):
            return f"error: {excinfo.value}"
        return super().repr_failure(excinfo)


class ExpectationItem(pytest.Item):
    """One expectation of a scenario file; it fails when the engine gave something else."""

    def __init__(self, *, outcome: Outcome, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcome = outcome

    def runtest(self) -> None:
        if not self.outcome.passed:
            raise ExpectationFailed(self.outcome.one_line())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        if isinstance(excinfo.value, ExpectationFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.outcome.line
        return self.path, (line - 1 if line is not None else None), self.outcome.place


def _shown_path(path: Path, config: pytest.Config) -> str:
    """The file as pytest users see it: relative to where pytest was started, when inside it."""
    try:
        return str(path.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(path)
