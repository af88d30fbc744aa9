"""Agreements: a version's rulebook compiled for one set of parameters, with its backend and machine.

``load_agreement("2025-10", parameters={...}, backend="python")`` is the entry point of the library;
``load_contract(saved)`` rebuilds a contract saved with ``Contract.to_json``.
An agreement is immutable after loading and safe to share between threads; contracts started from it
(``agreement.start()``) are values.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Mapping
from pathlib import Path

from agi_terms.errors import AgiTermsError, InputError, UnknownVersionError
from agi_terms.evaluation.contract import CONTRACT_FORMAT, Contract
from agi_terms.evaluation.evaluator import Evaluator
from agi_terms.events import parse_calendar_date
from agi_terms.rulebook import Rulebook, load_rulebook, load_rulebook_from
from agi_terms.rulebook.loader import shipped_sources
from agi_terms.rulebook.parameters import accepted_names, resolve_parameters
from agi_terms.rulebook.sources import SourceRegister

__all__ = ["Agreement", "at_override", "load_agreement", "load_contract", "resolve_parameters"]


def at_override(error: AgiTermsError, overrides: Mapping[str, object]) -> AgiTermsError:
    """``error`` about ``parameters.NAME`` placed at ``overrides.NAME`` when ``overrides`` set NAME
    (the caller's overrides, not its file's parameters); any other error as it is."""
    path = error.path
    if len(path) == 2 and path[0] == "parameters" and path[1] in overrides:
        return type(error)(error.message, place=("overrides", path[1]), rule=error.rule)
    return error


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
        self._versions: dict[str, Evaluator] = {}
        if rulebook is None:
            rulebook = load_rulebook(version)
        # Other versions' rule files are read only to accept their parameter names: most
        # agreements set none, and reading every version dominated a cold start.
        foreign = set(self.overrides) - set(rulebook.parameter_by_name)
        accepted = accepted_names(rulebook) if foreign else frozenset()
        start = Evaluator.build(
            rulebook, resolve_parameters(rulebook, self.overrides, accepted), backend
        )
        self._versions[rulebook.version] = start
        self.version: str = rulebook.version
        self.rulebook: Rulebook = rulebook
        self.parameters: Mapping[str, object] = start.parameters
        self.backend: str = start.backend.name

    def compiled(self, version: str) -> Evaluator:
        """The compiled form of ``version`` (this agreement's or one a contract amends to).

        Another version takes the overrides that it defines, with the same backend.
        """
        found = self._versions.get(version)  # compiled versions are never replaced: no lock to read
        if found is not None:
            return found
        with self._lock:
            found = self._versions.get(version)
            if found is None:
                rulebook = load_rulebook(version)
                overrides = {
                    k: v for k, v in self.overrides.items() if k in rulebook.parameter_by_name
                }
                found = Evaluator.build(
                    rulebook, resolve_parameters(rulebook, overrides), self.backend_name
                )
                self._versions[version] = found
            return found

    @functools.cached_property
    def sources(self) -> SourceRegister:
        """The register every citation of this agreement's answers resolves in: its version's,
        with the shipped entries for the shipped versions a contract may amend to."""
        return self.rulebook.sources.combined(shipped_sources())

    def footprint(self) -> int:
        """Estimated resident bytes: the backend's ``footprint`` for each version compiled so far."""
        return sum(compiled.backend.footprint for compiled in list(self._versions.values()))

    @property
    def start_date(self) -> dt.date:
        """The version's effective date, on which its contracts start."""
        return self.rulebook.effective

    def start(self) -> Contract:
        """A new contract of this agreement on its effective date, in the initial phase."""
        return Contract.started(self)

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
    ``parameters`` may also name parameters of other shipped versions: they apply when a contract is
    amended to such a version (a scenario, which knows its amendments, refuses the others).
    Raises ``UnknownVersionError``, ``UnknownParameterError``, ``RulebookError`` or ``InputError``.
    """
    if rules is not None:
        return Agreement(version, parameters, backend, rulebook=load_rulebook_from(rules))
    if not isinstance(version, str):
        raise UnknownVersionError(
            f"an agreement version is a string such as '2025-10', got {version!r}"
        )
    return Agreement(version, parameters, backend)


def load_contract(
    data: Mapping[str, object] | str | bytes,
    backend: str | None = None,
    *,
    agreement: Agreement | None = None,
) -> Contract:
    """A contract saved with ``Contract.to_json`` (the mapping it returns, or that mapping as JSON
    text, as a file or a database column holds it), rebuilt by replaying its events.

    On ``agreement`` when given (it must be of the saved version; its parameters are used), else on
    a new agreement of the saved version and parameters on ``backend``. What is not a saved contract
    is an ``InputError`` at its place (``format``, ``agreement``, ``events[3].cloud``, ``as_of``).
    """
    if agreement is not None and backend is not None:
        raise InputError("load_contract takes a backend or an agreement, not both")
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"a saved contract is UTF-8 JSON text (byte {exc.start})") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"a saved contract is JSON: {exc.msg}", line=exc.lineno, column=exc.colno
            ) from None
    if not isinstance(data, Mapping):
        raise InputError("a saved contract is a mapping (or its JSON text)", place="format")
    if data.get("format") != CONTRACT_FORMAT:
        raise InputError(
            f"not a saved contract (expected format {CONTRACT_FORMAT!r})", place="format"
        )
    if agreement is None:
        params = data.get("parameters") or {}
        if not isinstance(params, Mapping):
            raise InputError("parameters must be a mapping", place="parameters")
        agreement = load_agreement(str(data.get("agreement", "2025-10")), dict(params), backend)
    elif data.get("agreement") != agreement.version:
        raise InputError(
            f"the contract is of agreement {data.get('agreement')!r}, not {agreement.version!r}",
            place="agreement",
        )
    events = data.get("events")
    if not isinstance(events, list):
        raise InputError("events must be a list", place="events")
    try:
        contract: Contract = agreement.start().apply_all(events)
    except AgiTermsError as exc:
        raise exc.within("events") from None
    as_of = data.get("as_of")
    if as_of is not None:
        try:
            contract = contract.advance_to(parse_calendar_date(as_of))
        except (ValueError, AgiTermsError) as exc:
            raise InputError(str(exc), place="as_of") from None
    return contract
