"""Monte Carlo charts (optional extra ``[plot]``): terms in force over time by holder, and phase shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agi_terms.analysis.montecarlo.runner import MonteCarloResult
from agi_terms.errors import InputError
from agi_terms.rulebook import load_rulebook

FORMATS = (".png", ".svg")
_DASHES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "v", "D", "x", "+", "*")


def plot_montecarlo(result: MonteCarloResult, path: str | Path) -> Path:
    """Write the chart of ``result`` to ``path`` (``.png`` or ``.svg``); returns the path.

    Left: the share of runs with each term in force over time, one line per term, one panel per
    holder. Right: the share of runs in each phase, stacked. Each sample date's share is drawn over
    the interval that ends on it (with yearly samples: the year it closes).
    """
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise InputError(f"the chart is a .png or .svg file, got {out.name!r}", place="--plot")
    try:
        import matplotlib
    except ImportError:
        raise InputError(
            "--plot needs matplotlib: pip install 'agi-terms[plot]'", place="--plot"
        ) from None
    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    holders: dict[str, list[str]] = {}
    for entry in load_rulebook(result.agreement).terms:
        if entry.id in result.terms:
            holders.setdefault(entry.holder, []).append(entry.id)
    dates: Any = result.dates  # matplotlib plots dates, though its stubs say numbers
    rows = len(holders)
    fig = plt.figure(figsize=(13, 2.3 * max(rows, 2) + 0.6), layout="constrained")
    grid = fig.add_gridspec(max(rows, 1), 2, width_ratios=(3, 2))
    first = None
    for row, (holder, terms) in enumerate(holders.items()):
        ax = fig.add_subplot(grid[row, 0], sharex=first)
        first = first or ax
        for i, term in enumerate(terms):
            # Terms often coincide (they end together); varied dashes and markers keep each visible.
            ax.plot(
                dates,
                result.terms[term],
                drawstyle="steps-pre",
                label=term,
                linestyle=_DASHES[i % len(_DASHES)],
                marker=_MARKERS[i % len(_MARKERS)],
                markersize=3.5,
                linewidth=1.4,
            )
        ax.set_ylim(-0.03, 1.03)
        ax.set_ylabel("share in force")
        ax.set_title(f"held by {holder}", loc="left", fontsize=10)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        ax.grid(alpha=0.3)
    phases = fig.add_subplot(grid[:, 1])
    phases.stackplot(
        dates, *result.phases.values(), labels=list(result.phases), alpha=0.85, step="pre"
    )
    phases.set_ylim(0, 1)
    phases.set_title("share of runs in each phase", loc="left", fontsize=10)
    phases.legend(
        fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=2, frameon=False
    )
    fig.suptitle(
        f"Monte Carlo, agreement {result.agreement}: {result.runs} runs, seed {result.seed}"
    )
    try:
        fig.savefig(out, dpi=110, metadata={"Date": None} if out.suffix.lower() == ".svg" else None)
    except OSError as exc:
        raise InputError(f"cannot write the chart: {exc.strerror or exc}", place="--plot") from None
    finally:
        plt.close(fig)
    return out
