"""Which parameter names an agreement accepts, and their values once validated: the one rule.

An agreement of a version accepts that version's parameters and those of the versions a contract of
it may amend to: every shipped version for a library agreement or a stored contract, the versions its
amendments name for a scenario, none for a Monte Carlo population (which never amends). A name of
another version is accepted and kept for the amendment; any other name is an
``UnknownParameterError``.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping

from agi_terms.errors import InputError, UnknownParameterError
from agi_terms.rulebook.loader import available_versions, load_rulebook
from agi_terms.rulebook.model import Rulebook

__all__ = ["accepted_names", "check_names", "resolve_parameters"]


def accepted_names(rulebook: Rulebook, amends_to: Iterable[str] | None = None) -> frozenset[str]:
    """The parameter names an agreement of ``rulebook`` accepts: its own, and those of the shipped
    versions in ``amends_to`` (every shipped version when ``None``)."""
    versions = available_versions() if amends_to is None else amends_to
    shipped = set(available_versions())
    names = set(rulebook.parameter_by_name)
    for version in versions:
        if version in shipped:
            names.update(p.name for p in load_rulebook(version).parameters)
    return frozenset(names)


def check_names(
    rulebook: Rulebook, names: Iterable[str], accepted: Collection[str] = frozenset()
) -> None:
    """``UnknownParameterError`` (placed at ``parameters.NAME``) for the first of ``names`` that is
    neither a parameter of ``rulebook`` nor in ``accepted`` (from ``accepted_names``)."""
    own = rulebook.parameter_by_name
    for name in names:
        if name in own or name in accepted:
            continue
        known = sorted({*own, *accepted})
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownParameterError(
            f"unknown parameter {name!r} for agreement {rulebook.version}; {hint}"
            f"parameters: {', '.join(known)}",
            place=f"parameters.{name}",
        )


def resolve_parameters(
    rulebook: Rulebook, overrides: Mapping[str, object], accepted: Collection[str] = frozenset()
) -> dict[str, object]:
    """Every parameter of ``rulebook``: its default, or the validated override.

    Names are checked by ``check_names`` (a name in ``accepted`` that ``rulebook`` lacks is left
    out); a bad value is an ``InputError`` placed at ``parameters.NAME``.
    """
    check_names(rulebook, overrides, accepted)
    values = rulebook.defaults()
    params = rulebook.parameter_by_name
    for name, value in overrides.items():
        param = params.get(name)
        if param is None:
            continue
        try:
            values[name] = param.validate(value)
        except ValueError as exc:
            raise InputError(str(exc), place=f"parameters.{name}") from None
    return values
