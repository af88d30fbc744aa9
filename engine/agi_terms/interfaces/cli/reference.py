"""The reference commands: what a version holds (``terms``, ``parameters``) and what an input file
may say (``events``, ``schema``)."""

from __future__ import annotations

import json

import click

from agi_terms.interfaces.console import echo_text, format_option, guarded, version_argument


@click.command()
@version_argument
@format_option
@guarded()
def terms(version: str, fmt: str) -> None:
    """The terms of VERSION (default 2025-10) with holder, meaning, sources and rules."""
    from agi_terms.interfaces.cli import reference_render
    from agi_terms.rulebook import load_rulebook

    rulebook = load_rulebook(version)
    if fmt == "json":
        data = [
            {"term": t.id, "holder": t.holder, "title": t.title, "meaning": t.meaning,
             "note": t.note, "source": t.source,
             "rules": [{"rule": r.id, "effect": r.effect, "source": r.source} for r in t.rules]}
            for t in rulebook.terms
        ]  # fmt: skip
        cited = rulebook.sources.cited(
            [
                *(t.source for t in rulebook.terms),
                *(r.source for t in rulebook.terms for r in t.rules),
            ]
        )
        click.echo(json.dumps({"version": rulebook.version, "terms": data, "sources": cited},
                              indent=2))  # fmt: skip
    elif fmt == "markdown":
        echo_text(reference_render.terms_markdown(rulebook))
    else:
        reference_render.terms_table(rulebook)


@click.command()
@version_argument
@format_option
@guarded()
def parameters(version: str, fmt: str) -> None:
    """The parameters of VERSION (default 2025-10): defaults, meaning and sources."""
    from agi_terms.interfaces.cli import reference_render
    from agi_terms.rulebook import load_rulebook

    rulebook = load_rulebook(version)
    data = [
        {"name": p.name, "type": p.type, "default": p.to_json(p.default), "nullable": p.nullable,
         "choices": list(p.choices) or None, "reported": p.reported, "meaning": p.meaning,
         "source": p.source}
        for p in rulebook.parameters
    ]  # fmt: skip
    if fmt == "json":
        cited = rulebook.sources.cited(p.source for p in rulebook.parameters)
        click.echo(json.dumps({"version": rulebook.version, "parameters": data, "sources": cited},
                              indent=2))  # fmt: skip
    elif fmt == "markdown":
        echo_text(reference_render.parameters_markdown(rulebook, data))
    else:
        reference_render.parameters_table(rulebook, data)


@click.command()
@click.argument("type_", metavar="[TYPE]", required=False)
@format_option
@guarded()
def events(type_: str | None, fmt: str) -> None:
    """Every event type a scenario may give (or TYPE's): fields, types, allowed values, defaults."""
    from agi_terms.errors import InputError
    from agi_terms.interfaces.cli import reference_render
    from agi_terms.schemas import event_types

    types = event_types()
    if type_ is not None:
        chosen = [t for t in types if t.type == type_]
        if not chosen:
            import difflib

            names = [t.type for t in types]
            close = difflib.get_close_matches(type_, names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(
                f"unknown event type {type_!r}; {hint}event types: {', '.join(names)}", place="TYPE"
            )
        types = tuple(chosen)
    if fmt == "json":
        data = [t.to_json() for t in types]
        click.echo(json.dumps(data[0] if type_ is not None else data, indent=2))
    elif fmt == "markdown":
        echo_text(reference_render.events_markdown(types, whole=type_ is None))
    else:
        reference_render.events_table(types)


@click.command()
@click.argument("kind", type=click.Choice(("scenario", "assumptions")))
@click.option(
    "--path",
    "show_path",
    is_flag=True,
    help="Print where the shipped schema file is, instead of the schema.",
)
@guarded()
def schema(kind: str, show_path: bool) -> None:
    """The JSON Schema of scenario or assumptions files, for editors with a YAML language server.

    The same schema ships with the package: --path prints where, for a modeline such as
    `# yaml-language-server: $schema=PATH` or an editor's yaml.schemas setting.
    """
    from agi_terms.schemas import schema_text, shipped_schema_path

    if show_path:
        click.echo(shipped_schema_path(kind))
    else:
        click.echo(schema_text(kind), nl=False)
