"""Output for people: a simulation, the state on a date and a decision as rich tables in the
terminal, as Markdown or as CSV; the source register as Markdown (``SOURCES.md``) or a table.

Every people's output of a scenario opens with the assumptions behind it (the agreement version
and its amendments, every parameter that is not at its default, with the default beside it).
Tables read at 80 columns: nothing is cut short (a long id wraps), and the words are the same in
every output: ``allowed``/``denied`` for decisions, ``yes``/``no`` for a term in force, ``starts``/
``ends`` for a change. Text from the input or the rules reaches a rich cell through
``text_cell`` and a Markdown cell through ``md_cell``; whatever is printed goes through
``printable`` (control characters shown as escapes), the one place each is escaped.
"""

from __future__ import annotations

import csv
import decimal
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agi_terms.analysis.scenario import ParameterOverride, Simulation
from agi_terms.evaluation.results import Checkpoint, Decision, Step, TermsReport
from agi_terms.events import EVENT_TYPES, Event
from agi_terms.interfaces.console import printable
from agi_terms.rulebook.model import Rulebook, Term
from agi_terms.rulebook.sources import Source, SourceRegister

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table

# ---------------------------------------------------------------- shared by every people's format


def console() -> Console:
    """A console on standard output as wide as the terminal, or ``COLUMNS``, else 80 columns."""
    from rich.console import Console

    return Console(highlight=False)


def text_cell(text: str) -> str:
    """Text from the input or the rules for a rich cell or title: printable, and its ``[...]``
    shown as written, never read as markup."""
    from rich.markup import escape

    return escape(printable(text))


def md_cell(text: str) -> str:
    """Text for a Markdown table cell: on one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def mark(value: bool) -> str:
    """A term in force or not, in every people's format: ``yes`` or ``no``."""
    return "yes" if value else "no"


def verdict(allowed: bool) -> str:
    """A decision in every people's format: ``allowed`` or ``denied``."""
    return "allowed" if allowed else "denied"


_YAML_PLAIN = re.compile(r"[A-Za-z_][\w. /'()-]*")


def value_text(value: object) -> str:
    """A value as a scenario writes it (YAML 1.2): ``null``, ``true``, ``5e27``, ``250e9``,
    ``2032-12-31``, a string as it is unless it would read as something else."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    if not _YAML_PLAIN.fullmatch(text) or text in ("null", "true", "false", "on", "off"):
        return json.dumps(text, ensure_ascii=False)
    return text


def number_text(value: float) -> str:
    """A number as a scenario may write it, exactly: ``1500``, ``0.25``, ``2.5e11``, ``5e27``."""
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e6:
        return str(int(number))
    return str(decimal.Decimal(repr(number)).normalize()).lower().replace("e+", "e")


def event_details(event: Event | None) -> str:
    """An event's fields but its date and type, as a flow mapping writes them: ``kind: api,
    cloud: aws, partner: Amazon``. Optional fields left at their default are not shown."""
    if event is None:
        return ""
    data = event.model_dump(mode="json")
    fields = type(event).model_fields
    shown = [
        name
        for name, info in fields.items()
        if name not in ("date", "type")
        and (info.is_required() or name in event.model_fields_set)
        and data[name] is not None
    ]
    return ", ".join(f"{name}: {value_text(data[name])}" for name in shown)


def _party(name: str) -> str:
    return {"microsoft": "Microsoft", "openai": "OpenAI"}.get(name, name.capitalize())


def holder_label(holder: str) -> str:
    """The group a term's holder puts it in: ``Microsoft's rights``, ``Restrictions on Microsoft``,
    ``Obligations of OpenAI``."""
    kind, _, party = holder.partition(" on ")
    if party:
        if kind == "obligation":
            return f"Obligations of {_party(party)}"
        return f"{kind.capitalize()}s on {_party(party)}"
    return f"{_party(holder)}'s rights"


def term_catalogue(rulebooks: Iterable[Rulebook]) -> dict[str, Term]:
    """Every term of the rulebooks by id; a term several versions have reads as the last one."""
    found: dict[str, Term] = {}
    for rulebook in rulebooks:
        found.update((t.id, t) for t in rulebook.terms)
    return found


_KINDS = ("", "restriction", "obligation")


def holder_groups(
    term_ids: Iterable[str], catalogue: Mapping[str, Term]
) -> list[tuple[str, list[str]]]:
    """``term_ids`` grouped by holder: each party's rights, the restrictions on it and its
    obligations, parties in the catalogue's order; terms in the order given."""
    parties = list(
        dict.fromkeys(t.holder.partition(" on ")[2] or t.holder for t in catalogue.values())
    )
    groups: dict[tuple[int, int, str], list[str]] = {}
    for term in term_ids:
        entry = catalogue.get(term)
        if entry is None:
            key = (len(parties), 0, "Other terms")
        else:
            kind, _, party = entry.holder.partition(" on ")
            party, kind = (party, kind) if party else (entry.holder, "")
            rank = _KINDS.index(kind) if kind in _KINDS else len(_KINDS)
            key = (parties.index(party), rank, holder_label(entry.holder))
        groups.setdefault(key, []).append(term)
    return [(key[2], ids) for key, ids in sorted(groups.items())]


