"""``agi-terms montecarlo``: the command (its work is imported when it runs, to keep start-up fast)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import click

from agi_terms.interfaces.console import (
    FORMATS,
    formats_option,
    guarded,
    input_limits,
    parse_sets,
    set_option,
)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--runs", type=int, default=None, help="Runs (default: the file's).")
@click.option("--seed", type=int, default=None, help="Seed (default: the file's).")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Worker processes evaluating the chunks (at most one per chunk and per CPU).",
)
@formats_option((*FORMATS, "csv"), help="Output format (csv: the shares in long form).")
@click.option(
    "--plot",
    "plot",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    metavar="OUT.png|OUT.svg",
    help="Also write a chart (needs the [plot] extra).",
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    metavar="OUT.csv|OUT.parquet",
    help="Also write the shares in long form, and the lapse table beside them (parquet needs [data]).",
)
@click.option(
    "--sensitivity",
    is_flag=True,
    help="Move each uncertain input to the ends of its range and compare the shares --on DATE.",
)
@click.option("--on", "on", default=None, metavar="DATE", help="The date of --sensitivity.")
@set_option
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the chunks on this Dask scheduler (needs the [dask] extra).",
)
@guarded("file")
def montecarlo(
    file: str,
    runs: int | None,
    seed: int | None,
    workers: int,
    fmt: str,
    plot: str | None,
    output: str | None,
    sensitivity: bool,
    on: str | None,
    sets: tuple[str, ...],
    scheduler: str | None,
) -> None:
    """Run the Monte Carlo population that the assumptions FILE describes."""
    from pathlib import Path

    from agi_terms.analysis.montecarlo import load_assumptions, run_montecarlo
    from agi_terms.analysis.montecarlo.result import check_output
    from agi_terms.errors import InputError
    from agi_terms.events import parse_calendar_date

    overrides = parse_sets(sets)
    on_date = None
    if sensitivity:
        if on is None:
            raise InputError("--sensitivity needs --on DATE", place="--on")
        try:
            on_date = parse_calendar_date(on)
        except ValueError as exc:
            raise InputError(str(exc), place="--on") from None
    elif on is not None:
        raise InputError("--on is the date of --sensitivity; add --sensitivity", place="--on")
    # Refuse what cannot be written before any run is computed.
    if plot is not None:
        from agi_terms.analysis.montecarlo.plot import check_chart

        check_chart(Path(plot))
    if output is not None:
        check_output(Path(output))
    assumptions = load_assumptions(file, limits=input_limits())
    # An error is about FILE unless it is about an option (``guarded`` tells them apart).
    with _progress() as progress:
        result = run_montecarlo(
            assumptions,
            runs=runs,
            seed=seed,
            overrides=overrides,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            sensitivity_on=on_date,
        )
    if plot is not None:
        from agi_terms.analysis.montecarlo.plot import plot_montecarlo

        plot_montecarlo(result, plot)
    if output is not None:
        result.write(output)
    if fmt == "json":
        click.echo(result.to_json_text())
    elif fmt == "csv":
        from agi_terms.interfaces.cli.montecarlo_render import montecarlo_csv

        click.echo(montecarlo_csv(result))
    elif fmt == "markdown":
        from agi_terms.interfaces.cli.montecarlo_render import montecarlo_markdown

        click.echo(montecarlo_markdown(result, file))
    else:
        from agi_terms.interfaces.cli.montecarlo_render import montecarlo_table

        montecarlo_table(result, file)


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when stderr is a terminal; otherwise no callback at all."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    # No refresh thread: worker processes are forked while the bar is shown.
    with Progress(console=Console(stderr=True), transient=True, auto_refresh=False) as bar:
        task = bar.add_task("runs", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, refresh=True)

        yield update
