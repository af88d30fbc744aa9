"""The result of a Monte Carlo run (SPEC §10): shares, lapse quantiles, the assumptions behind them.

``MonteCarloResult.to_json()`` is the output of ``agi-terms montecarlo --format json``. The same
shares leave in long form (``date, kind, id, share``), with the lapse table and any sensitivity
study, as CSV or Parquet files or as pandas DataFrames (``to_pandas()``; pandas and pyarrow are the
optional extra ``[data]``); in a notebook the result shows itself as HTML tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import math
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict

from agi_terms.errors import InputError
from agi_terms.events import CalendarDate
from agi_terms.reprs import short_repr

TableName = Literal["shares", "lapse", "sensitivity"]
Scalar = bool | int | float | str | None
"""A value an input takes in a sensitivity entry: a probability, a number of days, a choice."""

SHARE_COLUMNS = ("date", "kind", "id", "share")
LAPSE_COLUMNS = ("term", "p10", "median", "p90", "never")
SENSITIVITY_COLUMNS = ("input", "low", "high", "term", "share_low", "share_high")
OUTPUT_FORMATS = (".csv", ".parquet")
Z95 = 1.959963984540054
"""The standard normal quantile of 97.5%: a 95% interval spans ±Z95 standard errors."""


class Lapse(BaseModel):
    """When a term is first out of force across runs: quantile dates and the share that never lapses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    p10: CalendarDate | None
    median: CalendarDate | None
    p90: CalendarDate | None
    never: float


class Sensitivity(BaseModel):
    """One uncertain input moved to the two ends of its range, and each term's share at both ends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: str
    """Where the input stands in the assumptions (``panel.verify_probability``, ``parameters.NAME``)."""
    low: Scalar
    high: Scalar
    terms: dict[str, tuple[float, float]]
    """term -> [share at low, share at high] on the ``--on`` date."""

    @property
    def swing(self) -> float:
        """The largest change of any term's share between the two ends."""
        return max((abs(b - a) for a, b in self.terms.values()), default=0.0)