def print_markdown(text: str) -> None:
    """Markdown in the terminal (rendered by rich when stdout is a terminal, plain otherwise)."""
    import sys

    text = printable(text)
    if sys.stdout.isatty():
        from rich.markdown import Markdown

        console().print(Markdown(text))
    else:
        print(text)


# ---------------------------------------------------------------- the assumptions of an answer


def _amendment_text(result: Simulation) -> str:
    versions = result.step_versions()
    parts = [
        f"to {versions[index]} on {step.date.isoformat()} (step {index})"
        for index, step in enumerate(result.steps)
        if step.type == "amendment"
    ]
    if not parts:
        return f"Agreement {result.agreement}."
    return f"Agreement {result.agreement}, amended {', '.join(parts)}."


def assumption_lines(result: Simulation) -> list[str]:
    """What an answer assumes, as plain lines: the versions, and whether parameters are set."""
    lines = [_amendment_text(result)]
    if not result.overrides():
        lines.append("Parameters: every one at its default (agi-terms parameters VERSION).")
    return lines


def _assumptions_renderables(result: Simulation) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    shown: list[RenderableType] = []
    if result.name:
        shown.append(Text(printable(result.name), style="bold"))
    shown += [Text(line) for line in assumption_lines(result)]
    overrides = result.overrides()
    if overrides:
        table = Table(title="Parameters set (not the default)", title_justify="left")
        table.add_column("parameter", overflow="fold")
        table.add_column("value", overflow="fold")
        table.add_column("default", overflow="fold")
        for o in overrides:
            table.add_row(o.name, text_cell(value_text(o.value)), text_cell(value_text(o.default)))
        shown.append(table)
    return shown


def _assumptions_markdown(result: Simulation) -> list[str]:
    lines = [" ".join(assumption_lines(result)), ""]
    overrides: Sequence[ParameterOverride] = result.overrides()
    if overrides:
        lines += ["Parameters set (not the default):", "", "| parameter | value | default |",
                  "|---|---|---|"]  # fmt: skip
        for o in overrides:
            lines.append(
                f"| `{o.name}` | `{md_cell(value_text(o.value))}` | "
                f"`{md_cell(value_text(o.default))}` |"
            )
        lines.append("")
    return lines


# ---------------------------------------------------------------- steps


def _decision_text(decision: Decision) -> str:
    text = verdict(decision.allowed)
    if decision.obligations:
        text += " with " + ", ".join(decision.obligations)
    rules = "; ".join(f"{c.rule} ({c.source})" for c in decision.because)
    return f"{text}: {rules}" if rules else text


