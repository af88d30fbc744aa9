"""Rules backends: evaluate a compiled program's conditions over fact rows, with identical results.

- ``durable``: the conditions compiled into a durable_rules ruleset, evaluated by its Rete engine;
- ``python``: the same conditions compiled into plain Python predicates;
- ``vectorised``: the same conditions compiled into numpy operations over columns of many rows (what
  Monte Carlo evaluates with; it answers row by row too, slowly).

``BACKENDS`` is the registry (name -> the module and class that implement it, imported on first
use); ``make_backend(name, program)`` builds one; ``default_backend()`` is ``durable`` where it
imports.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping

from agi_terms.backends.base import RulesBackend
from agi_terms.errors import BackendError
from agi_terms.rulebook.program import Program


def _durable(program: Program) -> RulesBackend:
    if not durable_available():
        raise BackendError(
            "the durable backend needs durable-rules, which is not installed for this Python"
            " (it builds on 3.11 and 3.12); use --backend python"
        )
    from agi_terms.backends.durable import DurableBackend

    return DurableBackend(program)


def _python(program: Program) -> RulesBackend:
    from agi_terms.backends.python import PythonBackend

    return PythonBackend(program)


def _vectorised(program: Program) -> RulesBackend:
    from agi_terms.backends.vectorised import VectorisedBackend

    return VectorisedBackend(program)


BACKENDS: Mapping[str, Callable[[Program], RulesBackend]] = {
    "durable": _durable,
    "python": _python,
    "vectorised": _vectorised,
}
"""Every rules backend by name, with the function that builds it for a program (each imports its
module when called, so that numpy and durable_rules load only for the backend that needs them)."""
BACKEND_NAMES: tuple[str, ...] = tuple(BACKENDS)

__all__ = ["BACKENDS", "BACKEND_NAMES", "RulesBackend", "default_backend", "make_backend"]


def durable_available() -> bool:
    """durable_rules is installed and importable (it does not build on Python 3.13+)."""
    return importlib.util.find_spec("durable_rules_engine") is not None


def default_backend() -> str:
    """``durable`` where durable_rules imports, else ``python``."""
    return "durable" if durable_available() else "python"


def make_backend(name: str | None, program: Program) -> RulesBackend:
    """A backend by name (``None`` for the default) for ``program``."""
    chosen = name or default_backend()
    build = BACKENDS.get(chosen) if isinstance(chosen, str) else None
    if build is None:
        raise BackendError(f"unknown backend {chosen!r}; backends: {', '.join(BACKEND_NAMES)}")
    return build(program)
