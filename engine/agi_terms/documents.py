"""Reading YAML 1.2 documents (scenarios, assumptions, rule files) with positions for error messages.

PyYAML's default resolver follows YAML 1.1 (``on:`` becomes ``true``, ``5e27`` a string); ruamel.yaml
reads YAML 1.2 and refuses duplicate keys. The data is read with its fast (libyaml-based, where
ruamel.yaml.clib is installed) safe loader; the line and column of a node come from a round-trip
parse, made only when an error message needs one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from agi_terms.errors import AgiTermsError, InputError

Path_ = Sequence[int | str]
T = TypeVar("T")
E = TypeVar("E", bound=AgiTermsError)


class Document:
    """A parsed YAML document: its plain Python data and where each part stood in the text."""

    def __init__(self, data: Any, name: str, text: str) -> None:
        self.name = name
        self.data: Any = _plain(data)
        self._text = text
        self._raw: Any = None

    def position(self, path: Path_) -> tuple[int, int] | None:
        """1-based (line, column) of the value at ``path``, or of the nearest enclosing node."""
        if self._raw is None:
            try:
                self._raw = _round_trip().load(self._text)
            except (RecursionError, YAMLError):
                # Text the fast loader read but the round-trip one refuses (deep nesting, a tab
                # inside a key): the message goes without a position.
                return None
        node = self._raw
        found: tuple[int, int] | None = _own_position(node)
        for part in path:
            if isinstance(node, CommentedMap) and part in node:
                locate = node.lc.value
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                locate = node.lc.item
            else:
                break
            try:
                line, col = locate(part)
                found = (line + 1, col + 1)
            except (KeyError, TypeError):
                pass  # ruamel records no position for some nodes (flow scalars in old versions)
            node = node[part]
        return found

    def where(self, path: Path_) -> str:
        """``line L, column C`` of the value at ``path`` (empty when unknown)."""
        pos = self.position(path)
        return f"line {pos[0]}, column {pos[1]}" if pos else ""


def _own_position(node: Any) -> tuple[int, int] | None:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None
    return (lc.line + 1, lc.col + 1)


def _plain(node: Any) -> Any:
    """ruamel's round-trip types as plain dict/list/str/int/float/bool/None/date."""
    if isinstance(node, dict):
        return {_plain(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime):
        return dt.datetime(
            node.year, node.month, node.day, node.hour, node.minute, node.second, node.microsecond
        )
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    return node


def _timestamp_as_text(loader: Any, node: Any) -> Any:
    return loader.construct_scalar(node)


class _RoundTripConstructor(RoundTripConstructor):
    """Leaves timestamps as their text: the engine validates dates itself, with clear messages
    (ruamel raises a bare ``ValueError`` for ``2029-02-30``). Subclasses, so ruamel's own
    constructor tables are not changed for anyone else."""


class _SafeConstructor(SafeConstructor):
    __doc__ = _RoundTripConstructor.__doc__


for _cls in (_RoundTripConstructor, _SafeConstructor):
    _cls.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _configured(yaml: YAML, constructor: type) -> YAML:
    yaml.Constructor = constructor
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = False
    return yaml


def _round_trip() -> YAML:
    return _configured(YAML(typ="rt"), _RoundTripConstructor)


def _fast() -> YAML:
    return _configured(YAML(typ="safe"), _SafeConstructor)


def parse_yaml(text: str, name: str) -> Document:
    """Parse one YAML 1.2 document; a syntax error is an ``InputError`` placed at its line and column."""
    try:
        try:
            data = _fast().load(text)
        except YAMLError:
            # The round-trip parser words syntax errors with their positions; let it say what is
            # wrong, or read what libyaml refuses but YAML 1.2 allows (the surrogate-pair escapes
            # that JSON writers use for characters beyond U+FFFF, "\ud83d\ude80").
            data = _read_or_raise_syntax_error(text, name)
        return Document(data, name, text)
    except RecursionError:
        # ruamel's constructor recurses a few frames per level: a few hundred levels exhaust it.
        raise InputError("YAML: the document is nested too deeply", file=name) from None
    except ValueError as exc:
        # Python refuses to convert integers of more than 4300 digits (CVE-2020-10735).
        raise InputError(f"YAML: {exc}", file=name) from None
    except TypeError:
        # ruamel hashes a complex key (``? {a: [1]}``) to check for duplicates, and fails.
        raise InputError("YAML: a mapping key must be a plain value", file=name) from None


def _read_or_raise_syntax_error(text: str, name: str) -> Any:
    try:
        data = _round_trip().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        problem = exc.problem or exc.context or "invalid YAML"
        if "duplicate key" in str(exc):
            problem = f"duplicate key: {problem}"
        raise InputError(f"YAML syntax: {problem}", line=line, column=column, file=name) from None
    except YAMLError as exc:
        raise InputError(f"YAML syntax: {exc}", file=name) from None
    return _join_surrogates(data, name)


def _join_surrogates(node: Any, name: str) -> Any:
    """Strings with their surrogate-pair escapes joined into one character (ruamel keeps halves)."""
    if isinstance(node, dict):
        return {_join_surrogates(k, name): _join_surrogates(v, name) for k, v in node.items()}
    if isinstance(node, list):
        return [_join_surrogates(v, name) for v in node]
    if isinstance(node, str) and any("\ud800" <= c <= "\udfff" for c in node):
        try:
            return node.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                "YAML: a \\u escape names half of a surrogate pair", file=name
            ) from None
    return node


def read_yaml(path: str | Path, name: str | None = None) -> Document:
    """Read and parse a YAML file; unreadable or non-UTF-8 files are ``InputError``s naming the file
    (as ``name``, by default the path)."""
    name = str(path) if name is None else name
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte {exc.start})", line=line, file=name) from None
    return parse_yaml(text, name)


def placed(error: E, document: Document | None, path: Path_) -> E:
    """``error`` (a new one) with the line and column of ``path`` in ``document``, when known."""
    position = document.position(list(path)) if document is not None else None
    return error.at_position(*position) if position else error


def read_document(path: str | Path, build: Callable[[Any, Document], T]) -> T:
    """``build(data, document)`` for the YAML file at ``path``; its errors name the file."""
    document = read_yaml(path)
    try:
        return build(document.data, document)
    except AgiTermsError as exc:
        raise exc.with_file(str(path)) from None


def parse_document(text: str, name: str, build: Callable[[Any, Document], T]) -> T:
    """``build(data, document)`` for YAML ``text``; its errors name ``name``."""
    document = parse_yaml(text, name)
    try:
        return build(document.data, document)
    except AgiTermsError as exc:
        raise exc.with_file(name) from None
