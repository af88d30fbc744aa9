"""Monte Carlo results for people: terminal tables that read at 80 columns, Markdown, CSV.

Both human formats show the same sections: what the run assumed (every section of the assumptions,
every parameter, the ones set marked with their default), then per holder one table with a row per
sample date and a column per term whose share moves (the others in a note), the phases, the lapse
quantiles and, with ``--sensitivity``, the inputs ranked by how much they move a share.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from agi_terms.analysis.montecarlo import describe
from agi_terms.analysis.montecarlo.result import Lapse, MonteCarloResult, wilson

AFTER_HORIZON = "> horizon"


@dataclass
class Section:
    """One table: a title, column headers (a header may span lines), rows of cells, notes below."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _share(result: MonteCarloResult, share: float) -> str:
    low, high = wilson(share, result.runs)
    half = 100 * max(share - low, high - share)
    return f"{100 * share:.1f}±{half:.1f}" if round(half, 1) else f"{100 * share:.1f}"


UNWRAPPED = 10_000
"""A width at which no table is split nor any id wrapped (Markdown's)."""


def _wrapped(name: str, width: int = 10) -> str:
    """An id on lines of at most ``width`` characters, broken after ``_`` or ``.`` where it can be."""
    lines: list[str] = []
    for part in name.replace("_", "_\0").replace(".", ".\0").split("\0"):
        if lines and len(lines[-1]) + len(part) <= width:
            lines[-1] += part
        else:
            lines.append(part)
    return "\n".join(lines)


def _headers(names: list[str], width: int) -> list[str]:
    """Column headers for ``names``: whole when a date and they fit ``width``, else wrapped."""
    if 10 + sum(1 + max(9, len(n)) for n in names) <= width:
        return names
    return [_wrapped(n) for n in names]


def _lapse_cells(lapse: Lapse) -> list[str]:
    dates = [d.isoformat() if d else AFTER_HORIZON for d in (lapse.p10, lapse.median, lapse.p90)]
    return [*dates, describe.percent(lapse.never)]


def _heading(result: MonteCarloResult, file: str | None) -> str:
    source = f" ({file})" if file else ""
    return f"Monte Carlo, agreement {result.agreement}{source}"


def sections(result: MonteCarloResult, width: int) -> list[Section]:
    """The tables of the result, with term columns split so that each table fits ``width``."""
    found: list[Section] = []
    dates = [d.isoformat() for d in result.dates]
    constant = {t for terms in describe.constant_terms(result).values() for t in terms}
    for holder, terms in describe.holders(result).items():
        moving = [t for t in terms if t not in constant]
        title = describe.holder_words(holder)
        if moving:
            title += ": % of runs with the term in force"
        notes = [
            describe.constant_note(share, [t for t in still if t in terms])
            for share, still in describe.constant_terms(result).items()
            if any(t in terms for t in still)
        ]
        parts = list(_fitting(moving, width)) or [[]]
        for i, part in enumerate(parts):
            section = Section(title if i == 0 else f"{title} (continued)", ["date"])
            section.columns += _headers(part, width)
            section.rows = [
                [day, *(_share(result, result.terms[t][k]) for t in part)]
                for k, day in enumerate(dates)
            ]
            if i == len(parts) - 1:
                section.notes = notes
            if part or section.notes:
                if not part:
                    section.columns, section.rows = [], []
                found.append(section)
    phases = Section("% of runs in each phase, and with AGI verified", ["date"])
    phases.columns += _headers([*result.phases, "agi_verified"], width)
    phases.rows = [
        [day]
        + [_share(result, shares[k]) for shares in result.phases.values()]
        + [_share(result, result.agi["verified"][k])]
        for k, day in enumerate(dates)
    ]
    phases.notes = ["agi_verified counts the runs in which the panel has verified AGI by the date,"
                    " also after the term ends (post_2032)."]  # fmt: skip
    found.append(phases)
    lapse = Section(
        "First day out of force: quantiles over runs",
        ["term", "p10", "median", "p90", "never"],
        [[term, *_lapse_cells(q)] for term, q in result.lapse.items()],
        [
            f"{AFTER_HORIZON}: fewer runs than that lapse by the horizon;"
            " never: the share in which the term is in force through the horizon."
        ],
    )
    found.append(lapse)
    if result.sensitivity is not None:
        found.append(_sensitivity_section(result, wrap=width < UNWRAPPED))
    return found


def _fitting(terms: list[str], width: int) -> Iterator[list[str]]:
    """``terms`` in groups whose columns (a date, then each term) fit ``width``."""
    used, part = 10, list[str]()
    for term in terms:
        column = 1 + max(9, *(len(line) for line in _wrapped(term).splitlines()))
        if part and used + column > width:
            yield part
            used, part = 10, []
        part.append(term)
        used += column
    if part:
        yield part


