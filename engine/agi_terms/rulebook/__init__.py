"""The rulebook: one agreement version's rule files, loaded, validated and cited.

A version is a folder under ``rules/`` holding ``agreement.yaml``, ``lifecycle.yaml``,
``parameters.yaml``, ``terms.yaml``, ``decisions.yaml`` and optionally ``properties.yaml``;
``load_rulebook(version)`` reads a shipped one, ``load_rulebook_from(folder)`` any other.
``compile_program`` (``agi_terms.rulebook.program``) folds a rulebook's parameters into the
conditions for the backends.
"""

from agi_terms.rulebook.loader import (
    FILES,
    OPTIONAL_FILES,
    available_versions,
    load_rulebook,
    load_rulebook_from,
    shipped_rules,
)
from agi_terms.rulebook.model import (
    Obligation,
    Parameter,
    ParameterType,
    Property,
    Rule,
    Rulebook,
    Term,
    term_dependencies,
)

__all__ = [
    "FILES",
    "OPTIONAL_FILES",
    "Obligation",
    "Parameter",
    "ParameterType",
    "Property",
    "Rule",
    "Rulebook",
    "Term",
    "available_versions",
    "load_rulebook",
    "load_rulebook_from",
    "shipped_rules",
    "term_dependencies",
]