def _changes_text(step: Step) -> str:
    ends = [c.term for c in step.changes if not c.in_force]
    starts = [c.term for c in step.changes if c.in_force]
    parts = [f"ends: {', '.join(ends)}"] if ends else []
    parts += [f"starts: {', '.join(starts)}"] if starts else []
    return "; ".join(parts)


def _step_markup(step: Step) -> str:
    """The step column of the timeline: the event and its details, the decision, the changes."""
    details = event_details(step.event)
    lines = [f"[bold]{step.type}[/]" + (f" {text_cell(details)}" if details else "")]
    d = step.decision
    if d is not None:
        head = "[green]allowed[/]" if d.allowed else "[bold red]denied[/]"
        if d.obligations:
            head += " with " + ", ".join(f"[yellow]{text_cell(o)}[/]" for o in d.obligations)
        lines.append(head)
        lines += [f"  {text_cell(c.rule)} ({text_cell(c.source)})" for c in d.because]
    ends = [c.term for c in step.changes if not c.in_force]
    starts = [c.term for c in step.changes if c.in_force]
    if ends:
        lines.append(f"[red]ends:[/] {text_cell(', '.join(ends))}")
    if starts:
        lines.append(f"[green]starts:[/] {text_cell(', '.join(starts))}")
    return "\n".join(lines)


def _amends(result: Simulation) -> bool:
    return any(step.type == "amendment" for step in result.steps)


