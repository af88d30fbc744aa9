"""The ``agi-terms`` command line: simulate scenarios (and, through their modules, the other commands).

Every refusal of input exits with status 2 and one line ``error: FILE: PLACE: message`` on stderr;
an internal failure exits 1 with one line; no traceback reaches the user.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from engine.errors import AgiTermsError

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "markdown")
BACKENDS = ("durable", "python")


def fail(error: AgiTermsError, file: str | None = None) -> None:
    """Print ``error: FILE: PLACE: message`` and exit 2."""
    if file is not None:
        error.in_file(file)
    click.echo(f"error: {error.one_line()}", err=True)
    sys.exit(2)


def guarded(file_param: str | None = None) -> Callable[[F], F]:
    """Turn engine errors into exit 2 with one line, and any other failure into exit 1 with one line.

    ``file_param`` names the command's file argument, used as FILE when the error has none.
    """

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            file = str(kwargs[file_param]) if file_param and kwargs.get(file_param) else None
            try:
                return func(*args, **kwargs)
            except AgiTermsError as exc:
                fail(exc, file)
            except (KeyboardInterrupt, BrokenPipeError):
                sys.exit(130)
            except Exception as exc:  # a bug: still one line, never a traceback
                click.echo(f"error: internal error: {type(exc).__name__}: {exc}", err=True)
                sys.exit(1)

        return inner  # type: ignore[return-value]

    return wrap


def parse_sets(values: tuple[str, ...]) -> dict[str, object]:
    """``--set NAME=VALUE`` options as parameter overrides (values read as YAML 1.2 scalars)."""
    from engine.scenario import parse_set_option

    overrides: dict[str, object] = {}
    for text in values:
        name, value = parse_set_option(text)
        overrides[name] = value
    return overrides


set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a parameter (repeatable), e.g. --set api_exclusivity_backstop=null.",
)
backend_option = click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default=None,
    help="Rules backend (default: durable where it imports, else python).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="agi-terms", prog_name="agi-terms")
def main() -> None:
    """Contract-rules engine for the Microsoft-OpenAI agreement."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@format_option
@set_option
@backend_option
@click.option(
    "--rules",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Use this rule folder instead of the shipped version (for rule authors).",
)
@guarded("file")
def simulate(
    file: str, fmt: str, sets: tuple[str, ...], backend: str | None, rules: str | None
) -> None:
    """Replay the scenario FILE into a timeline of steps and checkpoints."""
    from engine.errors import RulebookError
    from engine.scenario import load_scenario
    from engine.scenario import simulate as run

    overrides = parse_sets(sets)
    scenario = load_scenario(file)
    try:
        result = run(scenario, overrides=overrides, backend=backend, rules=rules)
    except RulebookError:
        raise  # names its own rule file
    except AgiTermsError as exc:
        raise exc.in_file(file) from None
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        from engine.render import simulation_markdown, simulation_table

        if fmt == "markdown":
            click.echo(simulation_markdown(result))
        else:
            simulation_table(result)


def _register_optional_commands() -> None:
    """Commands that live in their own modules (imported lazily to keep start-up fast)."""


_register_optional_commands()
