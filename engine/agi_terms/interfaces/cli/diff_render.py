"""``agi-terms diff`` for people: a version diff and a scenario under two versions, as rich tables
in the terminal (each reads at 80 columns: one row per thing that differs) or as Markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agi_terms.interfaces.cli.render import (
    console,
    event_details,
    mark,
    md_cell,
    text_cell,
    verdict,
)


def _agrees(diff: Mapping[str, Any]) -> bool:
    situations = diff["situations"]
    return not (
        diff["terms"]
        or diff["actions"]
        or diff["only_in_a"]
        or diff["only_in_b"]
        or any(s["phase"]["a"] != s["phase"]["b"] for s in situations)
        or any(s["refused"]["a"] != s["refused"]["b"] for s in situations)
    )


def _no_differences(diff: Mapping[str, Any]) -> str:
    a, b = diff["a"], diff["b"]
    same = f"{a} and {b}" if a != b else f"{a} and itself"
    return (
        f"No differences: {same} give the same phases, terms and decisions in every situation "
        f"({len(diff['situations'])} situations, each asked every term and every action)."
    )


def _refusals(diff: Mapping[str, Any]) -> list[str]:
    return [
        f"{s['label']}: {diff[side]} refuses {reason}"
        for s in diff["situations"]
        for side in ("a", "b")
        for reason in s["refused"][side]
    ]


def _decision_cell(decision: Mapping[str, Any]) -> str:
    text = verdict(decision["allowed"])
    if decision["obligations"]:
        text += " with " + ", ".join(decision["obligations"])
    return text


# ---------------------------------------------------------------- Markdown


def diff_markdown(diff: dict[str, Any]) -> str:
    """A version diff as Markdown: phases, then terms and actions that differ, situation by situation."""
    a, b = diff["a"], diff["b"]
    if _agrees(diff):
        return f"# {a} → {b}\n\n{_no_differences(diff)}"
    situations = diff["situations"]
    ids = [s["id"] for s in situations]
    header = "| | " + " | ".join(s["label"] for s in situations) + " |"
    rule = "|---|" + "---|" * len(situations)
    lines = [f"# {a} → {b}", "", f"Each cell reads `{a} → {b}`; empty where they agree.", "",
             "## Phases", "", header, rule]  # fmt: skip
    lines.append("| phase | " + " | ".join(
        f"{s['phase']['a']} → {s['phase']['b']}" if s["phase"]["a"] != s["phase"]["b"] else s["phase"]["a"]
        for s in situations) + " |")  # fmt: skip
    for line in _refusals(diff):
        lines.append(f"\n- {line}")
    lines += ["", "## Terms", ""]
    if diff["only_in_a"] or diff["only_in_b"]:
        lines.append(f"Only in {a}: {', '.join(diff['only_in_a']) or 'none'}; "
                     f"only in {b}: {', '.join(diff['only_in_b']) or 'none'}.\n")  # fmt: skip
    lines += [header.replace("| |", "| term |", 1), rule]
    lines += _grid(diff["terms"], "term", ids, lambda r: f"{mark(r['a'])} → {mark(r['b'])}", "`{}`")
    lines += ["", "## Actions", "", header.replace("| |", "| action |", 1), rule]
    lines += _grid(diff["actions"], "action", ids,
                   lambda r: f"{_decision_cell(r['a'])} → {_decision_cell(r['b'])}", "{}")  # fmt: skip
    return "\n".join(lines)


def _grid(rows: Sequence[Mapping[str, Any]], key: str, situations: Sequence[str], cell: Any,
          label: str) -> list[str]:  # fmt: skip
    """Markdown rows: one per ``row[key]`` (first seen first), a cell per situation."""
    lines = []
    for name in dict.fromkeys(r[key] for r in rows):
        cells = {r["situation"]: cell(r) for r in rows if r[key] == name}
        line = " | ".join(cells.get(i, "") for i in situations)
        lines.append(f"| {label.format(name)} | {line} |")
    return lines


def _outcome(outcome: Any, version: str) -> str:
    if not isinstance(outcome, dict):
        return str(outcome)
    if "refused" in outcome:
        return f"refused by {version}: {outcome['refused']}"
    if "allowed" in outcome:
        text = _decision_cell(outcome)
        return f"{text} ({', '.join(outcome['because'])})"
    ends = [c["term"] for c in outcome["changes"] if not c["in_force"]]
    starts = [c["term"] for c in outcome["changes"] if c["in_force"]]
    parts = [outcome["phase"]]
    parts += [f"ends: {', '.join(ends)}"] if ends else []
    parts += [f"starts: {', '.join(starts)}"] if starts else []
    return "; ".join(parts)


def _row_outcome(row: Mapping[str, Any], side: str, diff: Mapping[str, Any]) -> str:
    if "reason" in row:
        return f"{row[side]}: {row['reason']}"
    return _outcome(row[side], diff[side])


def _outcome_lines(row: Mapping[str, Any], side: str, diff: Mapping[str, Any]) -> str:
    """An event's outcome under one version, for a rich cell: the verdict (or the phase, or why
    the event was refused or skipped), then each rule on its own line."""
    if "reason" in row:
        return text_cell(f"{row[side]}: {row['reason']}")
    outcome = row[side]
    if not isinstance(outcome, dict):
        return text_cell(str(outcome))
    if "refused" in outcome:
        return "[bold]refused:[/] " + text_cell(outcome["refused"])
    if "allowed" in outcome:
        head = "[green]allowed[/]" if outcome["allowed"] else "[bold red]denied[/]"
        if outcome["obligations"]:
            head += " with " + ", ".join(text_cell(o) for o in outcome["obligations"])
        return "\n".join([head, *(text_cell(rule) for rule in outcome["because"])])
    lines = [f"phase {outcome['phase']}"]
    ends = [c["term"] for c in outcome["changes"] if not c["in_force"]]
    starts = [c["term"] for c in outcome["changes"] if c["in_force"]]
    lines += [f"[red]ends:[/] {', '.join(ends)}"] if ends else []
    lines += [f"[green]starts:[/] {', '.join(starts)}"] if starts else []
    return "\n".join(lines)


def _scenario_agrees(diff: Mapping[str, Any]) -> bool:
    return not diff["differences"] and all(
        row["a"] == row["b"] or "reason" in row for row in diff["events"]
    )


def _not_compared(diff: Mapping[str, Any]) -> str:
    from agi_terms.rulebook import load_rulebook

    starts = {side: load_rulebook(diff[side]).effective for side in ("a", "b")}
    later = max(("a", "b"), key=lambda side: starts[side])
    if starts["a"] == starts["b"]:
        return ""
    return f"Dates before {starts[later].isoformat()}, when {diff[later]} takes effect, are not compared."


def scenario_diff_markdown(diff: dict[str, Any], events: Sequence[Mapping[str, Any]] = ()) -> str:
    """A scenario replayed under two versions, as Markdown (``events``: the scenario's, for details)."""
    a, b = diff["a"], diff["b"]
    lines = [f"# One story under {a} and {b}", ""]
    if _scenario_agrees(diff):
        lines += [f"No differences: every event comes out the same under {a} and {b}, and so do "
                  "the terms on every date.", ""]  # fmt: skip
    lines += ["| # | date | event | details | " + a + " | " + b + " |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for row in diff["events"]:
        cells = [str(row["index"]), row["date"], str(row["type"]),
                 _details(events, row["index"]), _row_outcome(row, "a", diff),
                 _row_outcome(row, "b", diff)]  # fmt: skip
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    lines += ["", "## Dates where the terms differ", ""]
    note = _not_compared(diff)
    if note:
        lines += [note, ""]
    if not diff["differences"]:
        lines.append("None.")
    for d in diff["differences"]:
        phase = d["phase"]
        terms = ", ".join(f"`{t['term']}` {mark(t['a'])} → {mark(t['b'])}" for t in d["terms"])
        lines.append(f"- {d['date']} (phase {phase['a']} / {phase['b']}): {terms or 'same terms'}")
    return "\n".join(lines)


def _details(events: Sequence[Mapping[str, Any]], index: int) -> str:
    from agi_terms.errors import AgiTermsError
    from agi_terms.events import parse_event

    if not 0 <= index < len(events):
        return ""
    try:
        return event_details(parse_event(events[index]))
    except AgiTermsError:
        return ""


# ---------------------------------------------------------------- terminal tables


def diff_table(diff: dict[str, Any]) -> None:
    """Print a version diff: the situations and their phases, then one row per term and per
    action that differs, grouped by situation."""
    from rich.table import Table
    from rich.text import Text

    a, b = diff["a"], diff["b"]
    out = console()
    out.print(Text(f"{a} → {b}: what differs, situation by situation", style="bold"))
    if _agrees(diff):
        out.print(_no_differences(diff))
        return
    situations = Table(title="Situations", title_justify="left")
    situations.add_column("situation", overflow="fold")
    situations.add_column("date", no_wrap=True)
    situations.add_column(f"phase under {a}", overflow="fold")
    situations.add_column(f"phase under {b}", overflow="fold")
    for s in diff["situations"]:
        situations.add_row(s["label"], s["date"], s["phase"]["a"], s["phase"]["b"])
    out.print(situations)
    for line in _refusals(diff):
        out.print(text_cell(line))
    if diff["only_in_a"] or diff["only_in_b"]:
        out.print(f"Only in {a}: {', '.join(diff['only_in_a']) or 'none'}; "
                  f"only in {b}: {', '.join(diff['only_in_b']) or 'none'}.")  # fmt: skip
    labels = {s["id"]: f"{s['label']} ({s['date']})" for s in diff["situations"]}
    terms = Table(title=f"Terms in force (yes/no) where {a} and {b} differ", title_justify="left")
    terms.add_column("situation and term", overflow="fold")
    terms.add_column(a, justify="center", no_wrap=True)
    terms.add_column(b, justify="center", no_wrap=True)
    _grouped_rows(terms, diff["terms"], labels, lambda r: (r["term"], mark(r["a"]), mark(r["b"])))
    out.print(terms)
    actions = Table(title=f"Actions where {a} and {b} decide differently", title_justify="left")
    widest = _longest(o for r in diff["actions"] for side in "ab" for o in r[side]["obligations"])
    # The decisions keep their obligation ids whole; the actions' labels wrap in what is left.
    left = max(12, out.width - 10 - 2 * max(widest, len(a), len(b), len("allowed")))
    actions.add_column("situation and action", overflow="fold", max_width=left)
    actions.add_column(a, overflow="fold", min_width=widest)
    actions.add_column(b, overflow="fold", min_width=widest)
    _grouped_rows(
        actions,
        diff["actions"],
        labels,
        lambda r: (r["action"], _decision_cell(r["a"]), _decision_cell(r["b"])),
    )
    out.print(actions)


def _longest(words: Any) -> int:
    """The width of the longest id: a column that holds them whole wraps only between words."""
    return max((len(w) for w in words), default=0)


def _grouped_rows(table: Any, rows: Sequence[Mapping[str, Any]], labels: Mapping[str, str],
                  cells: Any) -> None:  # fmt: skip
    """Rows in situation order, each situation's under a row that names it."""
    for ident, label in labels.items():
        group = [r for r in rows if r["situation"] == ident]
        if group:
            table.add_section()
            table.add_row(f"[bold underline]{text_cell(label)}[/]", "", "")
        for row in group:
            first, *rest = (text_cell(c) for c in cells(row))
            table.add_row(f"  {first}", *rest)
    if not rows:
        table.add_row("none differ", "", "")


def scenario_diff_table(diff: dict[str, Any], events: Sequence[Mapping[str, Any]] = ()) -> None:
    """Print one story under two versions: each event's outcome side by side, then the dates where
    the terms in force differ."""
    from rich.table import Table
    from rich.text import Text

    a, b = diff["a"], diff["b"]
    out = console()
    out.print(Text(f"One story under {a} and {b}", style="bold"))
    if _scenario_agrees(diff):
        out.print(f"No differences: every event comes out the same under {a} and {b}, and so "
                  "do the terms on every date.")  # fmt: skip
    rules = (r for row in diff["events"] for side in "ab" if isinstance(row[side], dict)
             for r in [*row[side].get("because", ()), *row[side].get("obligations", ())])  # fmt: skip
    widest = _longest(rules)
    digits = len(str(len(diff["events"])))
    version_width = max(len(a), len(b), len("version"))
    # What the other columns leave (borders, padding) is the event's, so the rule ids stay whole;
    # an id longer than a narrow terminal leaves room for folds only where it must.
    widest = min(widest, out.width - 13 - digits - version_width - 16)
    event_width = max(16, out.width - 13 - digits - version_width - widest)
    table = Table(title="Events", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("event", overflow="fold", max_width=event_width)
    table.add_column("version", no_wrap=True)
    table.add_column("outcome", overflow="fold", min_width=widest)
    for row in diff["events"]:
        details = _details(events, row["index"])
        event = f"{row['date']}\n[bold]{text_cell(str(row['type']))}[/]" + (
            f"\n{text_cell(details)}" if details else ""
        )
        table.add_section()
        if "reason" in row or row["a"] == row["b"]:
            sides = [("both", _outcome_lines(row, "a", diff))]
        else:
            sides = [(diff[side], _outcome_lines(row, side, diff)) for side in ("a", "b")]
        for number, (version, outcome) in enumerate(sides):
            first = number == 0
            table.add_row(str(row["index"]) if first else "", event if first else "", version,
                          outcome)  # fmt: skip
    out.print(table)
    note = _not_compared(diff)
    if note:
        out.print(note)
    if not diff["differences"]:
        out.print("The terms in force are the same on every date.")
        return
    dates = Table(title="Dates where the terms differ", title_justify="left")
    dates.add_column("date", no_wrap=True)
    dates.add_column("phases", overflow="fold")
    dates.add_column("term", overflow="fold")
    dates.add_column(a, justify="center", no_wrap=True)
    dates.add_column(b, justify="center", no_wrap=True)
    for d in diff["differences"]:
        phase = d["phase"]
        phases = phase["a"] if phase["a"] == phase["b"] else f"{phase['a']} / {phase['b']}"
        dates.add_section()
        if not d["terms"]:
            dates.add_row(d["date"], phases, "same terms", "", "")
        for number, t in enumerate(d["terms"]):
            first = number == 0
            dates.add_row(d["date"] if first else "", phases if first else "", t["term"],
                          mark(t["a"]), mark(t["b"]))  # fmt: skip
    out.print(dates)
