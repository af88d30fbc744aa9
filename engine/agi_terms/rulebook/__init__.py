"""The rulebook: one agreement version's rule files, loaded, validated and cited.

A version is a folder under ``rules/`` holding ``agreement.yaml``, ``lifecycle.yaml``,
``parameters.yaml``, ``terms.yaml`` and ``decisions.yaml``; ``load_rulebook(version)`` reads a shipped
one, ``load_rulebook_from(folder)`` any other. ``compile_program`` (``agi_terms.rulebook.program``)
folds a rulebook's parameters into the conditions for the backends.
"""

from agi_terms.rulebook.loader import (
    FILES,
    available_versions,
    load_rulebook,
    load_rulebook_from,
    shipped_rules,
)
from agi_terms.rulebook.model import (
    Obligation,
    Parameter,
    ParameterType,
    Rule,
    Rulebook,
    Term,
    term_dependencies,
)

__all__ = [
    "FILES",
    "Obligation",
    "Parameter",
    "ParameterType",
    "Rule",
    "Rulebook",
    "Term",
    "available_versions",
    "load_rulebook",
    "load_rulebook_from",
    "shipped_rules",
    "term_dependencies",
]
