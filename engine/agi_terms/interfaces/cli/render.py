"""Output for people: a simulation as a rich table in the terminal, or as Markdown; the source
register as Markdown (``SOURCES.md``) or a table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from agi_terms.analysis.scenario import Simulation
from agi_terms.evaluation.results import Step
from agi_terms.rulebook.sources import Source, SourceRegister

# C0 and C1 controls (but newline and tab), DEL, and the characters that reorder or hide text
# (bidirectional overrides and isolates, line and paragraph separators): written as escapes, a
# name in a scenario cannot clear the screen, retitle the terminal or reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x1b``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


def _markup_free(text: str) -> str:
    """Input text for a rich cell: printable, and its ``[...]`` shown as written, not as markup."""
    from rich.markup import escape

    return escape(printable(text))


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


def _checkpoint_terms(result: Simulation) -> list[str]:
    """Every term any checkpoint lists (versions differ after an amendment), first seen first."""
    return list(dict.fromkeys(t for cp in result.checkpoints for t in cp.terms))


def _title(result: Simulation) -> str:
    name = f"{printable(result.name)} — " if result.name else ""
    return f"{name}agreement {result.agreement}"


def _decision_lines(step: Step) -> str:
    d = step.decision
    if d is None:
        return ""
    lines = ["[green]allowed[/]" if d.allowed else "[bold red]denied[/]"]
    lines += [f"[yellow]+ {_markup_free(o)}[/]" for o in d.obligations]
    lines += [_markup_free(f"{c.rule} ({c.source})") for c in d.because]
    return "\n".join(lines)


def _change_lines(step: Step) -> str:
    return "\n".join(
        f"[green]+ {_markup_free(c.term)}[/]" if c.in_force else f"[red]- {_markup_free(c.term)}[/]"
        for c in step.changes
    )


def simulation_table(result: Simulation) -> None:
    """Print the timeline and the checkpoint table with rich."""
    import sys

    from rich.console import Console
    from rich.table import Table

    # Piped output gets room for rule ids instead of rich's 80-column default.
    console = Console(width=None if sys.stdout.isatty() else 132)
    title = f"Timeline: {_markup_free(_title(result))}"
    timeline = Table(title=title, title_justify="left", show_lines=True)
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
    for term in _checkpoint_terms(result):
        table.add_row(term, *("Y" if cp.terms.get(term) else "-" for cp in result.checkpoints))
    console.print(table)
    cited = result.cited_sources()
    if cited:
        sources = Table(title="Sources cited", title_justify="left")
        sources.add_column("id", no_wrap=True)
        sources.add_column("source (date) and url", overflow="fold")
        for ident, entry in cited.items():
            sources.add_row(ident, _cited_cell(entry))
        console.print(sources)


def _cited_cell(entry: Mapping[str, Any]) -> str:
    from rich.markup import escape

    text = escape(entry["title"]) + (f" ({entry['date']})" if entry["date"] else "")
    return text + (f"\n[dim]{escape(entry['url'])}[/]" if entry["url"] else "")


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
        for term in _checkpoint_terms(result):
            marks = ["yes" if cp.terms.get(term) else "no" for cp in result.checkpoints]
            lines.append(f"| `{term}` | " + " | ".join(marks) + " |")
    cited = result.cited_sources()
    if cited:
        lines += ["", "## Sources cited", "", "| id | title | date | url |", "|---|---|---|---|"]
        for ident, entry in cited.items():
            cells = [ident, entry["title"], entry["date"] or "", entry["url"] or ""]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# ---------------------------------------------------------------- the source register

_FAMILIES = {
    "N": "Terms of October 2025",
    "P": "Prior terms (before October 2025)",
    "Q": "Open questions and the engine's readings",
    "S": "Public sources",
    "E": "Edge cases",
    "D": "The seed articles",
}

SOURCES_INTRO = """\
Every rule, parameter, phase and obligation of the rule files cites one or more of these ids, and
every answer of the engine (`simulate`, `explain`, the service) names them. The register is
`rules/sources.yaml`, shipped with the rules; `agi-terms sources ID` shows an entry,
`agi_terms.source(ID)` returns it. A `statement` says in the project's words what the source
establishes; a quote is the public text's own words. Confidence: **official** (the companies' own
text), **reported** (press, podcasts, the seed articles) or **interpretation** (the project's reading
where the public text is silent)."""


def sources_markdown(entries: Sequence[Source], register: SourceRegister | None = None) -> str:
    """Register entries as Markdown, grouped by family; the whole register is ``SOURCES.md``."""
    whole = register is not None and len(entries) == len(register)
    lines = ["# Sources", ""]
    if whole:
        lines += [SOURCES_INTRO, ""]
    family = ""
    for source in entries:
        if whole and source.id[0] != family:
            family = source.id[0]
            lines += [f"## {family}: {_FAMILIES.get(family, family)}", ""]
        lines += [f"### {source.id}: {source.title}", "", source.statement, ""]
        if source.quote:
            lines += [f'> "{source.quote}"', ""]
        facts = [source.confidence, source.publisher, source.date and source.date.isoformat()]
        line = " · ".join(f for f in facts if f)
        if source.url:
            line += f" · <{source.url}>"
        lines += [line, ""]
    return "\n".join(lines).rstrip() + "\n"


def sources_table(entries: Sequence[Source]) -> None:
    """Register entries as a rich table: the id, then title, statement, quote and where from."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Sources", title_justify="left", show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("source", overflow="fold")
    for s in entries:
        cell = f"[bold]{escape(s.title)}[/]\n{escape(s.statement)}"
        if s.quote:
            cell += f'\n[italic]"{escape(s.quote)}"[/]'
        where = [s.confidence, s.publisher, s.date and s.date.isoformat()]
        cell += "\n[dim]" + escape(" · ".join(w for w in where if w))
        cell += (f"\n{escape(s.url)}" if s.url else "") + "[/]"
        table.add_row(s.id, cell)
    Console().print(table)


