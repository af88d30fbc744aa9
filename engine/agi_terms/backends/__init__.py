"""Rules backends: evaluate a compiled program's conditions over fact rows, with identical results.

- ``durable``: the conditions compiled into a durable_rules ruleset, evaluated by its Rete engine;
- ``python``: the same conditions compiled into plain Python predicates.

``make_backend(name, program)`` builds one; ``default_backend()`` is ``durable`` where it imports.
"""

from __future__ import annotations

from agi_terms.backends.base import BACKEND_NAMES, RulesBackend, default_backend, make_backend

__all__ = ["BACKEND_NAMES", "RulesBackend", "default_backend", "make_backend"]
