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

from agi_terms.documents import DEFAULT_LIMITS, InputLimits, parse_size
from agi_terms.errors import AgiTermsError, InputError

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "markdown")
BACKENDS = ("durable", "python")


def fail(error: AgiTermsError, file: str | None = None) -> None:
    """Print ``error: FILE: PLACE: message`` and exit 2 (control characters shown escaped)."""
    from agi_terms.interfaces.cli.render import printable

    if file is not None:
        error = error.with_file(file)
    click.echo(f"error: {printable(error.one_line())}", err=True)
    sys.exit(2)


def _byte_size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """A size option: ``16MiB``, ``512KiB`` or a number of bytes."""
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def input_limits() -> InputLimits:
    """The limits this command reads its input within (``agi-terms --max-input-size``)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(InputLimits) if ctx is not None else None
    return found if found is not None else DEFAULT_LIMITS


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
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)


class _OneLineErrors(click.Group):
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


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="agi-terms", prog_name="agi-terms")
@click.option(
    "--max-input-size",
    callback=_byte_size,
    default="16MiB",
    metavar="SIZE",
    show_default=True,
    envvar="AGI_TERMS_MAX_INPUT_SIZE",
    help="Refuse a scenario or assumptions file (or a --set value) larger than this.",
)
@click.pass_context
def main(ctx: click.Context, max_input_size: int) -> None:
    """Contract-rules engine for the Microsoft-OpenAI agreement."""
    ctx.obj = InputLimits(max_bytes=max_input_size)


rules_option = click.option(
    "--rules",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Use this rule folder instead of the shipped version (for rule authors).",
)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@format_option
@set_option
@backend_option
@rules_option
@guarded("file")
def simulate(
    file: str, fmt: str, sets: tuple[str, ...], backend: str | None, rules: str | None
) -> None:
    """Replay the scenario FILE into a timeline of steps and checkpoints."""
    from agi_terms.analysis.scenario import load_scenario
    from agi_terms.analysis.scenario import simulate as run
    from agi_terms.errors import RulebookError

    overrides = parse_sets(sets)
    scenario = load_scenario(file, limits=input_limits())
    try:
        result = run(scenario, overrides=overrides, backend=backend, rules=rules)
    except RulebookError:
        raise  # names its own rule file
    except AgiTermsError as exc:
        raise exc.with_file(file) from None
    result.close()
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        from agi_terms.interfaces.cli.render import printable, simulation_markdown, simulation_table

        if fmt == "markdown":
            click.echo(printable(simulation_markdown(result)))
        else:
            simulation_table(result)


version_argument = click.argument("version", default="2025-10", required=False)


def _rulebook(version: str) -> Any:
    from agi_terms.rulebook import load_rulebook

    return load_rulebook(version)


def _emit(fmt: str, data: Any, markdown: str) -> None:
    from agi_terms.interfaces.cli.render import print_markdown, printable

    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        print_markdown(markdown) if fmt == "table" else click.echo(printable(markdown))


@main.command()
@version_argument
@format_option
@guarded()
def terms(version: str, fmt: str) -> None:
    """The terms of VERSION (default 2025-10) with holder, meaning, sources and rules."""
    from agi_terms.interfaces.cli.render import source_titles

    rulebook = _rulebook(version)
    data = [
        {"term": t.id, "holder": t.holder, "title": t.title, "meaning": t.meaning, "note": t.note,
         "source": t.source,
         "rules": [{"rule": r.id, "effect": r.effect, "source": r.source} for r in t.rules]}
        for t in rulebook.terms
    ]  # fmt: skip
    lines = [f"# Terms of {rulebook.version}: {rulebook.title}", "", rulebook.summary, "",
             "| term | holder | meaning | sources | rules |", "|---|---|---|---|---|"]  # fmt: skip
    for t in rulebook.terms:
        rules = "<br>".join(f"{r.effect} `{r.id}` ({r.source})" for r in t.rules)
        titles = source_titles(t.source, rulebook.sources)
        note = f" *{t.note}*" if t.note else ""
        lines.append(
            f"| `{t.id}` | {t.holder} | **{t.title}.** {t.meaning}{note} | {titles} | {rules} |"
        )
    cited = rulebook.sources.cited(
        [*(t.source for t in rulebook.terms), *(r.source for t in rulebook.terms for r in t.rules)]
    )
    _emit(fmt, {"version": rulebook.version, "terms": data, "sources": cited}, "\n".join(lines))


@main.command()
@version_argument
@format_option
@guarded()
def parameters(version: str, fmt: str) -> None:
    """The parameters of VERSION (default 2025-10): defaults, meaning and sources."""
    from agi_terms.interfaces.cli.render import source_titles

    rulebook = _rulebook(version)
    data = [
        {"name": p.name, "type": p.type, "default": p.to_json(p.default), "nullable": p.nullable,
         "choices": list(p.choices) or None, "reported": p.reported, "meaning": p.meaning,
         "source": p.source}
        for p in rulebook.parameters
    ]  # fmt: skip
    lines = [f"# Parameters of {rulebook.version}", "",
             "Override with `parameters:` in a scenario or `--set NAME=VALUE`.", "",
             "| parameter | default | type | meaning | source |", "|---|---|---|---|---|"]  # fmt: skip
    for p in data:
        kind = p["type"] + (f" ({', '.join(p['choices'])})" if p["choices"] else "")
        kind += _domain(rulebook.parameter_by_name[p["name"]])
        kind += ", or null" if p["nullable"] else ""
        default = json.dumps(p["default"]) + (" (reported)" if p["reported"] else "")
        titles = source_titles(p["source"], rulebook.sources)
        lines.append(f"| `{p['name']}` | `{default}` | {kind} | {p['meaning']} | {titles} |")
    cited = rulebook.sources.cited(p.source for p in rulebook.parameters)
    _emit(fmt, {"version": rulebook.version, "parameters": data, "sources": cited},
          "\n".join(lines))  # fmt: skip


@main.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@format_option
@guarded()
def sources(ids: tuple[str, ...], fmt: str) -> None:
    """The source register: every id the rules cite (or the entries of the IDs given, each an id
    or a citation as the answers print it, such as "N14, Q11")."""
    from agi_terms.interfaces.cli.render import sources_markdown, sources_table
    from agi_terms.rulebook.loader import shipped_sources

    register = shipped_sources()
    entries = list(register.named(ids)) if ids else list(register)
    if fmt == "json":
        click.echo(json.dumps({s.id: s.to_json() for s in entries}, indent=2))
    elif fmt == "markdown":
        click.echo(sources_markdown(entries, register), nl=False)
    else:
        sources_table(entries)


def _domain(param: Any) -> str:
    """`` (min 2025-10-28)``: the bounds of a number or date parameter, if it has any."""
    shown = []
    for bound, word in ((param.minimum, "min"), (param.maximum, "max")):
        if bound is not None:
            value = bound.isoformat() if hasattr(bound, "isoformat") else f"{bound:g}"
            shown.append(f"{word} {value}")
    return f" ({', '.join(shown)})" if shown else ""


@main.command()
@version_argument
@guarded()
def diagram(version: str) -> None:
    """The lifecycle of VERSION as a Mermaid stateDiagram-v2."""
    from agi_terms.analysis.diagram import mermaid

    click.echo(mermaid(_rulebook(version)))


@main.command()
@click.argument("target", default="2025-10", required=False)
@click.option(
    "--prove",
    is_flag=True,
    help="Prove the checks and properties.yaml for every parameter value and date (needs z3).",
)
@click.option(
    "--counterexamples",
    "counterexamples",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    metavar="DIR",
    help="With --prove: also write each counterexample to DIR/<check>.yaml.",
)
@guarded()
def check(target: str, prove: bool, counterexamples: str | None) -> None:
    """Verify a rulebook: a shipped VERSION or a rule folder (exit 1 when it finds defects).

    Without --prove, the checks enumerate the fact space at the parameters' defaults and choices;
    with --prove, an SMT solver proves them for every value, with a scenario for each failure.
    """
    from agi_terms.analysis.check import (
        check_citations,
        check_rulebook,
        summarise,
        uncited_summary,
    )
    from agi_terms.errors import RulebookError
    from agi_terms.rulebook import load_rulebook_from

    folder = _rule_folder(target)
    try:
        rulebook = load_rulebook_from(folder) if folder is not None else _rulebook(target)
    except RulebookError as exc:
        click.echo(f"defect: {exc.one_line()}")
        sys.exit(1)
    if counterexamples is not None and not prove:
        raise InputError("--counterexamples goes with --prove", place="--counterexamples")
    if counterexamples is not None:
        _writable_folder(counterexamples, "--counterexamples")
    if not prove:
        findings = check_rulebook(rulebook)
        click.echo(summarise(rulebook, findings))
        click.echo(uncited_summary(rulebook))
        if findings:
            sys.exit(1)
        return
    findings = check_citations(rulebook)
    if findings:
        click.echo(summarise(rulebook, findings))
        sys.exit(1)
    _prove(rulebook, folder, counterexamples)


def _prove(rulebook: Any, folder: Any, counterexamples: str | None) -> None:
    import time
    from pathlib import Path

    try:
        from agi_terms.analysis.prove import prove_rulebook
    except ImportError as exc:
        raise InputError(
            f"check --prove needs z3: pip install 'agi-terms[prove]' ({exc})", place="--prove"
        ) from None
    started = time.perf_counter()
    report = prove_rulebook(rulebook, folder)
    elapsed = time.perf_counter() - started
    text = report.text()
    first, _, rest = text.partition("\n")
    click.echo(f"{first} in {elapsed:.1f} s" + (f"\n{rest}" if rest else ""))
    if counterexamples is not None:
        out = Path(counterexamples)
        for outcome in report.failures:
            if outcome.counterexample is not None:
                try:
                    (out / f"{outcome.id}.yaml").write_text(outcome.counterexample.text)
                except OSError as exc:
                    raise _folder_error(exc, "cannot write", "--counterexamples") from None
    if not report.proved:
        sys.exit(1)


def _rule_folder(target: str) -> Any:
    """``check``'s TARGET as a rule folder (a ``Path``), or ``None`` for a version id.

    A TARGET written as a path (with a ``/``, or naming a file) that is not a folder is refused
    as such, not as an unknown version.
    """
    import os
    from pathlib import Path

    path = Path(target)
    if path.is_dir():
        return path
    looks_like_path = any(sep and sep in target for sep in (os.sep, os.altsep)) or path.exists()
    if looks_like_path:
        what = "not a folder" if path.exists() else "no such folder"
        raise InputError(
            f"{what}; check takes a shipped version or a rule folder holding agreement.yaml",
            file=target,
        )
    return None


def _writable_folder(given: str, option: str) -> None:
    """Make the folder ``given`` to ``option`` (and its parents) and check that files can be
    written in it, before any work whose results would go there; else an ``InputError``."""
    import os
    from pathlib import Path

    folder = Path(given)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(exc, "cannot make the folder", option) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write in the folder {given}", place=option)


def _folder_error(exc: OSError, doing: str, option: str) -> InputError:
    """An ``OSError`` met making or writing in the folder of ``option``, as bad input there:
    ``cannot make the folder /proc/x (No such file or directory)``."""
    reason = exc.strerror or type(exc).__name__
    return InputError(f"{doing} {exc.filename} ({reason})", place=option)


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False, path_type=str),
              default=None, help="Replay this scenario's events under both versions.")  # fmt: skip
@format_option
@set_option
@backend_option
@guarded("scenario_file")
def diff(
    a: str, b: str, scenario_file: str | None, fmt: str, sets: tuple[str, ...], backend: str | None
) -> None:
    """How versions A and B differ, term by term and action by action, situation by situation."""
    from agi_terms.analysis.diff import diff_scenario, diff_versions
    from agi_terms.interfaces.cli.render import diff_markdown, scenario_diff_markdown

    overrides = parse_sets(sets)
    _rulebook(a), _rulebook(b)
    if scenario_file is None:
        data = diff_versions(a, b, overrides, backend)
        _emit(fmt, data, diff_markdown(data))
        return
    from agi_terms.analysis.scenario import load_scenario

    scenario = load_scenario(scenario_file, limits=input_limits())
    data = diff_scenario(scenario.events, scenario.checkpoints, a, b,
                         {**scenario.parameters, **overrides}, backend)  # fmt: skip
    _emit(fmt, data, scenario_diff_markdown(data))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--on", "on", default=None, metavar="DATE", help="The date (for --term).")
@click.option("--term", default=None, help="Explain why this term is (not) in force.")
@click.option("--step", type=int, default=None, help="Explain step N of the timeline (0-based).")
@click.option(
    "--detail", type=click.Choice(["summary", "full"]), default="summary", show_default=True
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@set_option
@backend_option
@rules_option
@guarded("file")
def explain(
    file: str, on: str | None, term: str | None, step: int | None, detail: str, fmt: str,
    sets: tuple[str, ...], backend: str | None, rules: str | None,
) -> None:  # fmt: skip
    """Why a term is (not) in force on a date, or why a step of the scenario FILE came out as it did."""
    from agi_terms.analysis.scenario import load_scenario
    from agi_terms.analysis.scenario import simulate as run
    from agi_terms.errors import InputError

    if (term is None) == (step is None):
        raise InputError(
            "give exactly one of --term ID (with --on DATE) and --step N", place="options"
        )
    if term is not None and on is None:
        raise InputError("--term needs --on DATE", place="--on")
    scenario = load_scenario(file, limits=input_limits())
    contract = run(scenario, overrides=parse_sets(sets), backend=backend, rules=rules).contract
    if term is not None:
        explanation = contract.explain(on, term=term, detail=detail)  # type: ignore[arg-type]
        if fmt == "json":
            click.echo(json.dumps(explanation.to_json(), indent=2))
        else:
            click.echo(explanation.text())
        return
    assert step is not None
    explanations = contract.explain_step(step, detail=detail)  # type: ignore[arg-type]
    the_step = contract.steps[step]
    if fmt == "json":
        data = {"step": step, "date": the_step.date.isoformat(), "type": the_step.type,
                "explanations": [e.to_json() for e in explanations]}  # fmt: skip
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(
            f"step {step}: {the_step.date.isoformat()} {the_step.type} (phase {the_step.phase})"
        )
        if not explanations:
            click.echo("no decision and no term changed at this step")
        for explanation in explanations:
            click.echo(explanation.text())


def _register_optional_commands() -> None:
    """Commands that live in their own modules (imported lazily to keep start-up fast)."""
    from agi_terms.interfaces.cli.expectations import check_expectations
    from agi_terms.interfaces.cli.montecarlo import montecarlo
    from agi_terms.interfaces.http.service import (
        serve,  # light: FastAPI is imported only when serving
    )

    main.add_command(check_expectations)
    main.add_command(montecarlo)
    main.add_command(serve)


_register_optional_commands()
