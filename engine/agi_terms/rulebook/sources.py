"""The source register: what every source id a rule file cites stands for (SPEC §12).

``rules/sources.yaml`` holds one entry per id (``N6``, ``Q5``, ``S17``, ...): a title, what the
source establishes in one or two sentences, the public text's own words where they are known, and
where and when it was published. A version loads against the register beside its folder (the
shipped one for the shipped versions), and refuses a citation of an id the register lacks.
``load_sources`` validates a register file; ``SourceRegister.cited`` gives the ``sources`` map of
an answer (``{id: {"title", "statement", "url", "date", "confidence"}}``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator

from agi_terms.documents import Document, read_resource
from agi_terms.errors import AgiTermsError, InputError, RulebookError
from agi_terms.events import CalendarDate
from agi_terms.reprs import short_repr
from agi_terms.rulebook.citations import (
    KIND_OF_PREFIX,
    SOURCE_ID,
    SourceKind,
    citation_ids,
    citation_parts,
)
from agi_terms.rulebook.schema import Strict, rule_error, validated

Confidence = Literal["official", "reported", "interpretation"]

QUOTE_WORDS = 50
"""A quote is short: at most this many words of the public text."""

FILE = "sources.yaml"

CITED_KEYS = ("title", "statement", "url", "date", "confidence")
"""The keys of an entry in an answer's ``sources`` map (SPEC §12)."""


class Source(BaseModel):
    """One entry of the source register: what a source id stands for.

    ``statement`` says in the project's words what the source establishes; ``quote`` is the public
    text's own words (at most 50), where known; ``date`` and ``url`` are given for every public
    source. ``confidence``: ``official`` (the companies' own text), ``reported`` (press, podcasts,
    the seed articles) or ``interpretation`` (the project's reading where the text is silent).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    kind: SourceKind
    statement: str
    quote: str | None = None
    publisher: str | None = None
    date: CalendarDate | None = None
    url: str | None = None
    confidence: Confidence

    @field_validator("title", "statement", "quote", "publisher")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("an empty text; leave the key out instead")
        return None if value is None else " ".join(value.split())

    @field_validator("quote")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) > QUOTE_WORDS:
            raise ValueError(
                f"a quote is at most {QUOTE_WORDS} words of the public text,"
                f" this one has {len(value.split())}"
            )
        return value

    @field_validator("url")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError(f"a url starts with https:// or http:// and a site, got {value!r}")
        if not parts.path.strip("/"):
            # A site's home page cites nothing: the entry gives the page of the source, or the
            # best real page with its statement saying why.
            raise ValueError(f"a url names the source's page, not only its site: {value!r}")
        return value

    def to_json(self) -> dict[str, Any]:
        """Every key of the entry (``null`` where the register gives none), dates as ``YYYY-MM-DD``."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data

    def cited_json(self) -> dict[str, Any]:
        """The entry as an answer's ``sources`` map holds it: title, statement, url, date, confidence."""
        data = self.to_json()
        return {key: data[key] for key in CITED_KEYS}

    def __repr__(self) -> str:
        return f"Source({self.id!r}, {self.title!r})"


class _SourcesFile(Strict):
    sources: list[Source]


