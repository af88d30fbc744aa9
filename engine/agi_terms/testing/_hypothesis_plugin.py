"""Hypothesis' entry point for agi-terms: ``st.from_type`` of any event class gives valid events.

Kept apart from ``agi_terms.testing`` and free of top-level Hypothesis imports: Hypothesis runs entry
points while it is itself being imported, possibly from inside ``import agi_terms.testing``.
"""

from __future__ import annotations

from typing import Any


def _hypothesis_setup_hook() -> None:
    """Register every event type (and ``Capability``) with ``st.register_type_strategy``."""
    from hypothesis import strategies as st

    from agi_terms.events import EVENT_TYPES, Capability

    registered: tuple[type[Any], ...] = (*EVENT_TYPES, Capability)
    for cls in registered:
        # A resolver, not a strategy: nothing is built until a test asks for the type.
        st.register_type_strategy(cls, _resolve)


def _resolve(cls: type[Any]) -> Any:
    from agi_terms.testing import strategy_for_type

    return strategy_for_type(cls)