class MonteCarloResult(BaseModel):
    """The output of ``agi-terms montecarlo --format json`` (SPEC §10): exactly these keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agreement: str
    runs: int
    seed: int
    dates: list[CalendarDate]
    terms: dict[str, list[float]]
    """term -> share of runs in force at each date."""
    phases: dict[str, list[float]]
    """phase -> share of runs in that phase at each date."""
    lapse: dict[str, Lapse]
    agi: dict[str, list[float]]
    """``declared`` / ``verified`` -> share of runs in which OpenAI has declared AGI / the panel has
    verified it, on or before each date (what the phases no longer tell after the term ends)."""
    parameters: dict[str, Any]
    """Every parameter's value in force, as in ``simulate``'s JSON."""
    assumptions: dict[str, Any]
    """The assumptions the run used: the file's, with ``--runs``, ``--seed`` and ``--set`` applied."""
    sensitivity: list[Sensitivity] | None = None
    """With ``--sensitivity --on DATE``: the inputs, ranked by their largest swing."""
    sensitivity_on: CalendarDate | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (dates as ``YYYY-MM-DD``); the sensitivity keys only when asked for."""
        data: dict[str, Any] = self.model_dump(mode="json")
        if self.sensitivity is None:
            del data["sensitivity"], data["sensitivity_on"]
        return data

    def to_json_text(self) -> str:
        """The JSON text the command prints (the same bytes for the same seed and runs)."""
        return json.dumps(self.to_json(), indent=2)

    # ------------------------------------------------------------ sampling error

    def interval(self, share: float) -> tuple[float, float]:
        """The 95% interval of a share from sampling error (Wilson's score interval over the runs)."""
        return wilson(share, self.runs)

    def overrides(self) -> dict[str, Any]:
        """The parameters the assumptions set (from the file or ``--set``), as JSON values."""
        return dict(self.assumptions.get("parameters", {}))

    # ------------------------------------------------------------ data out

    def share_rows(self) -> list[tuple[dt.date, str, str, float]]:
        """The shares in long form: (date, ``term`` or ``phase``, id, share), date by date."""
        rows = []
        for k, day in enumerate(self.dates):
            rows += [(day, "term", term, shares[k]) for term, shares in self.terms.items()]
            rows += [(day, "phase", phase, shares[k]) for phase, shares in self.phases.items()]
        return rows

    def lapse_rows(self) -> list[tuple[str, dt.date | None, dt.date | None, dt.date | None, float]]:
        """The lapse table: (term, p10, median, p90, never)."""
        return [(t, q.p10, q.median, q.p90, q.never) for t, q in self.lapse.items()]

    def sensitivity_rows(self) -> list[tuple[str, Scalar, Scalar, str, float, float]]:
        """The sensitivity in long form: (input, low, high, term, share at low, share at high)."""
        return [
            (s.input, s.low, s.high, term, a, b)
            for s in self.sensitivity or []
            for term, (a, b) in s.terms.items()
        ]

    def _tables(self) -> dict[str, tuple[tuple[tuple[str, str], ...], list[tuple[Any, ...]]]]:
        """name -> ((column, kind), ...), rows; kinds: date, text, share, value (a JSON scalar)."""
        tables: dict[str, tuple[tuple[tuple[str, str], ...], list[tuple[Any, ...]]]] = {
            "shares": (tuple(zip(SHARE_COLUMNS, ("date", "text", "text", "share"), strict=True)),
                       list(self.share_rows())),
            "lapse": (tuple(zip(LAPSE_COLUMNS, ("text", "date", "date", "date", "share"), strict=True)),
                      list(self.lapse_rows())),
        }  # fmt: skip
        if self.sensitivity is not None:
            kinds = ("text", "value", "value", "text", "share", "share")
            tables["sensitivity"] = (
                tuple(zip(SENSITIVITY_COLUMNS, kinds, strict=True)),
                list(self.sensitivity_rows()),
            )
        return tables

    def to_csv(self, table: TableName = "shares") -> str:
        """A table as CSV text: dates ``YYYY-MM-DD`` (empty for none), shares exact, an input's
        values as JSON (``0.4``, ``"declared"``, ``true``)."""
        columns, rows = self._tables()[table]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([name for name, _ in columns])
        for row in rows:
            writer.writerow(
                _cell(kind, value) for (_, kind), value in zip(columns, row, strict=True)
            )
        return out.getvalue()

    def to_pandas(self, table: TableName = "shares") -> Any:
        """A table as a pandas DataFrame (needs pandas): ``shares`` in long form (``date, kind,
        id, share``), ``lapse`` (``term, p10, median, p90, never``) or ``sensitivity``
        (``input, low, high, term, share_low, share_high``)."""
        pandas = _import("pandas", "to_pandas()")
        columns, rows = self._tables().get(table, ((), []))
        if not columns:
            raise InputError("this result has no sensitivity study (run with sensitivity_on=DATE)")
        frame = pandas.DataFrame(rows, columns=[name for name, _ in columns])
        for name, kind in columns:
            if kind == "date":
                frame[name] = pandas.to_datetime(frame[name])
        return frame

    def write(self, path: str | Path) -> list[Path]:
        """Write the shares to ``path`` (``.csv`` or ``.parquet``) and the other tables beside it
        (``NAME.lapse.csv``, and ``NAME.sensitivity.csv`` with a sensitivity study); returns the
        paths written."""
        out = Path(path)
        check_output(out)
        written = []
        try:
            for name, (columns, rows) in self._tables().items():
                target = (
                    out if name == "shares" else out.with_name(f"{out.stem}.{name}{out.suffix}")
                )
                if out.suffix.lower() == ".csv":
                    target.write_text(self.to_csv(cast(TableName, name)))
                else:
                    _write_parquet(target, columns, rows)
                written.append(target)
        except OSError as exc:
            raise InputError(
                f"cannot write {exc.filename or out}: {exc.strerror or exc}", place="--output"
            ) from None
        return written

    # ------------------------------------------------------------ notebooks

    def _repr_html_(self) -> str:
        """Tables for a notebook: the shares by term and date, phases, lapse days, assumptions."""
        esc = html.escape
        dates = "".join(f"<th>{d.isoformat()}</th>" for d in self.dates)

        def rows(shares: dict[str, list[float]]) -> str:
            return "".join(
                f"<tr><th style='text-align:left'>{esc(name)}</th>"
                + "".join(f"<td>{100 * s:.1f}%</td>" for s in values)
                + "</tr>"
                for name, values in shares.items()
            )

        lapse = "".join(
            f"<tr><th style='text-align:left'>{esc(t)}</th>"
            + "".join(f"<td>{q.isoformat() if q else '–'}</td>" for q in (x.p10, x.median, x.p90))
            + f"<td>{100 * x.never:.1f}%</td></tr>"
            for t, x in self.lapse.items()
        )
        overrides = self.overrides()
        parameters = "".join(
            f"<tr><th style='text-align:left'>{esc(name)}</th><td>{esc(json.dumps(value))}"
            f"{' (set)' if name in overrides else ''}</td></tr>"
            for name, value in self.parameters.items()
        )
        moves = "".join(
            f"<tr><th style='text-align:left'>{esc(e.input)}</th><td>{esc(json.dumps(e.low))}</td>"
            f"<td>{esc(json.dumps(e.high))}</td><td>{100 * e.swing:.1f}</td></tr>"
            for e in self.sensitivity or []
        )
        study = (
            f"<table><tr><th>sensitivity on {self.sensitivity_on}</th><th>low</th><th>high</th>"
            f"<th>swing (points)</th></tr>{moves}</table>"
            if self.sensitivity is not None
            else ""
        )
        half = max((wilson(0.5, self.runs)[1] - 0.5) * 100, 0.0)
        return (
            f"<div><p><b>Monte Carlo</b>: agreement {esc(self.agreement)}, {self.runs:,} runs, "
            f"seed {self.seed}; 95% intervals within ±{half:.2f} points.</p>"
            f"<p>Assumptions: <code>{esc(json.dumps(self.assumptions))}</code></p>"
            f"<table><tr><th>term in force</th>{dates}</tr>{rows(self.terms)}</table>"
            f"<table><tr><th>phase</th>{dates}</tr>{rows(self.phases)}</table>"
            "<table><tr><th>first day out of force</th><th>p10</th><th>median</th><th>p90</th>"
            f"<th>never</th></tr>{lapse}</table>"
            f"<table><tr><th>parameter</th><th>value</th></tr>{parameters}</table>{study}</div>"
        )

    def __repr__(self) -> str:
        return short_repr(
            self, agreement=self.agreement, runs=self.runs, seed=self.seed, dates=len(self.dates)
        )


def _cell(kind: str, value: Any) -> str:
    if kind == "date":
        return value.isoformat() if value is not None else ""
    if kind == "share":
        return repr(value)
    if kind == "value":
        return json.dumps(value)
    return str(value)


def _write_parquet(
    path: Path, columns: tuple[tuple[str, str], ...], rows: list[tuple[Any, ...]]
) -> None:
    pyarrow = _import("pyarrow", "--output FILE.parquet")
    parquet = _import("pyarrow.parquet", "--output FILE.parquet")
    types = {"date": pyarrow.date32(), "share": pyarrow.float64(), "text": pyarrow.string(),
             "value": pyarrow.string()}  # fmt: skip
    data = {
        name: pyarrow.array(
            [json.dumps(r[i]) if kind == "value" else r[i] for r in rows], types[kind]
        )
        for i, (name, kind) in enumerate(columns)
    }
    parquet.write_table(pyarrow.table(data), path)


def wilson(share: float, runs: int) -> tuple[float, float]:
    """Wilson's 95% score interval for ``share`` observed over ``runs`` runs."""
    z2 = Z95 * Z95
    denominator = 1 + z2 / runs
    centre = (share + z2 / (2 * runs)) / denominator
    half = Z95 * math.sqrt(share * (1 - share) / runs + z2 / (4 * runs * runs)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def check_output(path: Path) -> None:
    """Refuse an ``--output`` file the result cannot be written to, before anything is computed."""
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise InputError(
            f"the output is a .csv or .parquet file, got {path.name!r}", place="--output"
        )
    if path.suffix.lower() == ".parquet":
        _import("pyarrow.parquet", "--output FILE.parquet")
    check_directory(path, "--output")


def check_directory(path: Path, option: str) -> None:
    """Refuse a file (of ``option``) whose directory does not exist, before anything is computed."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: there is no directory {folder}", place=option)


def _import(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            f"{what} needs {module.split('.')[0]}: pip install 'agi-terms[data]'",
            place="--output" if what.startswith("--") else "",
        ) from None