@dataclass(frozen=True)
class SourceRegister:
    """The validated entries of a register file, in the file's order, looked up by id."""

    entries: tuple[Source, ...]
    location: str = ""
    """Where the register was read from (``rules/sources.yaml`` for the shipped one)."""
    _by_id: Mapping[str, Source] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {s.id: s for s in self.entries})

    def __contains__(self, ident: object) -> bool:
        return ident in self._by_id

    def __iter__(self) -> Iterator[Source]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every entry's id, in the file's order."""
        return tuple(s.id for s in self.entries)

    def get(self, ident: str) -> Source | None:
        """The entry of ``ident``, or ``None`` if the register lacks it."""
        return self._by_id.get(ident)

    def entry(self, ident: str) -> Source:
        """The entry of ``ident``; an ``InputError`` naming the register when there is none."""
        found = self._by_id.get(ident.strip()) if isinstance(ident, str) else None
        if found is None:
            raise InputError(
                f"unknown source id {ident!r}; the register {self.location} has"
                f" {_span(self.ids)} (`agi-terms sources` lists them)"
            )
        return found

    def named(self, texts: Iterable[str]) -> tuple[Source, ...]:
        """The entries that ``texts`` name, each a source id or a citation as answers print it
        (``"N14, Q11"``): first named first, once each; an ``InputError`` for an id the register
        lacks (see ``entry``)."""
        found: dict[str, Source] = {}
        for text in texts:
            for part in citation_parts(text):
                entry = self.entry(part)
                found.setdefault(entry.id, entry)
        return tuple(found.values())

    def resolve(self, citation: str) -> tuple[Source, ...]:
        """The entries a citation names; ``ValueError`` for a malformed one or an unknown id."""
        ids = citation_ids(citation)
        missing = [i for i in ids if i not in self._by_id]
        if missing:
            raise ValueError(
                f"unknown source id {', '.join(missing)}: no entry in the register"
                f" {self.location or '(empty)'}"
            )
        return tuple(self._by_id[i] for i in ids)

    def ordered(self, ids: Iterable[str]) -> tuple[Source, ...]:
        """The entries of ``ids`` that the register has, in the register's order, once each."""
        wanted = set(ids)
        return tuple(s for s in self.entries if s.id in wanted)

    def combined(self, other: SourceRegister) -> SourceRegister:
        """This register, with the entries of ``other`` whose ids it lacks after its own."""
        if other is self or not other.entries:
            return self
        extra = tuple(s for s in other.entries if s.id not in self._by_id)
        return SourceRegister((*self.entries, *extra), self.location) if extra else self

    def cited(self, citations: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The ``sources`` map of an answer: every id in ``citations``, in the register's order."""
        return {s.id: s.cited_json() for s in self.ordered(ids_of(citations))}

    def __repr__(self) -> str:
        return short_repr(self, location=self.location, entries=len(self.entries))


def ids_of(citations: Iterable[str]) -> tuple[str, ...]:
    """Every source id of ``citations``, first cited first, once each."""
    found: dict[str, None] = {}
    for text in citations:
        for ident in citation_ids(text):
            found.setdefault(ident, None)
    return tuple(found)


def _span(ids: tuple[str, ...]) -> str:
    if not ids:
        return "no entries"
    families: dict[str, list[str]] = {}
    for ident in ids:
        families.setdefault(ident[0], []).append(ident)
    return ", ".join(f"{v[0]}-{v[-1]}" if len(v) > 1 else v[0] for v in families.values())


# ---------------------------------------------------------------- reading a register


def load_sources(path: Traversable | Path | str, label: str | None = None) -> SourceRegister:
    """Read and validate a register file; its defects are ``RulebookError``s placed in it."""
    entry: Traversable = Path(path) if isinstance(path, str) else path
    name = label or str(entry)
    try:
        document = read_resource(entry, name)
    except AgiTermsError as exc:
        raise RulebookError(
            exc.message, place=exc.path, line=exc.line, column=exc.column, file=name
        ) from None
    return parse_sources(document)


def parse_sources(document: Document) -> SourceRegister:
    """The register in ``document``: the schema of SPEC §12, unique ids, each of its family's kind,
    every public source with its url and date."""
    raw: _SourcesFile = validated(document, _SourcesFile)
    seen: dict[str, int] = {}
    for index, source in enumerate(raw.sources):
        path: list[int | str] = ["sources", index]
        prefix = source.id[:1]
        if not SOURCE_ID.fullmatch(source.id):
            families = ", ".join(f"{p} ({k})" for p, k in KIND_OF_PREFIX.items())
            raise rule_error(
                document,
                [*path, "id"],
                f"{source.id!r} is not a source id: a family letter and a number, families {families}",
                source.id,
            )
        if source.id in seen:
            raise rule_error(
                document,
                [*path, "id"],
                f"duplicate source id {source.id!r} (first at sources[{seen[source.id]}])",
                source.id,
            )
        seen[source.id] = index
        if source.kind != KIND_OF_PREFIX[prefix]:
            raise rule_error(
                document,
                [*path, "kind"],
                f"{prefix} ids are of kind {KIND_OF_PREFIX[prefix]}, not {source.kind}",
                source.id,
            )
        if source.kind == "public_source":
            for key in ("url", "date"):
                if getattr(source, key) is None:
                    raise rule_error(document, path, f"a public source gives its {key}", source.id)
    return SourceRegister(tuple(raw.sources), document.name)


def register_beside(folder: Path) -> Path | None:
    """The register file in a version folder's parent folder, if there is one.

    Anything standing under that name counts (a folder, a link to nothing): reading it then
    refuses it, rather than the shipped register silently taking its place.
    """
    candidate = folder.resolve().parent / FILE
    return candidate if os.path.lexists(candidate) else None
