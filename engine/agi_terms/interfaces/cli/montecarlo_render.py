"""Monte Carlo results for people: a rich table in the terminal, or Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agi_terms.analysis.montecarlo.runner import Lapse, MonteCarloResult


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _lapse_cells(lapse: Lapse) -> list[str]:
    dates = [d.isoformat() if d is not None else "-" for d in (lapse.p10, lapse.median, lapse.p90)]
    return [*dates, _pct(lapse.never)]


def _title(result: MonteCarloResult) -> str:
    return f"agreement {result.agreement}, {result.runs} runs, seed {result.seed}"


def _share_table(
    title: str, first: str, headers: list[str], rows: Mapping[str, list[float]]
) -> Any:
    """A rich table of shares as percentages, one row per term or phase."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column(first, no_wrap=True)
    for header in headers:
        table.add_column(header, justify="right")
    for name, values in rows.items():
        table.add_row(name, *(f"{100 * s:.1f}" for s in values))
    return table


def montecarlo_table(result: MonteCarloResult) -> None:
    """Print the share in force per term and date, the phase shares, and the lapse quantiles."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(120, 40 + 8 * len(result.dates)))  # a file has no width
    headers = [f"{d.year}\n{d:%m-%d}" for d in result.dates]
    console.print(
        _share_table(
            f"% of runs with the term in force: {_title(result)}", "term", headers, result.terms
        )
    )
    console.print(_share_table("% of runs in each phase", "phase", headers, result.phases))
    lapse = Table(title="First day out of force (quantiles over runs)", title_justify="left")
    for column in ("term", "p10", "median", "p90", "never by the horizon"):
        lapse.add_column(column, justify="left" if column == "term" else "right")
    for term, found in result.lapse.items():
        lapse.add_row(term, *_lapse_cells(found))
    console.print(lapse)


def montecarlo_markdown(result: MonteCarloResult) -> str:
    """The same tables as Markdown."""
    dates = [d.isoformat() for d in result.dates]
    lines = [
        f"# Monte Carlo: {_title(result)}",
        "",
        "## Share of runs with the term in force",
        "",
        "| term | " + " | ".join([*dates, "lapse p10", "median", "p90", "never"]) + " |",
        "|---|" + "---:|" * (len(dates) + 4),
    ]
    for term, shares in result.terms.items():
        cells = [_pct(s) for s in shares] + _lapse_cells(result.lapse[term])
        lines.append(f"| `{term}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Share of runs in each phase",
        "",
        "| phase | " + " | ".join(dates) + " |",
        "|---|" + "---:|" * len(dates),
    ]
    for phase, shares in result.phases.items():
        lines.append(f"| `{phase}` | " + " | ".join(_pct(s) for s in shares) + " |")
    return "\n".join(lines)
