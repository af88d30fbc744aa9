"""What a version holds and what a scenario may say, for people: the terms and the parameters of a
version, and the event types, as rich tables (readable at 80 columns) or as Markdown
(``EVENTS.md`` is the Markdown of every event type)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agi_terms.interfaces.cli.render import (
    console,
    holder_groups,
    md_cell,
    source_titles,
    term_catalogue,
    text_cell,
    value_text,
)
from agi_terms.rulebook.model import Rulebook
from agi_terms.schemas import EventType, FieldInfo


def _two_columns(title: str, left: str, right: str) -> Any:
    """A rich table of a name column and a wide column of text, rows ruled apart."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=True)
    table.add_column(left, overflow="fold")
    table.add_column(right, overflow="fold", ratio=1)
    return table


# ---------------------------------------------------------------- terms


def terms_markdown(rulebook: Rulebook) -> str:
    """The terms of a version as Markdown: holder, title and meaning, sources with titles, rules."""
    lines = [f"# Terms of {rulebook.version}: {rulebook.title}", "", rulebook.summary, "",
             "| term | holder | meaning | sources | rules |", "|---|---|---|---|---|"]  # fmt: skip
    for t in rulebook.terms:
        rules = "<br>".join(f"{r.effect} `{r.id}` ({r.source})" for r in t.rules)
        titles = source_titles(t.source, rulebook.sources)
        note = f" *{t.note}*" if t.note else ""
        lines.append(
            f"| `{t.id}` | {t.holder} | **{t.title}.** {t.meaning}{note} | {titles} | {rules} |"
        )
    return "\n".join(lines)


def terms_table(rulebook: Rulebook) -> None:
    """Print the terms of a version grouped by holder: each term's id, its title and meaning, the
    sources it cites (with their titles) and its rules."""
    from rich.text import Text

    out = console()
    out.print(Text(f"Terms of {rulebook.version}: {rulebook.title}", style="bold"))
    out.print(text_cell(" ".join(rulebook.summary.split())))
    catalogue = term_catalogue([rulebook])
    for group, ids in holder_groups(rulebook.term_ids, catalogue):
        table = _two_columns(group, "term", "meaning, sources and rules")
        for ident in ids:
            t = catalogue[ident]
            cell = [f"[bold]{text_cell(t.title)}.[/] {text_cell(' '.join(t.meaning.split()))}",
                    *([f"[italic]{text_cell(' '.join(t.note.split()))}[/]"] if t.note else []),
                    f"[dim]sources:[/] {text_cell(source_titles(t.source, rulebook.sources))}",
                    "[dim]rules:[/]"]  # fmt: skip
            cell += [f"  {r.effect} {text_cell(r.id)} ({text_cell(r.source)})" for r in t.rules]
            table.add_row(f"[bold]{ident}[/]", "\n".join(cell))
        out.print(table)


# ---------------------------------------------------------------- parameters


def _kind(p: Any, rulebook: Rulebook) -> str:
    kind = str(p["type"]) + (f" ({', '.join(p['choices'])})" if p["choices"] else "")
    kind += _domain(rulebook.parameter_by_name[p["name"]])
    return kind + (", or null" if p["nullable"] else "")


def _domain(param: Any) -> str:
    """`` (min 2025-10-28)``: the bounds of a number or date parameter, if it has any."""
    shown = []
    for bound, word in ((param.minimum, "min"), (param.maximum, "max")):
        if bound is not None:
            value = bound.isoformat() if hasattr(bound, "isoformat") else f"{bound:g}"
            shown.append(f"{word} {value}")
    return f" ({', '.join(shown)})" if shown else ""


