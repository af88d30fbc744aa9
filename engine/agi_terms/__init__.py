"""agi-terms: a contract-rules engine for the Microsoft-OpenAI agreement.

Load an agreement version, start a contract, apply events, ask which terms are in force and whether
an action is allowed, with the rules (and their sources) behind every answer::

    import agi_terms
    agreement = agi_terms.load_agreement("2025-10", parameters={"api_exclusivity_backstop": None})
    contract = agreement.start().apply({"date": "2029-03-01", "type": "agi_declared"})
    contract.terms(on="2031-01-01").terms["ms_research_ip"].in_force

Every citation (``N6``, ``Q5``, ``S17``) is an entry of the source register shipped with the rules:
``agi_terms.source("N6").statement`` says what it establishes, ``agi_terms.sources()`` lists them all.
"""

from typing import TYPE_CHECKING, Any

from agi_terms.analysis.scenario import (
    Scenario,
    Simulation,
    load_scenario,
    parse_scenario,
    simulate,
)
from agi_terms.backends import BACKEND_NAMES, default_backend
from agi_terms.documents import InputLimits
from agi_terms.errors import (
    AgiTermsError,
    BackendError,
    EventOrderError,
    InputError,
    InputLimitError,
    LifecycleError,
    RulebookError,
    UnknownParameterError,
    UnknownVersionError,
)
from agi_terms.evaluation.agreement import Agreement, load_agreement
from agi_terms.evaluation.contract import Contract, ContractState
from agi_terms.evaluation.explain import Explanation
from agi_terms.evaluation.results import (
    Change,
    Checkpoint,
    Citation,
    Decision,
    Step,
    TermsReport,
    TermStatus,
)
from agi_terms.events import (
    AgiDeclared,
    Amendment,
    AzurePurchase,
    Capability,
    ComputeContract,
    Event,
    Level,
    MsAgiTraining,
    MsIpUse,
    OpenWeightsRelease,
    PanelRejected,
    PanelVerified,
    ProductLaunch,
    parse_event,
)
from agi_terms.rulebook import Rulebook, available_versions, load_rulebook, load_rulebook_from
from agi_terms.rulebook.loader import shipped_sources
from agi_terms.rulebook.sources import Source, SourceRegister
from agi_terms.store import (
    ContractExistsError,
    ContractStore,
    StoreError,
    UnknownContractError,
    VersionConflictError,
    open_store,
)

__version__ = "0.1.0"

__all__ = [
    "BACKEND_NAMES",
    "AgiDeclared",
    "AgiTermsError",
    "Agreement",
    "Amendment",
    "AzurePurchase",
    "BackendError",
    "Capability",
    "Change",
    "Checkpoint",
    "Citation",
    "ComputeContract",
    "Contract",
    "ContractExistsError",
    "ContractState",
    "ContractStore",
    "Decision",
    "Event",
    "EventOrderError",
    "Explanation",
    "InputError",
    "InputLimitError",
    "InputLimits",
    "Level",
    "LifecycleError",
    "MsAgiTraining",
    "MsIpUse",
    "OpenWeightsRelease",
    "PanelRejected",
    "PanelVerified",
    "ProductLaunch",
    "Rulebook",
    "RulebookError",
    "Scenario",
    "Simulation",
    "Source",
    "SourceRegister",
    "Step",
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


def load_contract(data: "dict[str, object]", backend: str | None = None) -> Contract:
    """A contract saved with ``Contract.to_json``, on a new agreement with the saved parameters."""
    from collections.abc import Mapping

    if not isinstance(data, Mapping):
        raise InputError("a saved contract is a mapping")
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
__all__ += list(_MONTECARLO)

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