def source_titles(citation: str, register: SourceRegister) -> str:
    """A citation with each id's title: ``N4 (Microsoft's model and product IP ...); N7 (...)``."""
    from agi_terms.rulebook.citations import citation_ids

    parts = []
    for ident in citation_ids(citation):
        entry = register.get(ident)
        parts.append(f"{ident} ({entry.title})" if entry else ident)
    return "; ".join(parts)


def _mark(value: bool) -> str:
    return "yes" if value else "no"


def diff_markdown(diff: dict[str, Any]) -> str:
    """A version diff as Markdown: phases, then terms and actions that differ, situation by situation."""
    a, b = diff["a"], diff["b"]
    situations = diff["situations"]
    ids = [s["id"] for s in situations]
    header = "| | " + " | ".join(s["label"] for s in situations) + " |"
    rule = "|---|" + "---|" * len(situations)
    lines = [f"# {a} → {b}", "", f"Each cell reads `{a} → {b}`; empty where they agree.", "",
             "## Phases", "", header, rule]  # fmt: skip
    lines.append("| phase | " + " | ".join(
        f"{s['phase']['a']} → {s['phase']['b']}" if s["phase"]["a"] != s["phase"]["b"] else s["phase"]["a"]
        for s in situations) + " |")  # fmt: skip
    refused = [(s, side, r) for s in situations for side in ("a", "b") for r in s["refused"][side]]
    for s, side, reason in refused:
        lines.append(f"\n- {s['label']}: {diff[side]} refuses {reason}")
    lines += ["", "## Terms", ""]
    if diff["only_in_a"] or diff["only_in_b"]:
        lines.append(f"Only in {a}: {', '.join(diff['only_in_a']) or '-'}; "
                     f"only in {b}: {', '.join(diff['only_in_b']) or '-'}.\n")  # fmt: skip
    lines += [header.replace("| |", "| term |", 1), rule]
    terms = list(dict.fromkeys(r["term"] for r in diff["terms"]))
    for term in terms:
        cells = {
            r["situation"]: f"{_mark(r['a'])} → {_mark(r['b'])}"
            for r in diff["terms"]
            if r["term"] == term
        }
        lines.append(f"| `{term}` | " + " | ".join(cells.get(i, "") for i in ids) + " |")
    lines += ["", "## Actions (allowed?)", "", header.replace("| |", "| action |", 1), rule]
    actions = list(dict.fromkeys(r["action"] for r in diff["actions"]))
    for action in actions:
        cells = {}
        for r in diff["actions"]:
            if r["action"] == action:
                da, db = r["a"], r["b"]
                show_a = _mark(da["allowed"]) + (
                    f" + {', '.join(da['obligations'])}" if da["obligations"] else ""
                )
                show_b = _mark(db["allowed"]) + (
                    f" + {', '.join(db['obligations'])}" if db["obligations"] else ""
                )
                cells[r["situation"]] = f"{show_a} → {show_b}"
        lines.append(f"| {action} | " + " | ".join(cells.get(i, "") for i in ids) + " |")
    return "\n".join(lines)


def scenario_diff_markdown(diff: dict[str, Any]) -> str:
    """A scenario replayed under two versions, as Markdown."""
    a, b = diff["a"], diff["b"]
    lines = [f"# One story under {a} and {b}", "", "| # | date | event | " + a + " | " + b + " |",
             "|---|---|---|---|---|"]  # fmt: skip
    for row in diff["events"]:
        lines.append(
            f"| {row['index']} | {row['date']} | {row['type']} | {_outcome(row['a'])} | {_outcome(row['b'])} |"
        )
    lines += ["", "## Dates where the terms differ", ""]
    if not diff["differences"]:
        lines.append("None.")
    for d in diff["differences"]:
        phase = d["phase"]
        terms = ", ".join(f"`{t['term']}` {_mark(t['a'])} → {_mark(t['b'])}" for t in d["terms"])
        lines.append(f"- {d['date']} (phase {phase['a']} / {phase['b']}): {terms or 'same terms'}")
    return "\n".join(lines)


def _outcome(outcome: Any) -> str:
    if not isinstance(outcome, dict):
        return str(outcome)
    if "refused" in outcome:
        return f"refused: {outcome['refused']}"
    if "allowed" in outcome:
        text = "allowed" if outcome["allowed"] else "denied"
        if outcome["obligations"]:
            text += " + " + ", ".join(outcome["obligations"])
        return f"{text} ({', '.join(outcome['because'])})"
    changes = ", ".join(("+" if c["in_force"] else "-") + c["term"] for c in outcome["changes"])
    return f"{outcome['phase']}{': ' + changes if changes else ''}"


def print_markdown(text: str) -> None:
    """Markdown in the terminal (rendered by rich when stdout is a terminal, plain otherwise)."""
    import sys

    text = printable(text)
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        print(text)
