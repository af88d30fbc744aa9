"""agi-terms: a contract-rules engine for the Microsoft-OpenAI agreement.

Load an agreement version, start a contract, apply events, ask which terms are in force and whether
an action is allowed, with the rules (and their sources) behind every answer::

    import agi_terms
    agreement = agi_terms.load_agreement("2025-10", parameters={"api_exclusivity_backstop": None})
    contract = agreement.start().apply({"date": "2029-03-01", "type": "agi_declared"})
    contract.terms(on="2031-01-01").terms["ms_research_ip"].in_force

Where to start:

- ``load_agreement`` -> ``Agreement``; ``agreement.start()`` -> ``Contract``, a value:
  ``apply(event)``, ``terms(on=)`` -> ``TermsReport``, ``decide(action)`` -> ``Decision``,
  ``explain(...)`` -> ``Explanation`` (``print`` it), ``to_json()`` and ``load_contract``.
- ``load_scenario``/``parse_scenario`` -> ``Scenario``; ``simulate`` -> ``Simulation`` (the
  timeline's ``Step``s and ``Checkpoint``s; ``to_json()`` is ``agi-terms simulate --format json``).
- ``run_montecarlo(load_assumptions(path))`` -> ``MonteCarloResult``; ``open_store`` ->
  ``ContractStore`` (SQLite); ``agi_terms.testing`` for Hypothesis strategies.
- Events are pydantic models (``ProductLaunch``, ``AgiDeclared``, ...; ``parse_event`` reads a
  mapping); ``agi-terms events`` lists them. Refusals are ``AgiTermsError``s (``InputError``,
  ``EventOrderError``, ``LifecycleError``, ...) with a ``place``; readers take ``InputLimits``.

Every citation (``N6``, ``Q5``, ``S17``) is an entry of the source register shipped with the rules:
``agi_terms.source("N6").statement`` says what it establishes, ``agi_terms.sources()`` lists them all.
The types named here are importable from this package (``agi_terms.Contract``); ``__all__`` lists
the functions, so ``help(agi_terms)`` stays this short.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agi_terms.analysis.scenario import Scenario as Scenario
from agi_terms.analysis.scenario import Simulation as Simulation
from agi_terms.analysis.scenario import load_scenario, parse_scenario, simulate
from agi_terms.backends import BACKEND_NAMES, default_backend
from agi_terms.documents import InputLimits as InputLimits
from agi_terms.errors import AgiTermsError as AgiTermsError
from agi_terms.errors import BackendError as BackendError
from agi_terms.errors import EventOrderError as EventOrderError
from agi_terms.errors import InputError as InputError
from agi_terms.errors import InputLimitError as InputLimitError
from agi_terms.errors import LifecycleError as LifecycleError
from agi_terms.errors import RulebookError as RulebookError
from agi_terms.errors import UnknownParameterError as UnknownParameterError
from agi_terms.errors import UnknownVersionError as UnknownVersionError
from agi_terms.evaluation.agreement import Agreement as Agreement
from agi_terms.evaluation.agreement import load_agreement
from agi_terms.evaluation.contract import Contract as Contract
from agi_terms.evaluation.contract import ContractState as ContractState
from agi_terms.evaluation.explain import Explanation as Explanation
from agi_terms.evaluation.results import Change as Change
from agi_terms.evaluation.results import Checkpoint as Checkpoint
from agi_terms.evaluation.results import Citation as Citation
from agi_terms.evaluation.results import Decision as Decision
from agi_terms.evaluation.results import Step as Step
from agi_terms.evaluation.results import TermsReport as TermsReport
from agi_terms.evaluation.results import TermStatus as TermStatus
from agi_terms.events import AgiDeclared as AgiDeclared
from agi_terms.events import Amendment as Amendment
from agi_terms.events import AzurePurchase as AzurePurchase
from agi_terms.events import Capability as Capability
from agi_terms.events import ComputeContract as ComputeContract
from agi_terms.events import Event, parse_event
from agi_terms.events import Level as Level
from agi_terms.events import MsAgiTraining as MsAgiTraining
from agi_terms.events import MsIpUse as MsIpUse
from agi_terms.events import OpenWeightsRelease as OpenWeightsRelease
from agi_terms.events import PanelRejected as PanelRejected
from agi_terms.events import PanelVerified as PanelVerified
from agi_terms.events import ProductLaunch as ProductLaunch
from agi_terms.rulebook import Rulebook as Rulebook
from agi_terms.rulebook import available_versions, load_rulebook, load_rulebook_from
from agi_terms.rulebook.loader import shipped_sources
from agi_terms.rulebook.sources import Source as Source
from agi_terms.rulebook.sources import SourceRegister as SourceRegister
from agi_terms.store import Appended as Appended
from agi_terms.store import ContractExistsError as ContractExistsError
from agi_terms.store import ContractInfo as ContractInfo
from agi_terms.store import ContractStore as ContractStore
from agi_terms.store import IdempotencyKeyReusedError as IdempotencyKeyReusedError
from agi_terms.store import StoreError as StoreError
from agi_terms.store import UnknownContractError as UnknownContractError
from agi_terms.store import VersionConflictError as VersionConflictError
from agi_terms.store import open_store

__version__ = "0.1.0"

__all__ = [
    "BACKEND_NAMES",
    "Event",
    "__version__",
    "available_versions",
    "default_backend",
    "load_agreement",
    "load_contract",
    "load_rulebook",
    "load_rulebook_from",
    "load_scenario",
    "open_store",
    "parse_event",
    "parse_scenario",
    "simulate",
    "source",
    "sources",
]
"""The entry points, which ``help(agi_terms)`` documents; the types they take and return are
re-exported beside them (``agi_terms.Contract``), each documented in its own module."""


def sources() -> tuple[Source, ...]:
    """Every entry of the source register shipped with the rules (``rules/sources.yaml``), in its
    order: N (October 2025 terms), P (prior terms), Q (open questions), S (public sources),
    E (edge cases), D (the seed articles)."""
    return shipped_sources().entries


def source(ident: str) -> Source:
    """The register's entry for a source id such as ``"N6"``; an ``InputError`` for an unknown id."""
    if not isinstance(ident, str):
        raise InputError(f"a source id is a string such as 'N6', got {ident!r}")
    return shipped_sources().entry(ident)


