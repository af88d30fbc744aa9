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
  ``ContractStore`` (SQLite) or ``PostgresStore`` (a ``postgresql://`` URL); ``agi_terms.testing``
  for Hypothesis strategies.
- Events are pydantic models (``ProductLaunch``, ``AgiDeclared``, ...; ``parse_event`` reads a
  mapping); ``agi-terms events`` lists them. Refusals are ``AgiTermsError``s (``InputError``,
  ``EventOrderError``, ``LifecycleError``, ...) with a ``place``; readers take ``InputLimits``.

Every citation (``N6``, ``Q5``, ``S17``) is an entry of the source register shipped with the rules:
``agi_terms.source("N6").statement`` says what it establishes, ``agi_terms.sources()`` lists them all.
The types named here are importable from this package (``agi_terms.Contract``); ``__all__`` lists
every public name, the functions and the types they take and return.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agi_terms.analysis.scenario import Expectation as Expectation
    from agi_terms.analysis.scenario import ParameterOverride as ParameterOverride
    from agi_terms.analysis.scenario import Scenario as Scenario
    from agi_terms.analysis.scenario import Simulation as Simulation
    from agi_terms.analysis.scenario import load_scenario as load_scenario
    from agi_terms.analysis.scenario import parse_scenario as parse_scenario
    from agi_terms.analysis.scenario import simulate as simulate
    from agi_terms.backends import BACKEND_NAMES as BACKEND_NAMES
    from agi_terms.backends import default_backend as default_backend
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
    from agi_terms.evaluation.agreement import load_agreement as load_agreement
    from agi_terms.evaluation.agreement import load_contract as load_contract
    from agi_terms.evaluation.contract import Contract as Contract
    from agi_terms.evaluation.contract import ContractState as ContractState
    from agi_terms.evaluation.evaluator import Evaluator as Evaluator
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
    from agi_terms.events import Event as Event
    from agi_terms.events import Level as Level
    from agi_terms.events import MsAgiTraining as MsAgiTraining
    from agi_terms.events import MsIpUse as MsIpUse
    from agi_terms.events import OpenWeightsRelease as OpenWeightsRelease
    from agi_terms.events import PanelRejected as PanelRejected
    from agi_terms.events import PanelVerified as PanelVerified
    from agi_terms.events import ProductLaunch as ProductLaunch
    from agi_terms.events import RevenueSharePayment as RevenueSharePayment
    from agi_terms.events import parse_event as parse_event
    from agi_terms.rulebook import Rulebook as Rulebook
    from agi_terms.rulebook import available_versions as available_versions
    from agi_terms.rulebook import load_rulebook as load_rulebook
    from agi_terms.rulebook import load_rulebook_from as load_rulebook_from
    from agi_terms.rulebook.loader import shipped_sources as shipped_sources
    from agi_terms.rulebook.sources import Source as Source
    from agi_terms.rulebook.sources import SourceRegister as SourceRegister
    from agi_terms.store import Appended as Appended
    from agi_terms.store import ContractExistsError as ContractExistsError
    from agi_terms.store import ContractInfo as ContractInfo
    from agi_terms.store import ContractStore as ContractStore
    from agi_terms.store import IdempotencyKeyReusedError as IdempotencyKeyReusedError
    from agi_terms.store import Store as Store
    from agi_terms.store import StoreError as StoreError
    from agi_terms.store import UnknownContractError as UnknownContractError
    from agi_terms.store import VersionConflictError as VersionConflictError
    from agi_terms.store import open_store as open_store
    from agi_terms.store.postgres import PostgresStore as PostgresStore

__version__ = "0.1.0"

__all__ = [
    "BACKEND_NAMES",
    "AgiDeclared",
    "AgiTermsError",
    "Agreement",
    "Amendment",
    "Appended",
    "Assumptions",
    "AzurePurchase",
    "BackendError",
    "Capability",
    "Change",
    "Checkpoint",
    "Citation",
    "ComputeContract",
    "Contract",
    "ContractExistsError",
    "ContractInfo",
    "ContractState",
    "ContractStore",
    "Decision",
    "Evaluator",
    "Event",
    "EventOrderError",
    "Expectation",
    "Explanation",
    "IdempotencyKeyReusedError",
    "InputError",
    "InputLimitError",
    "InputLimits",
    "Level",
    "LifecycleError",
    "MonteCarloResult",
    "MsAgiTraining",
    "MsIpUse",
    "OpenWeightsRelease",
    "PanelRejected",
    "PanelVerified",
    "ParameterOverride",
    "PostgresStore",
    "ProductLaunch",
    "RevenueSharePayment",
    "Rulebook",
    "RulebookError",
    "Scenario",
    "Simulation",
    "Source",
    "SourceRegister",
    "Step",
    "Store",
    "StoreError",
    "TermStatus",
    "TermsReport",
    "UnknownContractError",
    "UnknownParameterError",
    "UnknownVersionError",
    "VersionConflictError",
    "__version__",
    "available_versions",
    "default_backend",
    "load_agreement",
    "load_assumptions",
    "load_contract",
    "load_rulebook",
    "load_rulebook_from",
    "load_scenario",
    "open_store",
    "parse_assumptions",
    "parse_event",
    "parse_scenario",
    "run_montecarlo",
    "shipped_sources",
    "simulate",
    "source",
    "sources",
]
"""Every public name: the entry points, and the types they take and return (``agi_terms.Contract``),
each documented in its own module."""

# Every public name is imported when first asked for (``agi_terms.Contract``, ``from agi_terms
# import simulate``), so that ``import agi_terms`` and a command that needs a few modules stay quick.

_LAZY: dict[str, str] = {
    "Expectation": "agi_terms.analysis.scenario",
    "ParameterOverride": "agi_terms.analysis.scenario",
    "Scenario": "agi_terms.analysis.scenario",
    "Simulation": "agi_terms.analysis.scenario",
    "load_scenario": "agi_terms.analysis.scenario",
    "parse_scenario": "agi_terms.analysis.scenario",
    "simulate": "agi_terms.analysis.scenario",
    "BACKEND_NAMES": "agi_terms.backends",
    "default_backend": "agi_terms.backends",
    "InputLimits": "agi_terms.documents",
    "AgiTermsError": "agi_terms.errors",
    "BackendError": "agi_terms.errors",
    "EventOrderError": "agi_terms.errors",
    "InputError": "agi_terms.errors",
    "InputLimitError": "agi_terms.errors",
    "LifecycleError": "agi_terms.errors",
    "RulebookError": "agi_terms.errors",
    "UnknownParameterError": "agi_terms.errors",
    "UnknownVersionError": "agi_terms.errors",
    "Agreement": "agi_terms.evaluation.agreement",
    "load_agreement": "agi_terms.evaluation.agreement",
    "load_contract": "agi_terms.evaluation.agreement",
    "Contract": "agi_terms.evaluation.contract",
    "ContractState": "agi_terms.evaluation.contract",
    "Evaluator": "agi_terms.evaluation.evaluator",
    "Explanation": "agi_terms.evaluation.explain",
    "Change": "agi_terms.evaluation.results",
    "Checkpoint": "agi_terms.evaluation.results",
    "Citation": "agi_terms.evaluation.results",
    "Decision": "agi_terms.evaluation.results",
    "Step": "agi_terms.evaluation.results",
    "TermsReport": "agi_terms.evaluation.results",
    "TermStatus": "agi_terms.evaluation.results",
    "AgiDeclared": "agi_terms.events",
    "Amendment": "agi_terms.events",
    "AzurePurchase": "agi_terms.events",
    "Capability": "agi_terms.events",
    "ComputeContract": "agi_terms.events",
    "Event": "agi_terms.events",
    "parse_event": "agi_terms.events",
    "Level": "agi_terms.events",
    "MsAgiTraining": "agi_terms.events",
    "MsIpUse": "agi_terms.events",
    "OpenWeightsRelease": "agi_terms.events",
    "PanelRejected": "agi_terms.events",
    "PanelVerified": "agi_terms.events",
    "ProductLaunch": "agi_terms.events",
    "RevenueSharePayment": "agi_terms.events",
    "Rulebook": "agi_terms.rulebook",
    "available_versions": "agi_terms.rulebook",
    "load_rulebook": "agi_terms.rulebook",
    "load_rulebook_from": "agi_terms.rulebook",
    "shipped_sources": "agi_terms.rulebook.loader",
    "Source": "agi_terms.rulebook.sources",
    "SourceRegister": "agi_terms.rulebook.sources",
    "Appended": "agi_terms.store",
    "ContractExistsError": "agi_terms.store",
    "ContractInfo": "agi_terms.store",
    "ContractStore": "agi_terms.store",
    "Store": "agi_terms.store",
    "PostgresStore": "agi_terms.store.postgres",
    "IdempotencyKeyReusedError": "agi_terms.store",
    "StoreError": "agi_terms.store",
    "UnknownContractError": "agi_terms.store",
    "VersionConflictError": "agi_terms.store",
    "open_store": "agi_terms.store",
}
"""The module that holds each name exported here."""


def sources() -> tuple[Source, ...]:
    """Every entry of the source register shipped with the rules (``rules/sources.yaml``), in its
    order: N (October 2025 terms), P (prior terms), Q (open questions), S (public sources),
    E (edge cases), D (the seed articles)."""
    from agi_terms.rulebook.loader import shipped_sources

    return shipped_sources().entries


def source(ident: str) -> Source:
    """The register's entry for a source id such as ``"N6"``; an ``InputError`` for an unknown id."""
    from agi_terms.errors import InputError
    from agi_terms.rulebook.loader import shipped_sources

    if not isinstance(ident, str):
        raise InputError(f"a source id is a string such as 'N6', got {ident!r}")
    return shipped_sources().entry(ident)


# Monte Carlo needs numpy: its names are imported on first use, so scenarios start without it.
_MONTECARLO = (
    "Assumptions",
    "MonteCarloResult",
    "load_assumptions",
    "parse_assumptions",
    "run_montecarlo",
)
_LAZY.update(dict.fromkeys(_MONTECARLO, "agi_terms.analysis.montecarlo"))

if TYPE_CHECKING:
    from agi_terms.analysis.montecarlo import Assumptions as Assumptions
    from agi_terms.analysis.montecarlo import MonteCarloResult as MonteCarloResult
    from agi_terms.analysis.montecarlo import load_assumptions as load_assumptions
    from agi_terms.analysis.montecarlo import parse_assumptions as parse_assumptions
    from agi_terms.analysis.montecarlo import run_montecarlo as run_montecarlo


def __getattr__(name: str) -> Any:
    """A name of ``_LAZY``, imported from its module when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agi_terms' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # found here from now on, as an eager import would have put it
    return value


def __dir__() -> list[str]:
    """The module's names with those imported on first use."""
    return sorted({*globals(), *_LAZY})
