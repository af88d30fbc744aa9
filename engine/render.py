"""Output for people: a simulation as a rich table in the terminal, or as Markdown."""

from __future__ import annotations

from engine.results import Step
from engine.scenario import Simulation


def _changes(step: Step) -> str:
    if not step.changes:
        return "-"
    return ", ".join(f"{'+' if c.in_force else '-'}{c.term}" for c in step.changes)


def _decision(step: Step) -> str:
    d = step.decision
    if d is None:
        return ""
    text = "allowed" if d.allowed else "DENIED"
    if d.obligations:
        text += " with " + ", ".join(d.obligations)
    rules = "; ".join(f"{c.rule} ({c.source})" for c in d.because)
    return f"{text}: {rules}" if rules else text


def _title(result: Simulation) -> str:
    name = f"{result.name} — " if result.name else ""
    return f"{name}agreement {result.agreement}"


def _decision_lines(step: Step) -> str:
    d = step.decision
    if d is None:
        return ""
    lines = ["[green]allowed[/]" if d.allowed else "[bold red]denied[/]"]
    lines += [f"[yellow]+ {o}[/]" for o in d.obligations]
    lines += [f"{c.rule} ({c.source})" for c in d.because]
    return "\n".join(lines)


def _change_lines(step: Step) -> str:
    return "\n".join(
        f"[green]+ {c.term}[/]" if c.in_force else f"[red]- {c.term}[/]" for c in step.changes
    )


def simulation_table(result: Simulation) -> None:
    """Print the timeline and the checkpoint table with rich."""
    import sys

    from rich.console import Console
    from rich.table import Table

    # Piped output gets room for rule ids instead of rich's 80-column default.
    console = Console(width=None if sys.stdout.isatty() else 132)
    timeline = Table(title=f"Timeline: {_title(result)}", title_justify="left", show_lines=True)
    timeline.add_column("date", no_wrap=True)
    timeline.add_column("step", no_wrap=True)
    timeline.add_column("phase", no_wrap=True)
    timeline.add_column("decision: rules (sources)")
    timeline.add_column("terms started (+) / ended (-)")
    for step in result.steps:
        timeline.add_row(
            step.date.isoformat(), step.type, step.phase, _decision_lines(step), _change_lines(step)
        )
    if not result.steps:
        timeline.add_row("-", "no steps", "", "", "")
    console.print(timeline)
    if not result.checkpoints:
        return
    table = Table(title="Checkpoints (Y = in force)", title_justify="left")
    table.add_column("term", no_wrap=True)
    for cp in result.checkpoints:
        table.add_column(f"{cp.date.isoformat()}\n{cp.phase}", justify="center")
    for term in result.checkpoints[0].terms:
        table.add_row(term, *("Y" if cp.terms.get(term) else "-" for cp in result.checkpoints))
    console.print(table)


def simulation_markdown(result: Simulation) -> str:
    """The timeline and checkpoints as Markdown tables."""
    lines = [
        f"# {_title(result)}",
        "",
        "## Timeline",
        "",
        "| date | step | phase | decision | terms changed |",
        "|---|---|---|---|---|",
    ]
    for step in result.steps:
        cells = [step.date.isoformat(), step.type, step.phase, _decision(step), _changes(step)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if result.checkpoints:
        lines += ["", "## Checkpoints", ""]
        header = ["term", *(f"{c.date.isoformat()} ({c.phase})" for c in result.checkpoints)]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for term in result.checkpoints[0].terms:
            marks = ["yes" if cp.terms.get(term) else "no" for cp in result.checkpoints]
            lines.append(f"| `{term}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)