def load_contract(
    data: "Mapping[str, object] | str | bytes", backend: str | None = None
) -> Contract:
    """A contract saved with ``Contract.to_json``: the mapping it returns, or that mapping as JSON
    text (as a file or a database column holds it), on a new agreement with the saved parameters."""
    import json
    from collections.abc import Mapping

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
        raise InputError("a saved contract is a mapping (or its JSON text)")
    params = data.get("parameters") or {}
    if not isinstance(params, Mapping):
        raise InputError("parameters must be a mapping", place="parameters")
    agreement = load_agreement(str(data.get("agreement", "2025-10")), dict(params), backend)
    return Contract.from_json(data, agreement)


# Monte Carlo needs numpy: its names are imported on first use, so scenarios start without it.
_MONTECARLO = (
    "Assumptions",
    "MonteCarloResult",
    "load_assumptions",
    "parse_assumptions",
    "run_montecarlo",
)
__all__ += [name for name in _MONTECARLO if name[0].islower()]

if TYPE_CHECKING:
    from agi_terms.analysis.montecarlo import Assumptions as Assumptions
    from agi_terms.analysis.montecarlo import MonteCarloResult as MonteCarloResult
    from agi_terms.analysis.montecarlo import load_assumptions as load_assumptions
    from agi_terms.analysis.montecarlo import parse_assumptions as parse_assumptions
    from agi_terms.analysis.montecarlo import run_montecarlo as run_montecarlo


def __getattr__(name: str) -> Any:
    """The Monte Carlo names, imported when first asked for."""
    if name in _MONTECARLO:
        import agi_terms.analysis.montecarlo

        return getattr(agi_terms.analysis.montecarlo, name)
    raise AttributeError(f"module 'agi_terms' has no attribute {name!r}")
