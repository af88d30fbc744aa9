"""The interface every rules backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from agi_terms.facts import FactRow
from agi_terms.reprs import short_repr
from agi_terms.rulebook.program import Program


class RulesBackend(ABC):
    """Evaluates the rules of one program stage over a batch of fact rows.

    ``match`` is batch-first so that a vectorised backend can evaluate all rows of a batch at once;
    the scalar backends loop. It returns, for each row, the indices of the program's rules of that
    stage whose condition holds, in program order.
    """

    name: ClassVar[str]
    footprint: ClassVar[int] = 512 * 1024
    """Estimated resident bytes of one version compiled on this backend, with the evaluator's caches
    full: what a cache of agreements counts (``simulations/hostile.py`` prints it beside the
    measured growth)."""

    def __init__(self, program: Program) -> None:
        self.program = program

    @abstractmethod
    def match(self, stage: int, rows: Sequence[FactRow]) -> list[tuple[int, ...]]:
        """The indices of the rules of ``stage`` that hold, for each row."""

    def __repr__(self) -> str:
        return short_repr(self, rules=len(self.program.rules))

    def close(self) -> None:  # noqa: B027 - a no-op for backends that hold nothing
        """Release what the backend holds (the durable ruleset); the backend is unusable after."""

    def __enter__(self) -> RulesBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