def _sensitivity_section(result: MonteCarloResult, *, wrap: bool) -> Section:
    """The inputs ranked; with ``wrap``, ids on lines that fit a terminal."""
    fold = _wrapped if wrap else (lambda text, _: text)
    on = result.sensitivity_on.isoformat() if result.sensitivity_on else "?"
    section = Section(
        f"Sensitivity on {on}: each input moved alone (same seed), the largest swing first",
        ["input: low → high", "swing", "moves most", "% low → high"],
    )
    for entry in result.sensitivity or []:
        term, (low, high) = max(entry.terms.items(), key=lambda kv: abs(kv[1][1] - kv[1][0]))
        shares = f"{100 * low:.1f} → {100 * high:.1f}"
        moved = [fold(term, 22), shares] if entry.swing > 0 else ["none", ""]
        values = f"  {describe.value_text(entry.low)} → {describe.value_text(entry.high)}"
        section.rows.append(
            [f"{fold(entry.input, 34)}\n{values}", f"{100 * entry.swing:.1f}", *moved]
        )
    section.notes = ["swing: the largest change of any term's share, in points; --format json"
                     " lists every term's share at both ends."]  # fmt: skip
    return section


def montecarlo_table(result: MonteCarloResult, file: str | None = None) -> None:
    """Print the result as terminal tables (the console's width; 80 when it has none)."""
    import io

    import click
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    terminal = Console()
    width = terminal.width
    # Drawn into a buffer first so that no line ends in the padding of a table's last column.
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal.is_terminal, highlight=False)
    console.print(Text(_heading(result, file), style="bold"))
    beliefs = Table.grid(padding=(0, 1))
    beliefs.add_column(no_wrap=True)
    beliefs.add_column()
    for what, belief in describe.assumption_lines(result.assumptions):
        beliefs.add_row(f"  {what}", belief)
    console.print(beliefs)
    console.print(Text("Parameters (set: named by the assumptions or --set)"))
    for line in describe.parameter_lines(result):
        console.print(Text(f"  {line.text()}"))
    console.print(Text(describe.interval_note(result)))
    for section in sections(result, width):
        console.print()
        console.print(Text(section.title, style="bold"))
        if section.columns:
            table = Table(box=box.SIMPLE_HEAD, padding=0, pad_edge=False, show_edge=False)
            for i, column in enumerate(section.columns):
                left = i == 0 or (section.title.startswith("Sensitivity") and i == 2)
                table.add_column(
                    column, justify="left" if left else "right", no_wrap=i == 0, overflow="fold"
                )
            for row in section.rows:
                table.add_row(*row)
            console.print(table)
        for note in section.notes:
            console.print(Text(note))
    click.echo("".join(line.rstrip() + "\n" for line in out.getvalue().splitlines()), nl=False)


def montecarlo_markdown(result: MonteCarloResult, file: str | None = None) -> str:
    """The same sections as Markdown."""
    lines = [f"# {_heading(result, file)}", ""]
    lines += [
        f"- **{what}**: {belief}" for what, belief in describe.assumption_lines(result.assumptions)
    ]
    lines += ["", "Parameters (set: named by the assumptions or `--set`):", ""]
    lines += [f"- `{p.name}` = `{p.value}`" + (f" (set; default `{p.default}`)" if p.default else "")
              for p in describe.parameter_lines(result)]  # fmt: skip
    lines += ["", describe.interval_note(result)]
    for section in sections(result, width=UNWRAPPED):
        lines += ["", f"## {section.title}", ""]
        if section.columns:
            headers = [section.columns[0]] + [
                f"`{c.replace(chr(10), '')}`" for c in section.columns[1:]
            ]
            if section.title.startswith(("First", "Sens")):
                headers = [c.strip("`") for c in headers]
            lines.append("| " + " | ".join(headers) + " |")
            lines.append("|---|" + "---:|" * (len(headers) - 1))
            for row in section.rows:
                first = " ".join(part.strip() for part in row[0].splitlines())
                cells = [f"`{first}`" if section.title.startswith("First") else first]
                lines.append("| " + " | ".join([*cells, *row[1:]]) + " |")
            lines.append("")
        lines += section.notes
    return "\n".join(lines)


def montecarlo_csv(result: MonteCarloResult) -> str:
    """The shares in long form (``date, kind, id, share``), as ``--output FILE.csv`` writes them."""
    return result.to_csv("shares").rstrip("\n")
