"""Rules backends: evaluate a compiled program's conditions over fact rows, with identical results.

- ``durable``: the conditions compiled into a durable_rules ruleset, evaluated by its Rete engine;
- ``python``: the same conditions compiled into plain Python predicates.

``make_backend(name, program)`` builds one; ``default_backend()`` is ``durable`` where it imports.
"""

from __future__ import annotations

import importlib.util

from agi_terms.backends.base import RulesBackend
from agi_terms.errors import BackendError
from agi_terms.rulebook.program import Program

BACKEND_NAMES: tuple[str, ...] = ("durable", "python")

__all__ = ["BACKEND_NAMES", "RulesBackend", "default_backend", "make_backend"]


def durable_available() -> bool:
    """durable_rules is installed and importable (it does not build on Python 3.13+)."""
    return importlib.util.find_spec("durable_rules_engine") is not None


def default_backend() -> str:
    """``durable`` where durable_rules imports, else ``python``."""
    return "durable" if durable_available() else "python"


def make_backend(name: str | None, program: Program) -> RulesBackend:
    """A backend by name (``None`` for the default) for ``program``."""
    chosen = name or default_backend()
    if chosen == "python":
        from agi_terms.backends.python import PythonBackend

        return PythonBackend(program)
    if chosen == "durable":
        if not durable_available():
            raise BackendError(
                "the durable backend needs durable-rules, which is not installed for this Python"
                " (it builds on 3.11 and 3.12); use --backend python"
            )
        from agi_terms.backends.durable import DurableBackend

        return DurableBackend(program)
    raise BackendError(f"unknown backend {chosen!r}; backends: {', '.join(BACKEND_NAMES)}")
