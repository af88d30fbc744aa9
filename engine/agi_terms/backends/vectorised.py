"""The vectorised backend: the program's folded conditions compiled into numpy operations over columns.

A *column* holds one fact for many rows (any shape that numpy broadcasts: a fact that is the same for
every row may be a scalar). Values are rule values as in ``agi_terms.facts`` (dates as ordinal days,
levels as integers, numbers as floats, booleans), except that ``choice`` facts (the phase, the kind of
product...) are integer codes: ``encode(fact, value)`` gives the code of a choice.
``Evaluator.terms_columns`` evaluates a version's terms over columns with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from agi_terms.backends.base import RulesBackend
from agi_terms.conditions import (
    COMPARISONS,
    AllOf,
    Always,
    AnyOf,
    Compare,
    Condition,
    Not,
    comparisons,
)
from agi_terms.errors import BackendError
from agi_terms.facts import FactRow, RuleValue
from agi_terms.rulebook.program import Program

Column = npt.NDArray[Any] | np.generic | int | float | bool
"""One fact over rows (an array, or a scalar that stands for every row)."""
Mask = npt.NDArray[np.bool_] | np.bool_
ColumnPredicate = Callable[[Mapping[str, Column]], Mask]

_UFUNCS: Mapping[str, Callable[[Any, Any], Mask]] = {
    op: getattr(np, c.ufunc) for op, c in COMPARISONS.items()
}
UNKNOWN_CHOICE = -1
"""The code of a value that is not among a choice fact's choices (it equals no rule constant)."""


class VectorisedBackend(RulesBackend):
    """numpy over columns: each rule's condition is evaluated for all rows of a batch at once."""

    name: ClassVar[str] = "vectorised"

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self._codes: dict[str, dict[str, int]] = {
            name: {choice: code for code, choice in enumerate(spec.choices)}
            for name, spec in program.facts.items()
            if spec.type == "choice"
        }
        self._stages: tuple[tuple[tuple[int, ColumnPredicate], ...], ...] = tuple(
            tuple((i, self._compile(program.rules[i].condition)) for i in indices)
            for indices in program.stage_rules
        )

    # ------------------------------------------------------------ compiling

    def encode(self, fact: str, value: RuleValue) -> RuleValue:
        """``value`` of ``fact`` as a column holds it (the code of a choice)."""
        codes = self._codes.get(fact)
        if codes is None or not isinstance(value, str):
            return value
        return codes.get(value, UNKNOWN_CHOICE)

    def _compile(self, condition: Condition) -> ColumnPredicate:
        if isinstance(condition, Always):
            constant = np.bool_(condition.value)
            return lambda columns: constant
        if isinstance(condition, Compare):
            field, op = condition.field, condition.op
            if field in self._codes and op not in ("eq", "neq"):
                raise BackendError(
                    f"the vectorised backend compares the choice {field!r} only for equality"
                )
            value = self.encode(field, condition.value)  # type: ignore[arg-type]
            if self.program.facts[field].type == "bool" and op == "eq":
                # A boolean fact tested against a constant is the column itself, or its negation.
                if value is True:
                    return lambda columns: np.asarray(columns[field], dtype=np.bool_)
                return lambda columns: np.logical_not(columns[field])
            ufunc = _UFUNCS[op]
            return lambda columns: ufunc(columns[field], value)
        if isinstance(condition, Not):
            inner = self._compile(condition.part)
            return lambda columns: np.logical_not(inner(columns))
        parts = tuple(self._compile(p) for p in condition.parts)
        combine = np.logical_and if isinstance(condition, AllOf) else np.logical_or
        assert isinstance(condition, AllOf | AnyOf)

        def combined(columns: Mapping[str, Column]) -> Mask:
            result = parts[0](columns)
            for part in parts[1:]:
                result = combine(result, part(columns))
            return result

        return combined

    # ------------------------------------------------------------ evaluating columns

    def match_columns(self, stage: int, columns: Mapping[str, Column]) -> list[tuple[int, Mask]]:
        """For each rule of ``stage`` (in program order), its index and where its condition holds."""
        return [(i, predicate(columns)) for i, predicate in self._stages[stage]]

    # ------------------------------------------------------------ the row interface

    def columns(self, rows: Sequence[FactRow], stage: int) -> dict[str, Column]:
        """The facts that the rules of ``stage`` test, as columns of ``rows``.

        A row without a fact (an action row of another type) gets a filler: every rule that tests
        such a fact also tests the action type, which does not hold for that row.
        """
        fields = {
            c.field
            for i, _ in self._stages[stage]
            for c in comparisons(self.program.rules[i].condition)
        }
        columns: dict[str, Column] = {}
        for field in fields:
            filler: RuleValue = UNKNOWN_CHOICE if field in self._codes else 0
            columns[field] = np.array([self.encode(field, row.get(field, filler)) for row in rows])
        return columns

    def match(self, stage: int, rows: Sequence[FactRow]) -> list[tuple[int, ...]]:
        if not rows:
            return []
        shape = (len(rows),)
        masks = [
            (i, np.broadcast_to(m, shape))
            for i, m in self.match_columns(stage, self.columns(rows, stage))
        ]
        return [tuple(i for i, mask in masks if mask[r]) for r in range(len(rows))]
