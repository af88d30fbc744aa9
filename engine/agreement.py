"""Agreements: a version's rulebook compiled for one set of parameters, with its backend and machine.

``load_agreement("2025-10", parameters={...}, backend="python")`` is the entry point of the library.
An agreement is immutable after loading and safe to share between threads; contracts started from it
(``agreement.start()``) are values.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.backends import RulesBackend, make_backend
from engine.errors import InputError, UnknownParameterError, UnknownVersionError
from engine.facts import FactRow
from engine.lifecycle import PhaseMachine
from engine.program import Program, compile_program
from engine.results import Citation, Decision, TermStatus
from engine.rulebook import Rulebook, available_versions, load_rulebook, load_rulebook_from

if TYPE_CHECKING:
    from engine.contract import Contract


def resolve_parameters(
    rulebook: Rulebook, overrides: Mapping[str, object], known: frozenset[str] = frozenset()
) -> dict[str, object]:
    """Every parameter of ``rulebook``: its default, or the validated override.

    A name that neither ``rulebook`` nor ``known`` defines is an ``UnknownParameterError``.
    """
    values = rulebook.defaults()
    params = rulebook.parameter_by_name
    for name, value in overrides.items():
        param = params.get(name)
        if param is None:
            if name in known:
                continue
            names = ", ".join(p.name for p in rulebook.parameters)
            raise UnknownParameterError(
                f"unknown parameter {name!r} for agreement {rulebook.version}; parameters: {names}",
                place=f"parameters.{name}",
            )
        try:
            values[name] = param.validate(value)
        except ValueError as exc:
            raise InputError(str(exc), place=f"parameters.{name}") from None
    return values


@dataclass(frozen=True)
class CompiledVersion:
    """One version ready to evaluate: program, backend and lifecycle machine."""

    rulebook: Rulebook
    parameters: Mapping[str, object]
    program: Program
    backend: RulesBackend
    machine: PhaseMachine
    grants: Mapping[str, frozenset[int]]
    ends: Mapping[str, frozenset[int]]

    @classmethod
    def build(
        cls, rulebook: Rulebook, parameters: Mapping[str, object], backend: str | None
    ) -> CompiledVersion:
        program = compile_program(rulebook, parameters)
        grants = {
            t: frozenset(r.index for r in program.rules_of_term(t) if r.rule.effect == "grant")
            for t in rulebook.term_ids
        }
        ends = {
            t: frozenset(r.index for r in program.rules_of_term(t) if r.rule.effect == "end")
            for t in rulebook.term_ids
        }
        return cls(
            rulebook,
            parameters,
            program,
            make_backend(backend, program),
            PhaseMachine(rulebook.lifecycle, rulebook.version),
            grants,
            ends,
        )

    def terms(self, row: FactRow) -> tuple[dict[str, bool], dict[str, tuple[int, ...]]]:
        """Evaluate every term on ``row`` (state facts), stage by stage; adds the terms to ``row``.

        Returns the terms in force and, per term, the indices of its rules that held.
        """
        in_force: dict[str, bool] = {}
        held: dict[str, tuple[int, ...]] = {}
        for stage, term_ids in enumerate(self.program.term_stages):
            matched = set(self.backend.match(stage, [row])[0])
            for t in term_ids:
                grants = self.grants[t] & matched
                ends = self.ends[t] & matched
                in_force[t] = bool(grants) and not ends
                held[t] = tuple(sorted(grants | ends))
                row[t] = in_force[t]
        order = self.rulebook.term_ids
        return {t: in_force[t] for t in order}, held

    def term_status(self, term: str, in_force: bool, held: tuple[int, ...]) -> TermStatus:
        rules = self.program.rules
        ends = [i for i in held if i in self.ends[term]]
        if in_force:
            cited, reason = [i for i in held if i in self.grants[term]], "granted"
        elif ends:
            cited, reason = ends, "ended"
        else:
            cited, reason = sorted(self.grants[term]), "not_granted"
        return TermStatus(
            term=term,
            in_force=in_force,
            reason=reason,  # type: ignore[arg-type]
            because=tuple(Citation(rule=rules[i].id, source=rules[i].rule.source) for i in cited),
        )

    def decide(self, row: FactRow) -> Decision:
        """Decide the action in ``row`` (state facts, terms and the action's facts)."""
        matched = self.backend.match(self.program.decision_stage, [row])[0]
        rules = self.program.rules
        deny = [i for i in matched if rules[i].rule.effect == "deny"]
        allow = [i for i in matched if rules[i].rule.effect == "allow"]
        oblige = [i for i in matched if rules[i].rule.effect == "oblige"]
        allowed = bool(allow) and not deny
        deciding = sorted([*allow, *oblige]) if allowed else deny
        cited = sorted({*deciding, *(i for i in matched if rules[i].rule.effect == "cite")})
        obligations = (
            tuple(dict.fromkeys(rules[i].rule.obligation or "" for i in oblige)) if allowed else ()
        )
        return Decision(
            allowed=allowed,
            obligations=obligations,
            because=tuple(Citation(rule=rules[i].id, source=rules[i].rule.source) for i in cited),
        )


class Agreement:
    """An agreement version with fixed parameters, ready to start and evaluate contracts.

    Thread-safe: its parts are immutable or guarded (the durable backend and the state machine hold
    locks). Versions that a contract amends to are compiled on first use with the same overrides.
    Close it (or use it as a context manager) to release the durable ruleset.
    """

    def __init__(
        self,
        version: str = "2025-10",
        parameters: Mapping[str, object] | None = None,
        backend: str | None = None,
        *,
        rulebook: Rulebook | None = None,
    ) -> None:
        self.overrides: dict[str, object] = dict(parameters or {})
        self.backend_name = backend
        self._lock = threading.Lock()
        self._versions: dict[str, CompiledVersion] = {}
        if rulebook is None:
            rulebook = load_rulebook(version)
        known = frozenset(p.name for v in available_versions() for p in load_rulebook(v).parameters)
        start = CompiledVersion.build(
            rulebook, resolve_parameters(rulebook, self.overrides, known), backend
        )
        self._versions[rulebook.version] = start
        self.version: str = rulebook.version
        self.rulebook: Rulebook = rulebook
        self.parameters: Mapping[str, object] = start.parameters
        self.backend: str = start.backend.name

    def compiled(self, version: str) -> CompiledVersion:
        """The compiled form of ``version`` (this agreement's or one a contract amends to).

        Another version takes the overrides that it defines, with the same backend.
        """
        with self._lock:
            found = self._versions.get(version)
            if found is None:
                rulebook = load_rulebook(version)
                overrides = {
                    k: v for k, v in self.overrides.items() if k in rulebook.parameter_by_name
                }
                found = CompiledVersion.build(
                    rulebook, resolve_parameters(rulebook, overrides), self.backend_name
                )
                self._versions[version] = found
            return found

    @property
    def start_date(self) -> dt.date:
        return self.rulebook.effective

    def start(self) -> Contract:
        """A new contract of this agreement on its effective date, in the initial phase."""
        from engine.contract import Contract

        return Contract.started(self)

    def contract_from_json(self, data: Mapping[str, Any]) -> Contract:
        """A contract saved with ``Contract.to_json`` (it must be of this agreement and parameters)."""
        from engine.contract import Contract

        return Contract.from_json(data, agreement=self)

    def parameters_json(self) -> dict[str, object]:
        """Every parameter's value in force, as JSON-ready data."""
        params = self.rulebook.parameter_by_name
        return {name: params[name].to_json(value) for name, value in self.parameters.items()}

    def close(self) -> None:
        """Release the backends (the durable rulesets); contracts of this agreement stop working."""
        with self._lock:
            for compiled in self._versions.values():
                compiled.backend.close()

    def __enter__(self) -> Agreement:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"Agreement(version={self.version!r}, parameters={self.overrides!r},"
            f" backend={self.backend!r})"
        )


def load_agreement(
    version: str = "2025-10",
    parameters: Mapping[str, object] | None = None,
    backend: str | None = None,
    *,
    rules: str | Path | None = None,
) -> Agreement:
    """Load a shipped agreement version with parameter overrides on a rules backend.

    ``backend`` is ``"durable"``, ``"python"`` or ``None`` (durable where it imports). ``rules`` is a
    rule folder to use instead of the shipped version (its ``agreement.yaml`` names the version).
    Raises ``UnknownVersionError``, ``UnknownParameterError``, ``RulebookError`` or ``InputError``.
    """
    if rules is not None:
        return Agreement(version, parameters, backend, rulebook=load_rulebook_from(rules))
    if not isinstance(version, str):
        raise UnknownVersionError(
            f"an agreement version is a string such as '2025-10', got {version!r}"
        )
    return Agreement(version, parameters, backend)
