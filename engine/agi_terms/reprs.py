"""Short reprs: ``Name(field=value, ...)`` on one line, whatever the values hold.

A value's repr is cut by ``reprlib`` (long strings, big collections, deep nesting), and the whole
repr is kept under ``REPR_LIMIT`` characters, so that a rulebook or a timeline prints as a line in a
debugger or a log rather than as 100,000 characters.
"""

from __future__ import annotations

import reprlib

__all__ = ["REPR_LIMIT", "short_repr", "text_repr"]

REPR_LIMIT = 200
"""Every public object's repr is shorter than this."""

_VALUES = reprlib.Repr()
_VALUES.maxstring = 40
_VALUES.maxother = 100
_VALUES.maxlist = _VALUES.maxtuple = _VALUES.maxset = _VALUES.maxfrozenset = 4
_VALUES.maxdict = 4
_VALUES.maxlevel = 2


def short_repr(obj: object, /, *positional: object, **fields: object) -> str:
    """``Type(positional..., name=value, ...)`` for ``obj``, each value's repr shortened, the whole
    under ``REPR_LIMIT`` characters (the tail replaced by ``...``)."""
    parts = [_VALUES.repr(v) for v in positional]
    parts += [f"{name}={_VALUES.repr(value)}" for name, value in fields.items()]
    text = f"{type(obj).__name__}({', '.join(parts)})"
    if len(text) >= REPR_LIMIT:
        text = text[: REPR_LIMIT - 5] + "...)"
    return text


def text_repr(obj: object, text: str) -> str:
    """``Type('text')`` for ``obj``, the text cut (``...``) so that the whole is under
    ``REPR_LIMIT`` characters (an error's message, say)."""
    name = type(obj).__name__
    shown = repr(text)
    while len(name) + len(shown) + 2 >= REPR_LIMIT:
        text = text[: max(len(text) - max(len(shown) - REPR_LIMIT, 8), 0)]
        shown = repr(text + "...")
    return f"{name}({shown})"
