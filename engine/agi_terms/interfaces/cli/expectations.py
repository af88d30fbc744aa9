"""``agi-terms test``: check the expectations that scenario files state (SPEC §13).

One line ``FILE:LINE: PLACE: expected X, got Y`` per failed expectation, then ``N passed, M failed``;
exit 0 when every expectation held, 1 when one failed, 2 when a file was bad input (each such file
is named on stderr as ``error: FILE: PLACE: message`` and the others are still checked) or when
the paths hold nothing to check.
"""

from __future__ import annotations

import json
import sys

import click

from agi_terms.interfaces.console import backend_option, guarded, input_limits


@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@backend_option
@guarded()
def check_expectations(paths: tuple[str, ...], fmt: str, backend: str | None) -> None:
    """Check the expectations of the scenarios in PATHS (files, or folders searched for *.yaml).

    Exit status: 0 when every expectation held, 1 when one failed, 2 for bad input, and 2 when
    PATHS hold no scenario that states an expectation (nothing to check).
    """
    from agi_terms.analysis.expectations import check_paths
    from agi_terms.interfaces.console import printable

    report = check_paths(paths, backend=backend, limits=input_limits())
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for result in report.files:
            if result.error is not None:
                click.echo(f"error: {printable(result.error.one_line())}", err=True)
            for outcome in result.outcomes:
                if not outcome.passed:
                    click.echo(printable(outcome.one_line()))
        click.echo(report.summary())
    sys.exit(report.exit_code)
