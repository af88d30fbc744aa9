"""The engine's exception types: every refusal says where it stands and why, as structured fields.

An error carries its place as fields, the way a compiler's source position does: ``file`` (the file
the input came from), ``path`` (the keys and indices into the input, ``("events", 3, "cloud")``),
``rule`` (the id of the rule, term, parameter, ... a rule-file error is about) and ``kind`` (what
that entry is: ``rule``, ``term``, ``parameter``, ...), ``line`` and ``column`` (1-based, where the
input's text is known). Messages are built from these fields when shown. An error is never
changed after it is raised: ``within``, ``with_file`` and ``at_position`` return a new error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Self

from agi_terms.reprs import text_repr

PathPart = int | str
_PLACE_TOKEN = re.compile(r"[^.\[\]]+|\[\d+\]")


def split_path(text: str) -> tuple[PathPart, ...]:
    """A path written as text, ``events[3].cloud``, as parts: ``("events", 3, "cloud")``."""
    return tuple(int(t[1:-1]) if t.startswith("[") else t for t in _PLACE_TOKEN.findall(text))


def render_path(path: Sequence[PathPart]) -> str:
    """Parts as a path: ``("events", 3, "cloud")`` -> ``events[3].cloud``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class AgiTermsError(Exception):
    """Base class of every error the engine raises on purpose.

    ``message`` says what is wrong; ``file``, ``path``, ``rule``, ``line`` and ``column`` say where
    (each may be unknown). ``place`` is the path as text (``events[3].cloud``), or the line and
    column when there is no path; ``one_line()`` (also ``str()``) is ``FILE: PLACE: message``.
    """

    def __init__(
        self,
        message: str,
        *,
        place: str | Sequence[PathPart] = (),
        file: str | None = None,
        rule: str | None = None,
        kind: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path: tuple[PathPart, ...] = (
            split_path(place) if isinstance(place, str) else tuple(place)
        )
        self.file = file
        self.rule = rule
        self.kind = kind
        self.line = line
        self.column = column

    # ------------------------------------------------------------ derived errors (never mutate)

    def _replace(self, **fields: Any) -> Self:
        copy = type(self).__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(fields)
        copy.args = self.args
        return copy

    def within(self, *prefix: PathPart) -> Self:
        """The same error placed inside ``prefix`` (``within("events", 2)`` + ``cloud``)."""
        return self._replace(path=(*prefix, *self.path)) if prefix else self

    def with_file(self, file: str) -> Self:
        """The same error attributed to ``file``, unless it already names one."""
        return self if self.file is not None else self._replace(file=file)

    def at_position(self, line: int | None, column: int | None) -> Self:
        """The same error with its line and column, unless it already has them."""
        if line is None or self.line is not None:
            return self
        return self._replace(line=line, column=column)

    # ------------------------------------------------------------ rendering

    @property
    def position(self) -> str:
        """``line L, column C`` (or ``line L``), empty when unknown."""
        if self.line is None:
            return ""
        return f"line {self.line}" + (f", column {self.column}" if self.column is not None else "")

    @property
    def place(self) -> str:
        """Where the error stands, as text: the path, else the position."""
        return render_path(self.path) or self.position

    def _text(self) -> str:
        text = " ".join(self.message.split())
        if self.path and self.line is not None:
            text = f"{text} ({self.position})"
        return text

    def one_line(self) -> str:
        """``FILE: PLACE: message`` with the parts that are known, on one line."""
        parts = [p for p in (self.file, self.place) if p]
        return ": ".join([*parts, self._text()])

    def to_json(self) -> dict[str, object]:
        """``{"place", "message"}`` as the service answers, plus the fields that are known."""
        data: dict[str, object] = {"place": self.place, "message": self._text()}
        for key in ("file", "rule", "kind", "line", "column"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.path:
            data["path"] = list(self.path)
        return data

    def __str__(self) -> str:
        return self.one_line()

    def __repr__(self) -> str:
        return text_repr(self, self.one_line())


class InputError(AgiTermsError):
    """Input that the engine refuses: a bad scenario, event, date, parameter or option."""


class InputLimitError(InputError):
    """Input past one of the reading limits (size, nesting, aliases) or in a form not read (a tag,
    a pipe instead of a file): refused before it is parsed, whatever it would have said."""


class EventOrderError(InputError):
    """An event dated before the previous event or before the agreement's start."""


class LifecycleError(InputError):
    """An event that the contract's current phase does not allow."""


class UnknownVersionError(InputError):
    """An agreement version that is not shipped (or not found in the given folder)."""


class UnknownParameterError(InputError):
    """A parameter name that the agreement version does not define."""


class RulebookError(AgiTermsError):
    """A rule file that does not load: it names the file, the entry and the key.

    ``rule`` is the id (or name) of the entry the error stands in and ``kind`` what that entry is
    (``rule``, ``term``, ``phase``, ``parameter``, ``obligation``, ``property``, ``source entry``,
    ...; ``rule`` when not given). Its place reads ``KIND ID, key PATH, line L, column C`` with the
    parts that are known: ``parameter agi_trigger, key parameters[0].default, line 4, column 14``.
    """

    @property
    def place(self) -> str:
        """Where the rule file is wrong, as a person reads it (``KIND ID, key PATH, line L``)."""
        parts = []
        if self.rule is not None:
            parts.append(f"{self.kind or 'rule'} {self.rule}")
        if self.path:
            parts.append(f"key {render_path(self.path)}")
        if self.position:
            parts.append(self.position)
        return ", ".join(parts)

    def _text(self) -> str:
        return " ".join(self.message.split())


class BackendError(AgiTermsError):
    """A rules backend failed or is not available on this interpreter."""
