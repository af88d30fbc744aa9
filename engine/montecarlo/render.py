"""Monte Carlo results for people: a rich table in the terminal, or Markdown."""

from __future__ import annotations

from engine.montecarlo.runner import Lapse, MonteCarloResult


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _lapse_cells(lapse: Lapse) -> list[str]:
    dates = [d.isoformat() if d is not None else "-" for d in (lapse.p10, lapse.median, lapse.p90)]
    return [*dates, _pct(lapse.never)]


def _title(result: MonteCarloResult) -> str:
    return f"agreement {result.agreement}, {result.runs} runs, seed {result.seed}"


def montecarlo_table(result: MonteCarloResult) -> None:
    """Print the share in force per term and date, the lapse quantiles, and the phase shares."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(
        title=f"Share of runs with the term in force: {_title(result)}", title_justify="left"
    )
    table.add_column("term")
    for day in result.dates:
        table.add_column(day.isoformat(), justify="right")
    for column in ("lapse p10", "median", "p90", "never"):
        table.add_column(column, justify="right")
    for term, shares in result.terms.items():
        table.add_row(term, *(_pct(s) for s in shares), *_lapse_cells(result.lapse[term]))
    console.print(table)
    phases = Table(title="Share of runs in each phase", title_justify="left")
    phases.add_column("phase")
    for day in result.dates:
        phases.add_column(day.isoformat(), justify="right")
    for phase, shares in result.phases.items():
        phases.add_row(phase, *(_pct(s) for s in shares))
    console.print(phases)


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
