"""Monte Carlo results in words: the assumptions and parameters behind them, holders, terms that never move.

The terminal table, the Markdown and the chart caption say the same things in the same words; this
module is where those words are made.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agi_terms.analysis.montecarlo.result import MonteCarloResult, wilson
from agi_terms.rulebook import load_rulebook

_PARTIES = {"microsoft": "Microsoft", "openai": "OpenAI"}


def party(name: str) -> str:
    """A party as people write it (``openai`` -> ``OpenAI``)."""
    return _PARTIES.get(name, name.replace("_", " ").title())


def holder_words(holder: str) -> str:
    """A term's holder in plain words: ``restriction on microsoft`` -> ``Restrictions on Microsoft``."""
    for kind, plural in (
        ("restriction on ", "Restrictions on "),
        ("obligation on ", "Obligations of "),
    ):
        if holder.startswith(kind):
            return plural + party(holder[len(kind) :])
    return f"Rights held by {party(holder)}"


def percent(share: float) -> str:
    """A share as a percentage with one decimal (``0.4567`` -> ``45.7%``)."""
    return f"{100 * share:.1f}%"


def _days(days: list[int]) -> str:
    low, high = days
    return f"{low} days" if low == high else f"{low}–{high} days"


def _source(section: Mapping[str, Any]) -> str:
    return f"; source: {section['source']}" if section.get("source") else ""


def assumption_lines(assumptions: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what, belief) for each section of the resolved assumptions, in words."""
    d, panel, again = (assumptions[k] for k in ("declaration", "panel", "redeclaration"))
    if d.get("cdf") is not None:
        points = ", ".join(f"{percent(p)} by {day}" for day, p in d["cdf"])
        first = f"cumulative {points}; none later{_source(d)}"
    else:
        low, high = d["between"]
        first = f"{percent(d['probability'])}, on a day uniform over {low} … {high}{_source(d)}"
    sample = assumptions["sample"]
    dates = "every 31 December" if sample == "yearly" else f"on {len(sample)} dates"
    return [
        ("first declaration", first),
        ("panel", f"verifies {percent(panel['verify_probability'])} of declarations, "
                  f"{_days(panel['review_days'])} after each{_source(panel)}"),
        ("after a rejection", f"declares again with {percent(again['probability'])}, "
                              f"{_days(again['after_days'])} later{_source(again)}"),
        ("runs", f"{assumptions['runs']:,}, seed {assumptions['seed']}"),
        ("horizon", f"{assumptions['horizon']}; shares {dates}"),
    ]  # fmt: skip


def value_text(value: object) -> str:
    """A parameter's or an input's value as the outputs show it: text as it is, else as JSON
    (``declared``, ``true``, ``null``, ``0.4``)."""
    return value if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True)
class ParameterLine:
    """A parameter's value in force; ``default`` is set when the assumptions or ``--set`` name it."""

    name: str
    value: str
    default: str | None

    def text(self) -> str:
        """``name = value``, and for a set parameter ``(set; default X)``."""
        mark = "" if self.default is None else f"  (set; default {self.default})"
        return f"{self.name} = {self.value}{mark}"


def parameter_lines(result: MonteCarloResult) -> list[ParameterLine]:
    """Every parameter in force, those the assumptions or ``--set`` name marked with the default."""
    params = load_rulebook(result.agreement).parameter_by_name
    overrides = result.overrides()
    return [
        ParameterLine(
            name,
            value_text(value),
            value_text(params[name].to_json(params[name].default)) if name in overrides else None,
        )
        for name, value in result.parameters.items()
    ]


def interval_note(result: MonteCarloResult) -> str:
    """What the ± after each share means, with the widest it gets for this many runs."""
    widest = 100 * (wilson(0.5, result.runs)[1] - 0.5)
    return (
        f"± is the 95% interval from sampling error ({result.runs:,} runs: at most "
        f"±{widest:.2f} points; left out where it rounds to 0.0)."
    )


def constant_terms(result: MonteCarloResult) -> dict[float, list[str]]:
    """The terms whose share is the same on every date, by that share (drawn once as a note)."""
    found: dict[float, list[str]] = {}
    for term, shares in result.terms.items():
        if len(set(shares)) == 1:
            found.setdefault(shares[0], []).append(term)
    return found


def constant_note(share: float, terms: list[str], titles: Mapping[str, str] | None = None) -> str:
    """``In force in every run on every date: ...`` and the like, for ``constant_terms``."""
    names = ", ".join(titles.get(t, t) if titles else t for t in terms)
    if share == 1.0:
        return f"In force in every run on every date: {names}."
    if share == 0.0:
        return f"Never in force: {names}."
    return f"In force in {percent(share)} of runs on every date: {names}."


def titles(agreement: str) -> dict[str, str]:
    """term -> its title from the rule files."""
    return {t.id: t.title for t in load_rulebook(agreement).terms}


def holders(result: MonteCarloResult) -> dict[str, list[str]]:
    """holder -> its terms, in the rule files' order."""
    found: dict[str, list[str]] = {}
    for term in load_rulebook(result.agreement).terms:
        if term.id in result.terms:
            found.setdefault(term.holder, []).append(term.id)
    return found


def last_days_in_force(result: MonteCarloResult) -> list[dt.date]:
    """The last day before each calendar gate of the version with the result's parameters: the days
    through which terms run (2030-12-31 and 2032-12-31 for ``2025-10`` on its defaults)."""
    from agi_terms.rulebook.parameters import resolve_parameters
    from agi_terms.rulebook.program import compile_program

    rulebook = load_rulebook(result.agreement)
    program = compile_program(rulebook, resolve_parameters(rulebook, result.parameters))
    gates = {*program.gates, *(g.date for g in rulebook.lifecycle.calendar)}
    return sorted(g - dt.timedelta(days=1) for g in gates)
