"""The ``agi-terms`` command: the group of every command, each imported when it is run (or listed
by ``--help``), so that starting one command loads only what it needs.

The commands live in their doors (``interfaces/cli``, ``interfaces/http`` for ``serve``); this
module assembles them, and no door imports another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from agi_terms.documents import InputLimits
from agi_terms.interfaces.console import OneLineErrors, byte_size


def _simulate() -> click.Command:
    from agi_terms.interfaces.cli import simulate

    return simulate


def _decide() -> click.Command:
    from agi_terms.interfaces.cli import decide

    return decide


def _explain() -> click.Command:
    from agi_terms.interfaces.cli import explain

    return explain


def _diff() -> click.Command:
    from agi_terms.interfaces.cli import diff

    return diff


def _check() -> click.Command:
    from agi_terms.interfaces.cli import check

    return check


def _diagram() -> click.Command:
    from agi_terms.interfaces.cli import diagram

    return diagram


def _sources() -> click.Command:
    from agi_terms.interfaces.cli import sources

    return sources


def _test() -> click.Command:
    from agi_terms.interfaces.cli.expectations import check_expectations

    return check_expectations


def _montecarlo() -> click.Command:
    from agi_terms.interfaces.cli.montecarlo import montecarlo

    return montecarlo


def _terms() -> click.Command:
    from agi_terms.interfaces.cli.reference import terms

    return terms


def _parameters() -> click.Command:
    from agi_terms.interfaces.cli.reference import parameters

    return parameters


def _events() -> click.Command:
    from agi_terms.interfaces.cli.reference import events

    return events


def _schema() -> click.Command:
    from agi_terms.interfaces.cli.reference import schema

    return schema


def _mcp() -> click.Command:
    from agi_terms.interfaces.mcp import mcp_command

    return mcp_command


def _mount_mcp(app: Any, backend: str | None, max_runs: int) -> Any:
    """The MCP door at ``/mcp`` on ``serve``'s app (its Monte Carlo cap the smaller of the two)."""
    from agi_terms.interfaces.mcp import DEFAULT_MCP_MAX_RUNS, mount

    return mount(app, backend=backend, max_runs=min(max_runs, DEFAULT_MCP_MAX_RUNS))


def _mounts() -> tuple[Any, ...]:
    """The doors ``serve`` and ``explore`` add beside their own routes: the explorer page, and the
    MCP door where the SDK is installed."""
    from importlib.util import find_spec

    from agi_terms.interfaces.explorer import mount as explorer_page

    return (explorer_page, _mount_mcp) if find_spec("mcp") is not None else (explorer_page,)


def _explore() -> click.Command:
    from agi_terms.interfaces.http.explore import explore

    return explore


def _serve() -> click.Command:
    from agi_terms.interfaces.http.command import serve

    return serve


def _token() -> click.Command:
    from agi_terms.interfaces.http.tokens import token

    return token


COMMANDS: dict[str, Callable[[], click.Command]] = {
    "check": _check,
    "decide": _decide,
    "diagram": _diagram,
    "diff": _diff,
    "events": _events,
    "explain": _explain,
    "explore": _explore,
    "mcp": _mcp,
    "montecarlo": _montecarlo,
    "parameters": _parameters,
    "schema": _schema,
    "serve": _serve,
    "simulate": _simulate,
    "sources": _sources,
    "terms": _terms,
    "test": _test,
    "token": _token,
}
"""Every command by name, and how to load it."""


class _Commands(OneLineErrors):
    """The commands of ``COMMANDS``, each loaded when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        load = COMMANDS.get(cmd_name)
        return load() if load is not None else None


@click.group(
    cls=_Commands,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="agi-terms", prog_name="agi-terms")
@click.option(
    "--max-input-size",
    callback=byte_size,
    default="16MiB",
    metavar="SIZE",
    show_default=True,
    envvar="AGI_TERMS_MAX_INPUT_SIZE",
    help="Refuse a scenario or assumptions file (or a --set value) larger than this.",
)
@click.pass_context
def main(ctx: click.Context, max_input_size: int) -> None:
    """Contract-rules engine for the Microsoft-OpenAI agreement.

    Start with `agi-terms simulate FILE` (a scenario: simulations/scenarios/ has examples);
    `agi-terms events` lists what a scenario may say.
    """
    ctx.obj = InputLimits(max_bytes=max_input_size)
    if ctx.invoked_subcommand in ("serve", "explore"):
        ctx.meta["agi_terms.mounts"] = _mounts()
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
