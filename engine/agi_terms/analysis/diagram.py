"""The lifecycle of a version as a Mermaid ``stateDiagram-v2``, drawn by transitions' Mermaid support."""

from __future__ import annotations

from agi_terms.rulebook import Rulebook


def mermaid(rulebook: Rulebook) -> str:
    """The lifecycle as Mermaid text; calendar triggers are labelled with their date."""
    from transitions.extensions import GraphMachine

    lifecycle = rulebook.lifecycle

    class _Model:
        pass

    model = _Model()
    GraphMachine(
        model=model,
        states=list(lifecycle.phase_ids),
        initial=lifecycle.initial,
        transitions=lifecycle.machine_transitions(),
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title=f"agi-terms {rulebook.version}",
    )
    text: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    dates = {g.trigger: g.date.isoformat() for g in lifecycle.calendar}
    lines = []
    for line in text.splitlines():
        # Drop the highlighting of the "current" state: a version has no current state.
        if line.strip().startswith("Class ") or line.strip().startswith("classDef "):
            continue
        for trigger, day in dates.items():
            line = line.replace(f": {trigger}", f": {trigger} on {day}")
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"