def parameters_markdown(rulebook: Rulebook, data: Sequence[dict[str, Any]]) -> str:
    """The parameters of a version as Markdown (``data``: the rows of its JSON)."""
    lines = [f"# Parameters of {rulebook.version}", "",
             "Override with `parameters:` in a scenario or `--set NAME=VALUE`.", "",
             "| parameter | default | type | meaning | source |", "|---|---|---|---|---|"]  # fmt: skip
    for p in data:
        default = json.dumps(p["default"]) + (" (reported)" if p["reported"] else "")
        titles = source_titles(p["source"], rulebook.sources)
        lines.append(
            f"| `{p['name']}` | `{default}` | {_kind(p, rulebook)} | {p['meaning']} | {titles} |"
        )
    return "\n".join(lines)


def parameters_table(rulebook: Rulebook, data: Sequence[dict[str, Any]]) -> None:
    """Print the parameters of a version: name, default and type, then meaning and sources."""

    table = _two_columns(
        f"Parameters of {rulebook.version} (set them with parameters: or --set NAME=VALUE)",
        "parameter, default and type",
        "meaning and sources",
    )
    for p in data:
        default = value_text(p["default"]) + (" (reported)" if p["reported"] else "")
        left = f"[bold]{p['name']}[/]\ndefault: {text_cell(default)}\n[dim]{text_cell(_kind(p, rulebook))}[/]"
        right = (
            f"{text_cell(' '.join(p['meaning'].split()))}\n[dim]sources:[/] "
            f"{text_cell(source_titles(p['source'], rulebook.sources))}"
        )
        table.add_row(left, right)
    console().print(table)


# ---------------------------------------------------------------- event types

EVENTS_INTRO = """\
A scenario's `events:` is a list of these, in date order; each gives `date` (YYYY-MM-DD) and `type`,
and the fields of its type below (any other field is an error, at every level). Lifecycle events
move the agreement's phases; actions are decided by the rules: allowed or denied, with the
obligations attached and the rules (and their sources) behind the answer. An action may also state
what the scenario expects of its decision, `expect: {allowed, obligations, because}`, which
`agi-terms test` checks (the README's "Writing expectations").

This file is the output of `agi-terms events --format markdown`, generated from the event models;
`agi-terms events TYPE` shows one type, and `agi-terms schema scenario` prints the JSON Schema that
editors with a YAML language server use to complete and check scenario files."""


def _field_type(f: FieldInfo) -> str:
    if f.choices:
        return "one of " + ", ".join(f"`{c}`" for c in f.choices)
    return f.type


def _field_need(f: FieldInfo) -> str:
    if f.required:
        return "required"
    if f.default is None:
        return "optional"
    return f"default `{value_text(f.default)}`"


def events_markdown(types: Sequence[EventType], whole: bool = True) -> str:
    """Event types as Markdown: for each, what it is and a table of its fields (``EVENTS.md``)."""
    lines = ["# Events", ""]
    if whole:
        lines += [EVENTS_INTRO, ""]
    for kind, heading in (("lifecycle", "Lifecycle events"), ("action", "Actions")):
        group = [t for t in types if t.kind == kind]
        if not group:
            continue
        lines += [f"## {heading}", ""]
        for t in group:
            lines += [f"### `{t.type}`", "", t.description, "",
                      "| field | type | required or default | description |",
                      "|---|---|---|---|"]  # fmt: skip
            for f in t.fields:
                cells = [f"`{f.name}`", _field_type(f), _field_need(f), md_cell(f.description)]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def events_table(types: Sequence[EventType]) -> None:
    """Print event types, one table each: every field with its type, whether it is required (or
    its default) and what it means."""

    out = console()
    for t in types:
        table = _two_columns(
            f"{t.type} ({t.kind}): {text_cell(t.description)}", "field", "type and meaning"
        )
        for f in t.fields:
            kind = ("one of " + ", ".join(f.choices)) if f.choices else f.type
            need = _field_need(f).replace("`", "")
            table.add_row(
                f"[bold]{text_cell(f.name)}[/]\n[dim]{text_cell(need)}[/]",
                f"[italic]{text_cell(kind)}[/]\n{text_cell(f.description)}",
            )
        out.print(table)