def timeline_table(result: Simulation) -> Table:
    """The timeline as a rich table: step number (0-based, as ``explain --step`` counts), date and
    phase (and version, when the scenario amends), the event with its details and what came of it."""
    from rich.table import Table

    amends = _amends(result)
    versions = result.step_versions()
    table = Table(title="Timeline", title_justify="left", show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("date\nphase" + ("\nversion" if amends else ""), no_wrap=True)
    table.add_column(
        "event, decision and rules (sources), terms that end or start", overflow="fold"
    )
    for index, step in enumerate(result.steps):
        when = f"{step.date.isoformat()}\n{step.phase}" + (f"\n{versions[index]}" if amends else "")
        table.add_row(str(index), when, _step_markup(step))
    if not result.steps:
        table.add_row("", "", "no events and no calendar gate reached")
    return table


# ---------------------------------------------------------------- checkpoints and states


def _term_cell(term: str, catalogue: Mapping[str, Term]) -> str:
    entry = catalogue.get(term)
    return f"[bold]{text_cell(term)}[/]" + (f"\n[dim]{text_cell(entry.title)}[/]" if entry else "")


def _state_tables(
    title: str,
    headers: Sequence[str],
    columns: Sequence[Mapping[str, bool]],
    catalogue: Mapping[str, Term],
    width: int,
) -> list[Table]:
    """Terms (grouped by holder, with titles) against dates: as many tables as the width needs."""
    from rich.table import Table

    terms = list(dict.fromkeys(t for column in columns for t in column))
    term_width = min(max([len(t) for t in terms] + [len("term")]), 32)
    cell_width = max([len(line) for h in headers for line in h.split("\n")] + [3])
    per_table = max(1, (width - term_width - 4) // (cell_width + 3))
    chunks = [range(i, min(i + per_table, len(headers))) for i in range(0, len(headers), per_table)]
    tables = []
    for number, chunk in enumerate(chunks, 1):
        part = f", {number} of {len(chunks)}" if len(chunks) > 1 else ""
        table = Table(title=f"{title}{part}", title_justify="left")
        table.add_column("term", overflow="fold", min_width=term_width)
        for i in chunk:
            table.add_column(headers[i], justify="center", no_wrap=True)
        for group, ids in holder_groups(terms, catalogue):
            table.add_section()
            table.add_row(f"[bold underline]{text_cell(group)}[/]", *("" for _ in chunk))
            for term in ids:
                table.add_row(
                    _term_cell(term, catalogue), *(mark(columns[i].get(term, False)) for i in chunk)
                )
        tables.append(table)
    return tables


def _checkpoint_header(checkpoint: Checkpoint, version: str | None) -> str:
    return f"{checkpoint.date.isoformat()}\n{checkpoint.phase}" + (
        f"\n{version}" if version else ""
    )


def _checkpoint_versions(result: Simulation) -> list[str | None]:
    if not _amends(result):
        return [None for _ in result.checkpoints]
    return [result.contract.state_on(cp.date).version for cp in result.checkpoints]


def simulation_table(result: Simulation) -> None:
    """Print the assumptions, the timeline, the checkpoints and the sources cited, with rich."""
    out = console()
    for renderable in _assumptions_renderables(result):
        out.print(renderable)
    out.print(timeline_table(result))
    if result.checkpoints:
        versions = _checkpoint_versions(result)
        headers = [
            _checkpoint_header(cp, v) for cp, v in zip(result.checkpoints, versions, strict=True)
        ]
        title = "Checkpoints (yes = in force)"
        catalogue = term_catalogue(result.rulebooks())
        columns = [cp.terms for cp in result.checkpoints]
        for table in _state_tables(title, headers, columns, catalogue, out.width):
            out.print(table)
    _print_cited(out, result.cited_sources())


def state_table(result: Simulation, report: TermsReport) -> None:
    """Print the assumptions and the state on one date: the phase and every term, by holder."""
    out = console()
    for renderable in _assumptions_renderables(result):
        out.print(renderable)
    header = f"{report.date.isoformat()}\n{report.phase}\n{report.version}"
    catalogue = term_catalogue(result.rulebooks())
    title = f"The terms on {report.date.isoformat()} (yes = in force)"
    for table in _state_tables(title, [header], [report.in_force()], catalogue, out.width):
        out.print(table)


def decision_table(result: Simulation, action: Event, decision: Decision) -> None:
    """Print the assumptions, the action asked about and the decision with its rules and sources."""
    from rich.table import Table

    out = console()
    for renderable in _assumptions_renderables(result):
        out.print(renderable)
    state = result.contract.state_on(action.date)
    table = Table(title="Decision", title_justify="left", show_header=False, show_lines=True)
    table.add_column("", no_wrap=True, style="bold")
    table.add_column("", overflow="fold")
    details = event_details(action)
    table.add_row(
        "action", f"[bold]{action.type}[/]" + (f" {text_cell(details)}" if details else "")
    )
    table.add_row(
        "on", f"{action.date.isoformat()} (phase {state.phase}, agreement {state.version})"
    )
    head = "[green]allowed[/]" if decision.allowed else "[bold red]denied[/]"
    table.add_row("decision", head)
    if decision.obligations:
        table.add_row("obligations", "\n".join(text_cell(o) for o in decision.obligations))
    table.add_row(
        "because",
        "\n".join(f"{text_cell(c.rule)} ({text_cell(c.source)})" for c in decision.because),
    )
    out.print(table)
    _print_cited(out, result.contract.agreement.sources.cited(c.source for c in decision.because))


def _print_cited(out: Console, cited: Mapping[str, Mapping[str, Any]]) -> None:
    from rich.table import Table

    if not cited:
        return
    sources = Table(title="Sources cited", title_justify="left")
    sources.add_column("id", no_wrap=True)
    sources.add_column("source (date) and url", overflow="fold")
    for ident, entry in cited.items():
        sources.add_row(ident, _cited_cell(entry))
    out.print(sources)


def _cited_cell(entry: Mapping[str, Any]) -> str:
    text = text_cell(entry["title"]) + (f" ({entry['date']})" if entry["date"] else "")
    return text + (f"\n[dim]{text_cell(entry['url'])}[/]" if entry["url"] else "")


# ---------------------------------------------------------------- Markdown


def _md_title(result: Simulation) -> str:
    return f"# {result.name}" if result.name else f"# Agreement {result.agreement}"


def _md_state_tables(
    headers: Sequence[str], columns: Sequence[Mapping[str, bool]], catalogue: Mapping[str, Term]
) -> list[str]:
    terms = list(dict.fromkeys(t for column in columns for t in column))
    lines: list[str] = []
    for group, ids in holder_groups(terms, catalogue):
        lines += [f"### {group}", "", "| term | title | " + " | ".join(headers) + " |",
                  "|---|---|" + "---|" * len(headers)]  # fmt: skip
        for term in ids:
            title = md_cell(catalogue[term].title) if term in catalogue else ""
            marks = [mark(column.get(term, False)) for column in columns]
            lines.append(f"| `{term}` | {title} | " + " | ".join(marks) + " |")
        lines.append("")
    return lines


def _md_sources(cited: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not cited:
        return []
    lines = ["## Sources cited", "", "| id | title | date | url |", "|---|---|---|---|"]
    for ident, entry in cited.items():
        cells = [ident, entry["title"], entry["date"] or "", entry["url"] or ""]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return [*lines, ""]


def simulation_markdown(result: Simulation) -> str:
    """The assumptions, the timeline, the checkpoints (by holder) and the sources, as Markdown."""
    amends = _amends(result)
    versions = result.step_versions()
    lines = [_md_title(result), "", *_assumptions_markdown(result), "## Timeline", ""]
    header = ["#", "date", "step", "details", "phase", *(["version"] if amends else []),
              "decision", "terms changed"]  # fmt: skip
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, step in enumerate(result.steps):
        cells = [str(index), step.date.isoformat(), step.type, event_details(step.event), step.phase,
                 *([versions[index]] if amends else []),
                 _decision_text(step.decision) if step.decision else "", _changes_text(step)]  # fmt: skip
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    lines.append("")
    if result.checkpoints:
        cp_versions = _checkpoint_versions(result)
        headers = [
            f"{cp.date.isoformat()} ({cp.phase}{', ' + v if v else ''})"
            for cp, v in zip(result.checkpoints, cp_versions, strict=True)
        ]
        lines += ["## Checkpoints", ""]
        lines += _md_state_tables(
            headers, [cp.terms for cp in result.checkpoints], term_catalogue(result.rulebooks())
        )
    lines += _md_sources(result.cited_sources())
    return "\n".join(lines).rstrip() + "\n"


def state_markdown(result: Simulation, report: TermsReport) -> str:
    """The assumptions and the state on one date, as Markdown."""
    lines = [_md_title(result), "", *_assumptions_markdown(result)]
    lines += [f"## The terms on {report.date.isoformat()}", "",
              f"Phase {report.phase}, agreement {report.version}.", ""]  # fmt: skip
    header = f"{report.date.isoformat()} ({report.phase})"
    lines += _md_state_tables([header], [report.in_force()], term_catalogue(result.rulebooks()))
    return "\n".join(lines).rstrip() + "\n"


def decision_markdown(result: Simulation, action: Event, decision: Decision) -> str:
    """The assumptions, the action and its decision with rules and sources, as Markdown."""
    state = result.contract.state_on(action.date)
    details = event_details(action)
    lines = [_md_title(result), "", *_assumptions_markdown(result), "## Decision", "",
             f"- action: `{action.type}`" + (f" {md_cell(details)}" if details else ""),
             f"- on: {action.date.isoformat()} (phase {state.phase}, agreement {state.version})",
             f"- decision: **{verdict(decision.allowed)}**"]  # fmt: skip
    if decision.obligations:
        lines.append(f"- obligations: {', '.join(decision.obligations)}")
    lines.append("- because: " + "; ".join(f"`{c.rule}` ({c.source})" for c in decision.because))
    lines.append("")
    cited = result.contract.agreement.sources.cited(c.source for c in decision.because)
    lines += _md_sources(cited)
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- CSV


def _flat(prefix: str, value: object, into: dict[str, object]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flat(f"{prefix}.{key}", inner, into)
    else:
        into[prefix] = value


def event_columns() -> list[str]:
    """Every field of every event type but date and type, nested fields as ``capability.cyber``."""
    from pydantic import BaseModel

    columns: dict[str, None] = {}

    def walk(prefix: str, model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            if not prefix and name in ("date", "type"):
                continue
            kind = info.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                walk(f"{prefix}{name}.", kind)
            else:
                columns.setdefault(f"{prefix}{name}", None)

    for model in EVENT_TYPES:
        walk("", model)
    return list(columns)


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()


STEP_COLUMNS = ("step", "date", "type", "phase", "version", "allowed", "obligations", "because",
                "sources", "ends", "starts")  # fmt: skip
"""The first columns of ``simulate --format csv``; every event field follows."""

STATE_COLUMNS = ("date", "phase", "version", "holder", "term", "title", "in_force")
"""The columns of ``simulate --format csv --rows checkpoints`` (and of ``--on DATE``)."""


def steps_csv(result: Simulation) -> str:
    """One row per step: its number, date, type, phase, version, decision, changes and event fields."""
    fields = event_columns()
    versions = result.step_versions()
    rows: list[Sequence[object]] = [[*STEP_COLUMNS, *fields]]
    for index, step in enumerate(result.steps):
        d = step.decision
        values: dict[str, object] = {}
        if step.event is not None:
            for name, value in step.event.model_dump(mode="json").items():
                if name not in ("date", "type"):
                    _flat(name, value, values)
        from agi_terms.rulebook.sources import ids_of

        rows.append([
            index, step.date.isoformat(), step.type, step.phase, versions[index],
            None if d is None else d.allowed,
            None if d is None else "; ".join(d.obligations),
            None if d is None else "; ".join(c.rule for c in d.because),
            None if d is None else "; ".join(ids_of(c.source for c in d.because)),
            "; ".join(c.term for c in step.changes if not c.in_force),
            "; ".join(c.term for c in step.changes if c.in_force),
            *(values.get(f) for f in fields),
        ])  # fmt: skip
    return _csv(rows)


def states_csv(result: Simulation, states: Sequence[tuple[Checkpoint, str]]) -> str:
    """One row per term per date (long form): date, phase, version, holder, term, title, in force."""
    catalogue = term_catalogue(result.rulebooks())
    rows: list[Sequence[object]] = [STATE_COLUMNS]
    for checkpoint, version in states:
        for term, in_force in checkpoint.terms.items():
            entry = catalogue.get(term)
            rows.append([checkpoint.date.isoformat(), checkpoint.phase, version,
                         entry.holder if entry else None, term, entry.title if entry else None,
                         in_force])  # fmt: skip
    return _csv(rows)


def checkpoints_csv(result: Simulation) -> str:
    """The checkpoints in long form (``STATE_COLUMNS``)."""
    versions = [result.contract.state_on(cp.date).version for cp in result.checkpoints]
    return states_csv(result, list(zip(result.checkpoints, versions, strict=True)))


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
    from rich.table import Table

    table = Table(title="Sources", title_justify="left", show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("source", overflow="fold")
    for s in entries:
        cell = f"[bold]{text_cell(s.title)}[/]\n{text_cell(s.statement)}"
        if s.quote:
            cell += f'\n[italic]"{text_cell(s.quote)}"[/]'
        where = [s.confidence, s.publisher, s.date and s.date.isoformat()]
        cell += "\n[dim]" + text_cell(" · ".join(w for w in where if w))
        cell += (f"\n{text_cell(s.url)}" if s.url else "") + "[/]"
        table.add_row(s.id, cell)
    console().print(table)


def source_titles(citation: str, register: SourceRegister) -> str:
    """A citation with each id's title: ``N4 (Microsoft's model and product IP ...); N7 (...)``."""
    from agi_terms.rulebook.citations import citation_ids

    parts = []
    for ident in citation_ids(citation):
        entry = register.get(ident)
        parts.append(f"{ident} ({entry.title})" if entry else ident)
    return "; ".join(parts)
