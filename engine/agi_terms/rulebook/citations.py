"""Citations: how a rule, parameter, phase or obligation names its sources, and what a source id
looks like.

A citation is one source id or several separated by commas (``N8``, ``N14, Q11``); an id is a
family letter and a number (SPEC §12). Which ids exist is the source register's business
(``rules/sources.yaml``, read by ``agi_terms.rulebook.sources``): this module reads a citation's
ids and nothing more, so no id range is written in code. ``SOURCE_ID`` is the one definition of an
id's shape: the loader, the register's validator and the tests all use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

SourceKind = Literal["term", "prior_term", "open_question", "public_source", "edge_case", "seed"]

KIND_OF_PREFIX: Mapping[str, SourceKind] = {
    "N": "term",
    "P": "prior_term",
    "Q": "open_question",
    "S": "public_source",
    "E": "edge_case",
    "D": "seed",
}
"""Each family of ids and the kind of its entries (the term sheet's sections)."""

SOURCE_ID = re.compile(f"[{''.join(KIND_OF_PREFIX)}][1-9][0-9]*")
"""The shape of a source id: a family letter and a number without leading zeros (``N6``, ``S17``,
``D1``). Match it whole (``fullmatch``); ``search`` finds ids in running text."""


def citation_parts(text: str) -> tuple[str, ...]:
    """The comma-separated parts of a citation as written, stripped (``"N14, Q11"`` ->
    ``("N14", "Q11")``), whether or not each is a source id."""
    return tuple(p.strip() for p in text.split(","))


def citation_ids(text: str) -> tuple[str, ...]:
    """The source ids of a citation, in the order written; ``ValueError`` for any other text."""
    text = text.strip()
    if not text:
        raise ValueError("the source is empty; cite a source id such as N8")
    ids: list[str] = []
    for part in citation_parts(text):
        if not SOURCE_ID.fullmatch(part):
            hint = " (the seed articles are D1 and D2)" if part.startswith("seeds/") else ""
            raise ValueError(
                f"{part!r} is not a source id: cite ids of the source register such as N8 or"
                f" 'N14, Q11'{hint}; `agi-terms sources` lists them"
            )
        if part not in ids:
            ids.append(part)
    return tuple(ids)
