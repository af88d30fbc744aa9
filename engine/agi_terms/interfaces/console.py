"""What every command of the terminal shares: one-line errors, the options several commands take,
the limits input is read within, and text made safe to print.

Every refusal of input exits with status 2 and one line ``error: FILE: PLACE: message`` on stderr;
an internal failure exits 1 with one line; no traceback reaches the user. The doors that run in a
terminal (the CLI's commands, ``serve``) import this; it imports no door.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from agi_terms.documents import DEFAULT_LIMITS, STDIN, InputLimits, parse_size
from agi_terms.errors import AgiTermsError, InputError

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "markdown")
BACKENDS = ("durable", "python")


def fail(error: AgiTermsError, file: str | None = None) -> None:
    """Print ``error: FILE: PLACE: message`` and exit 2 (control characters shown escaped).

    An error about a command-line option (placed at ``--set``, ``--on``, ...; one about a library
    ``overrides.NAME`` is the option ``--set NAME``) names the option, not the input file.
    """
    error = about_option(error)
    if file is not None and not _is_option(error):
        error = error.with_file(STDIN if file == "-" else file)
    click.echo(f"error: {printable(error.one_line())}", err=True)
    sys.exit(2)


def byte_size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """A size option's callback: ``16MiB``, ``512KiB`` or a number of bytes."""
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def input_limits() -> InputLimits:
    """The limits this command reads its input within (``agi-terms --max-input-size``)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(InputLimits) if ctx is not None else None
    return found if found is not None else DEFAULT_LIMITS


def echo_text(text: str) -> None:
    """Print a people's text (Markdown, CSV) as it is, its control characters shown escaped."""
    click.echo(printable(text), nl=not text.endswith("\n"))


def _is_option(error: AgiTermsError) -> bool:
    return bool(error.path) and str(error.path[0]).startswith("--")


def about_option(error: AgiTermsError, options: Mapping[str, str] | None = None) -> AgiTermsError:
    """``error`` placed at the option it is about: ``overrides.NAME`` becomes ``--set NAME``, and a
    path that starts with a key of ``options`` (``{"term": "--term"}``) starts with its option."""
    head = error.path[0] if error.path else None
    if head == "overrides" and len(error.path) == 2:
        place: tuple[str, ...] = (f"--set {error.path[1]}",)
    elif options and isinstance(head, str) and head in options:
        place = (options[head],)
    else:
        return error
    return type(error)(error.message, place=place, rule=error.rule)


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
    from agi_terms.analysis.scenario import parse_set_option

    overrides: dict[str, object] = {}
    for text in values:
        name, value = parse_set_option(text, input_limits())
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


def formats_option(
    choices: tuple[str, ...] = FORMATS, help: str = "Output format."
) -> Callable[[F], F]:
    """The ``--format`` option with these choices (``table`` the default)."""
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default="table", show_default=True, help=help
    )


format_option = formats_option()


# C0 and C1 controls (but newline and tab), DEL, and the characters that reorder or hide text
# (bidirectional overrides and isolates, line and paragraph separators): written as escapes, a
# name in a scenario cannot clear the screen, retitle the terminal or reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x1b``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


class OneLineErrors(click.Group):
    """Usage errors (a missing argument, a bad option value) as one ``error:`` line, exit 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "agi-terms"
            click.echo(f"error: {command}: {exc.format_message()}", err=True)
            sys.exit(2)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            sys.exit(130)


def option_date(value: str | None, option: str) -> dt.date | None:
    """The date an option gives (``--on 2031-01-01``); an ``InputError`` placed at the option."""
    from agi_terms.events import parse_calendar_date

    if value is None:
        return None
    try:
        return parse_calendar_date(value)
    except ValueError as exc:
        raise InputError(str(exc), place=option) from None


file_argument = click.argument(
    "file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str)
)
rules_option = click.option(
    "--rules",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Use this rule folder instead of the shipped version (for rule authors).",
)


version_argument = click.argument("version", default="2025-10", required=False)
