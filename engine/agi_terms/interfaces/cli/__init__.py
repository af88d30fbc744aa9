"""The commands of the ``agi-terms`` command line about scenarios and versions: ``simulate``,
``decide``, ``explain``, ``diff``, ``check``, ``diagram`` and ``sources`` (the others live in this
package's modules; ``agi_terms.interfaces.main`` assembles them into the ``agi-terms`` group).

Every command asks the operations layer (``agi_terms.operations``) or the library and only
renders. Every refusal of input exits with status 2 and one line ``error: FILE: PLACE: message``
on stderr; an internal failure exits 1 with one line; no traceback reaches the user.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from agi_terms.errors import AgiTermsError, InputError
from agi_terms.interfaces.console import (
    FORMATS,
    about_option,
    backend_option,
    echo_text,
    file_argument,
    format_option,
    guarded,
    input_limits,
    option_date,
    parse_sets,
    rules_option,
    set_option,
    version_argument,
)

if TYPE_CHECKING:
    import datetime as dt

    from agi_terms.analysis.scenario import Scenario, Simulation


def read_scenario(file: str) -> Scenario:
    """The scenario in ``file``; ``-`` reads it from standard input (both within the limits)."""
    from agi_terms.analysis.scenario import load_scenario, scenario_from_data
    from agi_terms.documents import read_stream_document

    if file == "-":
        return read_stream_document(sys.stdin.buffer, scenario_from_data, limits=input_limits())
    return load_scenario(file, limits=input_limits())


def run_scenario(
    scenario: Scenario,
    sets: tuple[str, ...],
    backend: str | None,
    rules: str | None = None,
) -> Simulation:
    """``simulate`` the scenario with the ``--set`` overrides (the caller closes the result)."""
    from agi_terms.analysis.scenario import simulate as run

    return run(scenario, overrides=parse_sets(sets), backend=backend, rules=rules)


@click.command()
@file_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "csv")),
    default="table",
    show_default=True,
    help="Output format (csv: the steps, or with --rows checkpoints the checkpoints).",
)
@click.option(
    "--on",
    "on",
    default=None,
    metavar="DATE",
    help="Print the state on DATE (phase and every term) instead of the timeline.",
)
@click.option(
    "--rows",
    type=click.Choice(("steps", "checkpoints")),
    default="steps",
    show_default=True,
    help="What --format csv prints: a row per step, or a row per term per checkpoint.",
)
@set_option
@backend_option
@rules_option
@guarded("file")
def simulate(
    file: str,
    fmt: str,
    on: str | None,
    rows: str,
    sets: tuple[str, ...],
    backend: str | None,
    rules: str | None,
) -> None:
    """Replay the scenario FILE (- reads standard input) into a timeline of steps and checkpoints."""
    from agi_terms.errors import RulebookError
    from agi_terms.evaluation.results import Checkpoint

    day = option_date(on, "--on")
    scenario = read_scenario(file)
    try:
        result = run_scenario(scenario, sets, backend, rules)
    except RulebookError:
        raise  # names its own rule file
    except AgiTermsError as exc:
        raise about_option(exc) from None
    with result:
        if fmt == "json" and day is None:
            from agi_terms.documents import json_text
            from agi_terms.operations import simulation_result

            click.echo(json_text(simulation_result(result).to_json()))
            return
        from agi_terms.interfaces.cli import render

        if day is not None:
            try:
                report = result.contract.terms(on=day)
            except AgiTermsError as exc:
                raise about_option(exc, {"date": "--on"}) from None
            state = Checkpoint(date=day, phase=report.phase, terms=report.in_force())
            if fmt == "json":
                click.echo(json.dumps(state.to_json(), indent=2))
            elif fmt == "csv":
                echo_text(render.states_csv(result, [(state, report.version)]))
            elif fmt == "markdown":
                echo_text(render.state_markdown(result, report))
            else:
                render.state_table(result, report)
        elif fmt == "csv":
            text = (
                render.checkpoints_csv(result)
                if rows == "checkpoints"
                else render.steps_csv(result)
            )
            echo_text(text)
        elif fmt == "markdown":
            echo_text(render.simulation_markdown(result))
        else:
            render.simulation_table(result)


@click.command()
@file_argument
@click.option(
    "--action",
    "action_text",
    required=True,
    metavar="EVENT",
    help="The action event, as YAML or JSON: '{type: product_launch, kind: api, cloud: aws}'.",
)
@click.option(
    "--on", "on", default=None, metavar="DATE", help="The action's date (when it gives none)."
)
@format_option
@set_option
@backend_option
@guarded("file")
def decide(
    file: str, action_text: str, on: str | None, fmt: str, sets: tuple[str, ...],
    backend: str | None,
) -> None:  # fmt: skip
    """Decide one action against the history of the scenario FILE (- reads standard input).

    Nothing is recorded: the answer is whether the action would be allowed on its date, given the
    scenario's events, with the obligations attached and the rules (and sources) behind it.
    """
    from agi_terms.interfaces.cli import render
    from agi_terms.operations import decision_result

    day = option_date(on, "--on")
    action = parse_action(action_text, day)
    scenario = read_scenario(file)
    with run_scenario(scenario, sets, backend) as result:
        try:
            decision = result.contract.decide(action)
        except AgiTermsError as exc:
            raise exc.within("--action") from None
        if fmt == "json":
            answer = decision_result(result.contract, decision)
            click.echo(json.dumps(answer.to_json(), indent=2))
        elif fmt == "markdown":
            echo_text(render.decision_markdown(result, action, decision))
        else:
            render.decision_table(result, action, decision)


def parse_action(text: str, day: dt.date | None) -> Any:
    """The ``--action`` event (YAML or JSON); its date is ``day`` when it gives none."""
    from agi_terms.documents import parse_yaml
    from agi_terms.events import parse_event

    try:
        data = parse_yaml(text, "--action", input_limits()).data
    except AgiTermsError as exc:
        raise InputError(exc.message, place="--action") from None
    if not isinstance(data, dict):
        raise InputError(
            f"an action is a mapping such as '{{type: ms_ip_use, asset: model}}', got {text!r}",
            place="--action",
        )
    if day is not None:
        given = data.get("date")
        if given is not None and str(given) != day.isoformat():
            raise InputError(
                f"the action's date {given} is not the --on date {day.isoformat()}",
                place="--action.date",
            )
        data = {"date": day.isoformat(), **data}
    elif "date" not in data:
        raise InputError("give the action's date: --on DATE, or date: in the action", place="--on")
    try:
        return parse_event(data)
    except AgiTermsError as exc:
        raise exc.within("--action") from None


def _rulebook(version: str) -> Any:
    from agi_terms.rulebook import load_rulebook

    return load_rulebook(version)


@click.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@format_option
@guarded()
def sources(ids: tuple[str, ...], fmt: str) -> None:
    """The source register: every id the rules cite (or the entries of the IDs given, each an id
    or a citation as the answers print it, such as "N14, Q11")."""
    from agi_terms import operations
    from agi_terms.interfaces.cli.render import sources_markdown, sources_table
    from agi_terms.rulebook.loader import shipped_sources

    register = shipped_sources()
    entries = list(register.named(ids)) if ids else list(register)
    if fmt == "json":
        listing = operations.sources().root
        click.echo(json.dumps({s.id: listing[s.id].to_json() for s in entries}, indent=2))
    elif fmt == "markdown":
        click.echo(sources_markdown(entries, register), nl=False)
    else:
        sources_table(entries)


@click.command()
@version_argument
@guarded()
def diagram(version: str) -> None:
    """The lifecycle of VERSION as a Mermaid stateDiagram-v2."""
    from agi_terms.analysis.diagram import mermaid

    click.echo(mermaid(_rulebook(version)))


@click.command()
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


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--scenario", "scenario_file",
              type=click.Path(dir_okay=False, allow_dash=True, path_type=str), default=None,
              help="Replay this scenario's events under both versions (- reads standard input).")  # fmt: skip
@format_option
@set_option
@backend_option
@guarded("scenario_file")
def diff(
    a: str, b: str, scenario_file: str | None, fmt: str, sets: tuple[str, ...], backend: str | None
) -> None:
    """How versions A and B differ, term by term and action by action, situation by situation."""
    from agi_terms import operations
    from agi_terms.analysis.diff import diff_scenario
    from agi_terms.interfaces.cli import diff_render

    overrides = parse_sets(sets)
    _rulebook(a), _rulebook(b)
    if scenario_file is None:
        request = operations.DiffRequest(a=a, b=b, parameters=overrides)
        data = operations.diff(request, backend=backend).to_json()
        if fmt == "json":
            click.echo(json.dumps(data, indent=2))
        elif fmt == "markdown":
            echo_text(diff_render.diff_markdown(data))
        else:
            diff_render.diff_table(data)
        return
    scenario = read_scenario(scenario_file)
    data = diff_scenario(scenario.events, scenario.checkpoints, a, b,
                         {**scenario.parameters, **overrides}, backend)  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    elif fmt == "markdown":
        echo_text(diff_render.scenario_diff_markdown(data, scenario.events))
    else:
        diff_render.scenario_diff_table(data, scenario.events)


@click.command()
@file_argument
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
    if (term is None) == (step is None):
        raise InputError(
            "give exactly one of --term ID (with --on DATE) and --step N", place="--term"
        )
    if term is not None and on is None:
        raise InputError("--term needs --on DATE", place="--on")
    day = option_date(on, "--on")
    scenario = read_scenario(file)
    with run_scenario(scenario, sets, backend, rules) as result:
        contract = result.contract
        try:
            if term is not None:
                explanation = contract.explain(day, term=term, detail=detail)  # type: ignore[arg-type]
            else:
                explanations = contract.explain_step(step, detail=detail)  # type: ignore[arg-type]
        except AgiTermsError as exc:
            raise about_option(exc, {"term": "--term", "step": "--step", "date": "--on"}) from None
        if term is not None:
            click.echo(
                json.dumps(explanation.to_json(), indent=2) if fmt == "json" else explanation
            )
            return
        assert step is not None
        the_step = contract.steps[step]
        if fmt == "json":
            data = {"step": step, "date": the_step.date.isoformat(), "type": the_step.type,
                    "explanations": [e.to_json() for e in explanations]}  # fmt: skip
            click.echo(json.dumps(data, indent=2))
            return
        click.echo(
            f"step {step}: {the_step.date.isoformat()} {the_step.type} (phase {the_step.phase})"
        )
        if not explanations:
            click.echo("no decision and no term changed at this step")
        for explanation in explanations:
            click.echo(explanation)
