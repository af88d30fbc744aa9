"""Monte Carlo charts (optional extra ``[plot]``): terms in force over time by holder, and phase shares.

The chart says what produced it: a caption with the assumptions and the parameters set, the
calendar gates marked, each share's 95% interval from sampling error as a band. Terms whose share
never changes are a note, not a flat line; terms whose shares coincide are one line that names
them all. With a sensitivity study, a row of tornado charts shows which inputs move which term.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

from agi_terms.analysis.montecarlo import describe
from agi_terms.analysis.montecarlo.result import (
    MonteCarloResult,
    Sensitivity,
    check_directory,
    wilson,
)
from agi_terms.errors import InputError

FORMATS = (".png", ".svg")
_DASHES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_PHASE_WORDS = {
    "pre_agi": "no AGI declaration live",
    "panel_review": "declared, panel reviewing",
    "post_agi": "panel verified AGI",
    "post_2032": "after the term (from 2033)",
    "post_2030": "after 2030",
}


def check_chart(path: Path) -> None:
    """Refuse a chart that cannot be written (wrong suffix, no matplotlib) before anything runs."""
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"the chart is a .png or .svg file, got {path.name!r}", place="--plot")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(
            "--plot needs matplotlib: pip install 'agi-terms[plot]'", place="--plot"
        ) from None
    check_directory(path, "--plot")


def plot_montecarlo(result: MonteCarloResult, path: str | Path) -> Path:
    """Write the chart of ``result`` to ``path`` (``.png`` or ``.svg``); returns the path.

    Left: per holder, the share of runs with each term in force on each sample date (drawn over
    the interval that ends on it: with yearly samples, the year it closes), with its 95% band.
    Right: the share of runs in each phase, stacked, and the share with AGI declared or verified.
    """
    out = Path(path)
    check_chart(out)
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    # SVG text stays text (searchable, readable by screen readers), not outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        return _draw(plt, result, out)


def _draw(plt: Any, result: MonteCarloResult, out: Path) -> Path:

    titles = describe.titles(result.agreement)
    constant = describe.constant_terms(result)
    still = {t for terms in constant.values() for t in terms}
    panels = {
        holder: [t for t in terms if t not in still]
        for holder, terms in describe.holders(result).items()
    }
    panels = {h: terms for h, terms in panels.items() if terms}
    tornado = result.sensitivity is not None
    # One row per holder with terms that move, the phases, the caption, and the tornados.
    moved = _tornado_groups(result) if tornado else []
    tornados = 2.9 * ((len(moved) + 1) // 2) if moved else 0.4
    heights = [2.5] * len(panels) + [2.7, 1.25] + ([tornados] if tornado else [])
    fig = plt.figure(figsize=(14, sum(heights) + 0.8), layout="constrained")
    grid = fig.add_gridspec(len(heights), 2, width_ratios=(2.6, 1.4), height_ratios=heights)
    dates: Any = result.dates  # matplotlib plots dates, though its stubs say numbers
    gates = [
        d for d in describe.last_days_in_force(result) if result.dates[0] <= d <= max(result.dates)
    ]
    first = None
    for row, (holder, terms) in enumerate(panels.items()):
        ax = fig.add_subplot(grid[row, 0], sharex=first)
        first = first or ax
        handles = _terms_panel(ax, result, terms, titles, dates)
        ax.set_title(describe.holder_words(holder), loc="left", fontsize=11, fontweight="bold")
        _mark_gates(ax, gates, label=row == 0)
        _legend(fig.add_subplot(grid[row, 1]), handles)
    phases = fig.add_subplot(grid[len(panels), 0], sharex=first)
    _legend(fig.add_subplot(grid[len(panels), 1]), _phase_panel(phases, result, dates))
    _mark_gates(phases, gates, label=not panels)
    phases.set_xlabel(_x_label(result))
    notes = fig.add_subplot(grid[len(panels) + 1, :])
    notes.axis("off")
    notes.text(0, 1, _caption(result, constant, titles), va="top", ha="left", fontsize=8.5)
    if tornado:
        _tornado_row(fig, grid[len(panels) + 2, :], result, moved, titles)
    fig.suptitle(
        f"How long each term lasts: share of {result.runs:,} simulated AGI histories with the term"
        f" in force (agreement {result.agreement})",
        fontsize=13,
    )
    try:
        fig.savefig(out, dpi=110, metadata={"Date": None} if out.suffix.lower() == ".svg" else None)
    except OSError as exc:
        raise InputError(f"cannot write the chart: {exc.strerror or exc}", place="--plot") from None
    finally:
        plt.close(fig)
    return out


def _x_label(result: MonteCarloResult) -> str:
    yearly = result.assumptions.get("sample") == "yearly"
    when = "31 December of each year" if yearly else "each sample date"
    return f"date (the share on {when}, drawn over the interval it closes)"


def _legend(ax: Any, handles: list[tuple[Any, str]]) -> None:
    ax.axis("off")
    ax.legend(*zip(*handles, strict=True), loc="center left", fontsize=8, frameon=False)


def _terms_panel(
    ax: Any, result: MonteCarloResult, terms: list[str], titles: dict[str, str], dates: Any
) -> list[tuple[Any, str]]:
    # Terms whose shares coincide on every date are one line naming them all.
    lines: dict[tuple[float, ...], list[str]] = {}
    handles = []
    for term in terms:
        lines.setdefault(tuple(result.terms[term]), []).append(term)
    for i, (shares, same) in enumerate(lines.items()):
        label = "\n".join(f"{titles.get(t, t)} ({t})" for t in same)
        low, high = zip(*(wilson(s, result.runs) for s in shares), strict=True)
        (line,) = ax.plot(
            dates,
            shares,
            drawstyle="steps-pre",
            label=label,
            linestyle=_DASHES[i % len(_DASHES)],
            marker=_MARKERS[i % len(_MARKERS)],
            # Earlier lines are drawn wider, so that a later line on top of one leaves it visible.
            markersize=max(3.0, 7.5 - 1.5 * i),
            linewidth=max(1.2, 3.0 - 0.6 * i),
            zorder=2 + i,
        )
        ax.fill_between(dates, low, high, step="pre", alpha=0.25, color=line.get_color(), lw=0)
        handles.append((line, label))
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("share of runs in force")
    ax.yaxis.set_major_formatter(_percent_formatter())
    ax.grid(alpha=0.3)
    return handles


def _phase_panel(ax: Any, result: MonteCarloResult, dates: Any) -> list[tuple[Any, str]]:
    labels = [_PHASE_WORDS.get(p, p.replace("_", " ")) + f" ({p})" for p in result.phases]
    areas = ax.stackplot(dates, *result.phases.values(), alpha=0.75, step="pre")
    handles = list(zip(areas, labels, strict=True))
    for key, style, words in (
        ("declared", ":", "AGI declared at least once by then"),
        ("verified", "--", "AGI verified by the panel by then\n(counted after 2032 too)"),
    ):
        (line,) = ax.plot(dates, result.agi[key], drawstyle="steps-pre", color="black",
                          linestyle=style, linewidth=1.8)  # fmt: skip
        handles.append((line, words))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(_percent_formatter())
    ax.set_title("Phases, and whether AGI was declared or verified", loc="left", fontsize=11,
                 fontweight="bold")  # fmt: skip
    ax.set_ylabel("share of runs")
    return handles


def _mark_gates(ax: Any, gates: list[dt.date], *, label: bool) -> None:
    for gate in gates:
        ax.axvline(gate, color="0.35", linewidth=0.9, linestyle=(0, (4, 3)), zorder=0)
        if label:
            ax.annotate(f"through {gate.isoformat()}", (gate, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", fontsize=7.5, color="0.25",
                        va="top", rotation=90, zorder=20,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip


def _caption(
    result: MonteCarloResult, constant: dict[float, list[str]], titles: dict[str, str]
) -> str:
    lines = ["Assumptions: " + "; ".join(f"{what}: {belief}" for what, belief in
                                         describe.assumption_lines(result.assumptions)) + "."]  # fmt: skip
    set_ = [p for p in describe.parameter_lines(result) if p.default is not None]
    if set_:
        lines.append("Parameters set: " + "; ".join(p.text().replace("  ", " ") for p in set_)
                     + "; the others at their defaults.")  # fmt: skip
    else:
        lines.append("Parameters: all at their defaults.")
    widest = 100 * (wilson(0.5, result.runs)[1] - 0.5)
    lines.append(f"Bands: the 95% interval of each share from sampling error ({result.runs:,} runs:"
                 f" at most ±{widest:.2f} points). Dashed verticals: the last days before the"
                 " version's calendar gates.")  # fmt: skip
    if constant:
        still = [describe.constant_note(share, terms, titles) for share, terms in constant.items()]
        lines.append("Not drawn (the same on every date): " + " ".join(still))
    if result.sensitivity is not None:
        lines.append("Tornados: each input moved alone to the low (circle) and the high (square) end"
                     " of its range, with the same seed; a bar spans the term's share at the two ends"
                     " (blue: the high end lowers it; orange: raises it).")  # fmt: skip
    return "\n".join(textwrap.fill(line, 200) for line in lines)


def _tornado_groups(result: MonteCarloResult) -> list[list[str]]:
    """The terms the inputs move, grouped where they move alike (up to four, most moved first)."""
    entries = result.sensitivity or []
    groups: dict[tuple[tuple[float, float], ...], list[str]] = {}
    for term in result.terms:
        groups.setdefault(tuple(e.terms[term] for e in entries), []).append(term)
    swing = {key: max((abs(b - a) for a, b in key), default=0.0) for key in groups}
    return [groups[k] for k in sorted(groups, key=lambda k: -swing[k]) if swing[k] > 0][:4]


def _tornado_row(
    fig: Any, cell: Any, result: MonteCarloResult, moved: list[list[str]], titles: dict[str, str]
) -> None:
    """One tornado per group of terms that the inputs move alike."""
    on = result.sensitivity_on.isoformat() if result.sensitivity_on else ""
    if not moved:
        ax = fig.add_subplot(cell)
        ax.axis("off")
        ax.text(0, 0.5, f"Sensitivity on {on}: no input moves any term's share.", va="center")
        return
    sub = cell.subgridspec((len(moved) + 1) // 2, 2)
    for i, terms in enumerate(moved):
        ax = fig.add_subplot(sub[i // 2, i % 2])
        _tornado(ax, result.sensitivity or [], terms[0])
        names = " = ".join(titles.get(t, t) for t in terms)
        # Wrapped to the tornado's width (half the figure, less the input labels).
        ax.set_title(textwrap.fill(f"Sensitivity on {on}: {names}", 62), fontsize=9, loc="left")


def _tornado(ax: Any, entries: list[Sensitivity], term: str) -> None:
    ranked = sorted(
        (e for e in entries if e.terms[term][0] != e.terms[term][1]),
        key=lambda e: abs(e.terms[term][1] - e.terms[term][0]),
    )[-8:]
    for y, entry in enumerate(ranked):
        low, high = entry.terms[term]
        ax.plot([low, high], [y, y], color="tab:blue" if high < low else "tab:orange", linewidth=6,
                solid_capstyle="butt", alpha=0.8)  # fmt: skip
        ax.plot([low], [y], "o", color="black", markersize=4)
        ax.plot([high], [y], "s", color="black", markersize=4)
    text = describe.value_text  # as the table shows them: false → true, 0.4 → 0.8
    labels = [f"{e.input}\n{text(e.low)} → {text(e.high)}" for e in ranked]
    ax.set_yticks(range(len(ranked)), labels, fontsize=7)
    ax.xaxis.set_major_formatter(_percent_formatter())
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", alpha=0.3)


def _percent_formatter() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)
