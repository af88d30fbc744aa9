"""Reading input documents (YAML 1.2 files, ``--set`` values, JSON bodies) within limits, with positions;
writing JSON as the commands print it (``json_text``).

Every door reads through here, so the limits hold for all of them (``InputLimits``): only regular
files, at most ``max_bytes``, nesting at most ``max_depth`` deep (checked on libyaml's event stream
before anything recursive sees the text: the C composer overflows the stack near 28,000 levels),
aliases bounded in number and in the nodes their expansion adds (a "billion laughs" file is refused
while its events are read), and no tags beyond the core schema's. Each refusal is an ``InputError``
with its file and line.

PyYAML's default resolver follows YAML 1.1 (``on:`` becomes ``true``, ``5e27`` a string); ruamel.yaml
reads YAML 1.2 and refuses duplicate keys. The data is read with its fast (libyaml-based, where
ruamel.yaml.clib is installed) safe loader; the line and column of a node come from the same event
stream, read again only when an error message needs one. A document is first read in one pass over
those events (``_read_plain``: a large generated file in a fraction of the time); what that pass
does not take is left to the full reader.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from ruamel.yaml.nodes import ScalarNode

from agi_terms.errors import AgiTermsError, InputError, InputLimitError

Path_ = Sequence[int | str]
T = TypeVar("T")
E = TypeVar("E", bound=AgiTermsError)

MiB = 1024 * 1024

_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
"""The tags of the YAML 1.2 core schema; ``!`` (non-specific) is allowed too. Others construct
types the engine does not read (``!!binary`` bytes, ``!!omap`` pairs, ``!!set``) or nothing."""

_PURE_FALLBACK_BYTES = 64 * 1024
"""Text up to this size that libyaml refuses is read again by ruamel's pure-Python parser, which
words errors better and reads what libyaml refuses but YAML 1.2 allows; longer text keeps
libyaml's error (the pure parser is some 20 times slower)."""


@dataclasses.dataclass(frozen=True)
class InputLimits:
    """What one input may hold at most; every door reads within these (SPEC §11 adds its own).

    ``max_bytes``: the size of a file, a ``--set`` value or a request body; ``max_depth``: levels of
    nested collections; ``max_aliases``: alias references (``*name``) in a YAML document;
    ``max_alias_nodes``: nodes that expanding the aliases adds to the document.
    """

    max_bytes: int = 16 * MiB
    max_depth: int = 64
    max_aliases: int = 1000
    max_alias_nodes: int = 100_000

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_depth", "max_aliases", "max_alias_nodes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"{name} is a whole number >= 0, got {value!r}", place=name)


DEFAULT_LIMITS = InputLimits()


def size_text(count: int) -> str:
    """A byte count for people: ``16 MiB``, ``1.5 KiB``, ``300 bytes``."""
    for unit, size in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:.4g} {unit}"
    return f"{count} bytes"


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B|bytes)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``16MiB``, ``512KiB``, ``1G`` or a plain number of bytes, as bytes; ``ValueError`` otherwise."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"expected a size such as 16MiB, 512KiB or 1048576, got {text!r}")
    unit = (match.group(2) or "b")[0].lower()
    scale = {"k": 1024, "m": MiB, "g": 1024 * MiB}.get(unit, 1)
    return int(float(match.group(1)) * scale)


# ---------------------------------------------------------------- documents


class Document:
    """A parsed YAML document: its plain Python data and where each part stood in the text."""

    def __init__(self, data: Any, name: str, text: str, *, plain: bool = False) -> None:
        self.name = name
        self.data: Any = data if plain else _plain(data)
        self._text = text

    def position(self, path: Path_) -> tuple[int, int] | None:
        """1-based (line, column) of the value at ``path``, or of the nearest enclosing node."""
        try:
            return _position(_events(self._text), path)
        except YAMLError:
            try:
                return _position(_events(self._text, pure=True), path)
            except YAMLError:
                return None

    def where(self, path: Path_) -> str:
        """``line L, column C`` of the value at ``path`` (empty when unknown)."""
        pos = self.position(path)
        return f"line {pos[0]}, column {pos[1]}" if pos else ""


def _mark(event: Event) -> tuple[int, int]:
    return (event.start_mark.line + 1, event.start_mark.column + 1)


def _position(events: Iterator[Event], path: Path_) -> tuple[int, int] | None:
    """Walk the events to the node at ``path`` (no recursion: depth does not matter here)."""
    first = next((e for e in events if isinstance(e, NodeEvent)), None)
    if first is None:
        return None
    node: Event = first
    found = _mark(node)
    for part in path:
        target: Event | None = None
        if isinstance(node, MappingStartEvent):
            for key in _children(events):
                _skip(events, key)
                value = next(events)
                if isinstance(key, ScalarEvent) and key.value == str(part):
                    target = value
                    break
                _skip(events, value)
        elif isinstance(node, CollectionStartEvent) and isinstance(part, int) and part >= 0:
            for index, item in enumerate(_children(events)):
                if index == part:
                    target = item
                    break
                _skip(events, item)
        if target is None:
            break
        node = target
        found = _mark(node)
    return found


def _children(events: Iterator[Event]) -> Iterator[Event]:
    """The first event of each child of the collection just opened, up to its end.

    The caller skips over each child it does not enter (``_skip``) before asking for the next.
    """
    for event in events:
        if isinstance(event, CollectionEndEvent):
            return
        yield event


def _skip(events: Iterator[Event], first: Event) -> None:
    """Consume the rest of the node that ``first`` opened (nothing for a scalar or an alias)."""
    depth = 1 if isinstance(first, CollectionStartEvent) else 0
    while depth:
        event = next(events)
        if isinstance(event, CollectionStartEvent):
            depth += 1
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _plain(node: Any) -> Any:
    """ruamel's types as plain dict/list/str/int/float/bool/None/date (aliases copied, bounded)."""
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
    return _configured(YAML(typ="rt", pure=True), _RoundTripConstructor)


def _fast() -> YAML:
    return _configured(YAML(typ="safe"), _SafeConstructor)


def _events(text: str, *, pure: bool = False) -> Iterator[Event]:
    yaml = _round_trip() if pure else _fast()
    events: Iterator[Event] = yaml.parse(text)
    return events


# ---------------------------------------------------------------- limits


def _limit_error(message: str, name: str, event: Event) -> InputLimitError:
    line, column = _mark(event)
    return InputLimitError(f"YAML: {message}", line=line, column=column, file=name)


def check_limits(events: Iterable[Event], name: str, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Refuse a document whose events go past ``limits`` or carry a tag outside the core schema.

    Reads the events one at a time and stops at the first excess, so a deep or exploding document
    costs no more than the events before it. Syntax errors are the parser's (``YAMLError``).
    """
    sizes: list[int] = []  # the nodes counted so far in each open collection
    anchors: dict[str, int] = {}  # the expanded size of each anchored node
    open_anchors: list[str | None] = []
    aliases = added = 0
    for event in events:
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                raise _limit_error(
                    f"more than {limits.max_aliases:,} aliases (*name) in one document", name, event
                )
            size = anchors.get(event.anchor, 1)
            added += size
            if added > limits.max_alias_nodes:
                raise _limit_error(
                    f"the aliases expand to more than {limits.max_alias_nodes:,} nodes",
                    name,
                    event,
                )
            if sizes:
                sizes[-1] += size
            continue
        if not isinstance(event, NodeEvent | CollectionEndEvent):
            continue
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _CORE_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise _limit_error(
                f"the tag {shown} is not read here (only plain strings, numbers, booleans,"
                " null, dates, lists and mappings)",
                name,
                event,
            )
        if isinstance(event, CollectionStartEvent):
            if len(sizes) >= limits.max_depth:
                raise _limit_error(f"nested more than {limits.max_depth} levels deep", name, event)
            sizes.append(1)
            open_anchors.append(event.anchor)
        elif isinstance(event, CollectionEndEvent):
            size = sizes.pop()
            anchor = open_anchors.pop()
            if anchor is not None:
                anchors[anchor] = size
            if sizes:
                sizes[-1] += size
        else:  # a scalar
            if event.anchor is not None:
                anchors[event.anchor] = 1
            if sizes:
                sizes[-1] += 1


def _check_size(text: str, name: str, limits: InputLimits) -> None:
    # A character is at least one byte: only text near the limit needs encoding to know.
    if len(text) > limits.max_bytes or (
        4 * len(text) > limits.max_bytes
        and len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes
    ):
        raise InputLimitError(f"more than the limit of {size_text(limits.max_bytes)}", file=name)


# ---------------------------------------------------------------- parsing


def parse_yaml(text: str, name: str, limits: InputLimits = DEFAULT_LIMITS) -> Document:
    """Parse one YAML 1.2 document within ``limits``; every refusal is an ``InputError`` with its
    line and column (a syntax error, a limit, an unsupported tag)."""
    _check_size(text, name, limits)
    data = _read_plain(text, limits)
    if data is not _NOT_PLAIN:
        return Document(data, name, text, plain=True)
    return _read_full(text, name, limits)


def _read_full(text: str, name: str, limits: InputLimits) -> Document:
    """The document read by ruamel's loader after checking ``limits`` on its events; its errors."""
    try:
        try:
            check_limits(_events(text), name, limits)
            data = _fast().load(text)
        except YAMLError as exc:
            if len(text) > _PURE_FALLBACK_BYTES and "escape code" not in str(exc):
                raise _syntax_error(exc, name) from None
            # The pure parser words syntax errors with their positions; let it say what is
            # wrong, or read what libyaml refuses but YAML 1.2 allows (the surrogate-pair escapes
            # that JSON writers use for characters beyond U+FFFF, "\ud83d\ude80").
            data = _read_or_raise_syntax_error(text, name, limits)
        return Document(data, name, text)
    except RecursionError:
        # Within max_depth this does not happen; a limit set very high can still reach it.
        raise InputLimitError("YAML: the document is nested too deeply", file=name) from None
    except ValueError as exc:
        raise InputError(f"YAML: {_value_error_text(exc)}", file=name) from None
    except TypeError:
        # ruamel hashes a complex key (``? {a: [1]}``) to check for duplicates, and fails.
        raise InputError("YAML: a mapping key must be a plain value", file=name) from None


class _NotPlain(Exception):
    """The text holds something ``_read_plain`` leaves to the full reader."""


_NOT_PLAIN: Any = object()

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)


def _read_plain(text: str, limits: InputLimits) -> Any:
    """The data of ``text`` read in one pass over libyaml's events, or ``_NOT_PLAIN``.

    Made for large generated files (thousands of events, a scalar per field), it reads any: it
    builds plain dicts and lists straight from the events, resolving each distinct plain scalar
    once with ruamel's own YAML 1.2 resolver and constructors, so its data is that of the full
    reader. Anything else is left to that reader, which says what is wrong or reads it: a syntax
    error, a tag, an anchor or alias, a directive, a key twice, a collection as a key, a merge key,
    nesting past ``limits.max_depth``, no document or more than one, a value ruamel refuses.
    """
    try:
        return _plain_data(_events(text), limits.max_depth)
    except Exception:  # the full reader decides, with its own error if there is one
        return _NOT_PLAIN


def _plain_data(events: Iterator[Any], max_depth: int) -> Any:
    yaml = _fast()
    # ruamel's own YAML 1.2 table (first character -> [(tag, pattern)]), as its resolver reads it.
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = yaml.resolver.versioned_resolver
    anywhere = table.get(None, [])
    constructor = yaml.constructor
    construct: dict[str, Callable[[ScalarNode], Any]] = {
        "tag:yaml.org,2002:null": lambda node: None,
        "tag:yaml.org,2002:bool": constructor.construct_yaml_bool,
        "tag:yaml.org,2002:int": constructor.construct_yaml_int,
        "tag:yaml.org,2002:float": constructor.construct_yaml_float,
    }
    resolved: dict[str, Any] = {}  # each distinct plain scalar, resolved and constructed once
    no_key: Any = object()
    open_: list[Any] = []  # the collections being filled, innermost last
    keys: list[Any] = []  # for each, the key waiting for its value (``no_key`` when none)
    root: Any = no_key
    documents = 0
    for event in events:
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _NotPlain
            raw = event.value
            if not event.implicit[0]:
                value: Any = raw
            elif raw in resolved:
                value = resolved[raw]
            else:
                rules = [*table.get(raw[0] if raw else "", ()), *anywhere]
                tag = next((t for t, pattern in rules if pattern.match(raw)), _STR)
                if tag not in _PLAIN_TAGS:
                    raise _NotPlain
                build = construct.get(tag)
                value = resolved[raw] = raw if build is None else build(ScalarNode(tag, raw))
            collection = False
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(open_) >= max_depth:
                raise _NotPlain
            value = {} if kind is MappingStartEvent else []
            collection = True
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            open_.pop()
            keys.pop()
            continue
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1 or event.version is not None or event.tags:
                raise _NotPlain
            continue
        elif kind is StreamStartEvent or kind is DocumentEndEvent or kind is StreamEndEvent:
            continue
        else:  # an alias
            raise _NotPlain
        if not open_:
            root = value
        else:
            parent, key = open_[-1], keys[-1]
            if type(parent) is list:
                parent.append(value)
            elif key is no_key:
                if collection or value in parent:
                    raise _NotPlain
                keys[-1] = value
            else:
                parent[key] = value
                keys[-1] = no_key
        if collection:
            open_.append(value)
            keys.append(no_key)
    if root is no_key:
        raise _NotPlain
    return root


def _value_error_text(exc: ValueError) -> str:
    # Python refuses to convert integers of more than 4300 digits (CVE-2020-10735); its message
    # suggests changing an interpreter setting, which is no advice for the author of a file.
    if "integer string conversion" in str(exc):
        return "a number has more than 4,300 digits"
    return str(exc)


def _syntax_error(exc: YAMLError, name: str) -> InputError:
    if not isinstance(exc, MarkedYAMLError):
        return InputError(f"YAML syntax: {exc}", file=name)
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    problem = exc.problem or exc.context or "invalid YAML"
    if "duplicate key" in str(exc):
        problem = f"duplicate key: {problem}"
    if "'\\t'" in problem:
        problem = "a tab character; indent with spaces (YAML does not allow tabs for indentation)"
    return InputError(f"YAML syntax: {problem}", line=line, column=column, file=name)


def _read_or_raise_syntax_error(text: str, name: str, limits: InputLimits) -> Any:
    try:
        check_limits(_events(text, pure=True), name, limits)
        data = _round_trip().load(text)
    except YAMLError as exc:
        raise _syntax_error(exc, name) from None
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


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_bytes(
    path: str | Path, limits: InputLimits = DEFAULT_LIMITS, name: str | None = None
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limits.max_bytes`` of them; errors name
    the file as ``name`` (by default the path).

    A pipe, device, socket or folder is refused before anything is read (a FIFO is opened without
    waiting for a writer; ``/dev/zero`` is never read), as is a file larger than the limit.
    """
    name = str(path) if name is None else name
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((k for test, k in _FILE_KINDS if test(info.st_mode)), "not a file")
            raise InputLimitError(f"not a regular file ({kind})", file=name)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb", closefd=True) as handle:
        too_big = InputLimitError(
            f"the file is larger than the limit of {size_text(limits.max_bytes)}", file=name
        )
        if info.st_size > limits.max_bytes:
            raise too_big
        try:
            raw = handle.read(limits.max_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
        if len(raw) > limits.max_bytes:  # it grew while being read
            raise too_big
    return raw


def read_text(
    path: str | Path, limits: InputLimits = DEFAULT_LIMITS, name: str | None = None
) -> str:
    """The UTF-8 text of the regular file at ``path`` (see ``read_bytes``)."""
    name = str(path) if name is None else name
    return _utf8(read_bytes(path, limits, name), name)


STDIN = "<stdin>"
"""The name errors give standard input (``-`` as a file argument)."""


def read_stream(stream: BinaryIO, name: str = STDIN, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """The UTF-8 text of a binary stream (standard input), at most ``limits.max_bytes`` of it: a
    stream has no size to check first, so one byte past the limit is the refusal."""
    try:
        raw = stream.read(limits.max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=name) from None
    if len(raw) > limits.max_bytes:
        raise InputLimitError(f"more than the limit of {size_text(limits.max_bytes)}", file=name)
    return _utf8(raw, name)


def _utf8(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte {exc.start})", line=line, file=name) from None


def read_resource(entry: Traversable, name: str, limits: InputLimits = DEFAULT_LIMITS) -> Document:
    """Read and parse a YAML file of a folder given by path or a package resource (shipped rules):
    a file on disk within ``limits`` like any other input. Errors are ``InputError``s naming it."""
    if isinstance(entry, Path):
        return parse_yaml(read_text(entry, limits, name), name, limits)
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", file=name) from None
    return parse_yaml(text, name, limits)


def read_yaml(
    path: str | Path, name: str | None = None, limits: InputLimits = DEFAULT_LIMITS
) -> Document:
    """Read and parse a YAML file within ``limits``; every refusal is an ``InputError`` naming the
    file (as ``name``, by default the path)."""
    name = str(path) if name is None else name
    return parse_yaml(read_text(path, limits, name), name, limits)


def placed(error: E, document: Document | None, path: Path_) -> E:
    """``error`` (a new one) with the line and column of ``path`` in ``document``, when known."""
    position = document.position(list(path)) if document is not None else None
    return error.at_position(*position) if position else error


def read_document(
    path: str | Path, build: Callable[[Any, Document], T], limits: InputLimits = DEFAULT_LIMITS
) -> T:
    """``build(data, document)`` for the YAML file at ``path``; its errors name the file."""
    document = read_yaml(path, limits=limits)
    try:
        return build(document.data, document)
    except AgiTermsError as exc:
        raise exc.with_file(str(path)) from None


def read_stream_document(
    stream: BinaryIO,
    build: Callable[[Any, Document], T],
    name: str = STDIN,
    limits: InputLimits = DEFAULT_LIMITS,
) -> T:
    """``build(data, document)`` for the YAML read from ``stream`` within ``limits``, as
    ``read_document`` a file; its errors name ``name``."""
    return parse_document(read_stream(stream, name, limits), name, build, limits)


def parse_document(
    text: str,
    name: str,
    build: Callable[[Any, Document], T],
    limits: InputLimits = DEFAULT_LIMITS,
) -> T:
    """``build(data, document)`` for YAML ``text``; its errors name ``name``."""
    document = parse_yaml(text, name, limits)
    try:
        return build(document.data, document)
    except AgiTermsError as exc:
        raise exc.with_file(name) from None


# ---------------------------------------------------------------- JSON


def _line_column(text: str, index: int) -> tuple[int | None, int | None]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


class _DuplicateKey(ValueError):
    pass


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes, name: str = "", limits: InputLimits = DEFAULT_LIMITS) -> Any:
    """Strict JSON (RFC 8259) from ``raw`` within ``limits``, as Python data.

    Refused, each as an ``InputError`` saying what is wrong: more than ``max_bytes``, bytes that are
    not UTF-8 (or a byte-order mark), malformed JSON (with its line and column), a key twice in one
    object, ``NaN``/``Infinity``, nesting deeper than ``max_depth``.
    """
    if len(raw) > limits.max_bytes:
        raise InputLimitError(
            f"JSON: more than the limit of {size_text(limits.max_bytes)}", file=name
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"JSON: the body is not UTF-8 (byte {exc.start}); send UTF-8 JSON", file=name
        ) from None
    if text.startswith("\ufeff"):
        raise InputError("JSON: a byte-order mark before the JSON", line=1, column=1, file=name)
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs, parse_constant=_json_constant)
        too_deep = deeper_than(data, limits.max_depth) is not None
    except RecursionError:  # json's scanner guards its recursion: far past any limit
        too_deep = True
    except json.JSONDecodeError as exc:
        line, column = _line_column(text, exc.pos)
        raise InputError(
            f"malformed JSON: {exc.msg}", line=line, column=column, file=name
        ) from None
    except _DuplicateKey as exc:
        raise InputError(
            f"JSON: the key {exc.args[0]!r} appears twice in one object", file=name
        ) from None
    except ValueError as exc:  # NaN, an integer of over 4300 digits
        raise InputError(f"JSON: {_value_error_text(exc)}", file=name) from None
    if too_deep:
        line, column = _json_depth_position(text, limits.max_depth)
        raise InputLimitError(
            f"JSON: nested more than {limits.max_depth} levels deep",
            line=line,
            column=column,
            file=name,
        )
    return data


def deeper_than(data: Any, max_depth: int) -> tuple[int | str, ...] | None:
    """The path of the first collection in ``data`` nested more than ``max_depth`` deep, or None.

    A walk without recursion, so a value nested far past Python's recursion limit is measured too.
    """
    pending: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, dict | list):
            if len(path) >= max_depth:
                return path
            items = node.items() if isinstance(node, dict) else enumerate(node)
            pending.extend((child, (*path, key)) for key, child in reversed(list(items)))
    return None


_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')


def _json_depth_position(text: str, max_depth: int) -> tuple[int | None, int | None]:
    """Where the first collection deeper than ``max_depth`` opens (a linear scan, strings skipped)."""
    depth, in_string, escaped_at = 0, False, -1
    for match in _JSON_SPECIAL.finditer(text):
        char, at = match.group(), match.start()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return _line_column(text, at)
        elif char in "]}":
            depth -= 1
    return None, None


_JSON_LAYOUT_FROM = 64 * 1024
"""Compact JSON text from this size on is laid out by ``json_text``'s own pass where numpy is
loaded already; shorter text by ``json``."""
_JSON_LAYOUT_IMPORTING_FROM = 8 * MiB
"""The same where numpy is still to import: its import (some 150 ms) is what ``json`` takes to
indent about 5 MiB, so the pass pays only from about there on."""

_JSON_CHUNK = 1 << 20


def json_text(data: Any) -> str:
    """``json.dumps(data, indent=2)``: the same text, at the speed of the C encoder.

    With ``indent``, ``json`` encodes in pure Python, value by value (several times slower than
    its C encoder on a long timeline). Here the C encoder writes the compact text (``", "`` after
    a key, nothing after a comma) and numpy finds, all at once, the brackets, braces and commas
    outside strings, the depth of each, and so where ``indent=2`` breaks the line and how far it
    indents the next; the breaks are inserted a megabyte at a time. An empty ``[]`` or ``{}``
    stays whole, as ``json`` writes it.
    """
    compact = json.dumps(data, separators=(",", ": "))
    loaded = "numpy" in sys.modules
    if len(compact) < (_JSON_LAYOUT_FROM if loaded else _JSON_LAYOUT_IMPORTING_FROM):
        return json.dumps(data, indent=2)
    import numpy as np

    text = np.frombuffer(compact.encode("ascii"), dtype=np.uint8)  # json escapes the rest
    # The same text with each escaped backslash (two characters) blanked: a quote is then escaped
    # exactly when a backslash stands before it.
    scan = np.frombuffer(compact.replace("\\\\", "\0\0").encode("ascii"), dtype=np.uint8)
    quotes = np.flatnonzero(scan == ord('"'))
    quotes = quotes[(quotes == 0) | (scan[quotes - 1] != ord("\\"))]
    structural = np.zeros(256, dtype=bool)
    structural[list(b",[]{}")] = True
    at = np.flatnonzero(structural[scan])
    at = at[
        np.searchsorted(quotes, at) % 2 == 0
    ]  # outside strings: an even number of quotes before
    found = scan[at]
    opens = (found == ord("[")) | (found == ord("{"))
    closes = (found == ord("]")) | (found == ord("}"))
    depth = np.cumsum(opens.astype(np.int64) - closes)  # after each
    empty = np.zeros(len(at) + 1, dtype=bool)  # an opener and its closer side by side
    empty[1:-1] = opens[:-1] & closes[1:] & (at[1:] == at[:-1] + 1)
    kept = ~(empty[1:] | empty[:-1])
    cuts = (at + 1 - closes)[kept]  # a break after an opener or a comma, before a closer
    widths = 1 + 2 * depth[kept]  # the newline and the indent
    laid = []
    for start in range(0, len(text), _JSON_CHUNK):
        chunk = text[start : start + _JSON_CHUNK]
        low, high = np.searchsorted(cuts, [start, start + len(chunk)])
        here, width = cuts[low:high] - start, widths[low:high]
        shift = np.zeros(len(chunk), dtype=np.int64)
        shift[here] = width
        shift = np.cumsum(shift)  # how far each character moves right
        part = np.full(len(chunk) + int(shift[-1]), ord(" "), dtype=np.uint8)
        part[np.arange(len(chunk)) + shift] = chunk
        part[here + shift[here] - width] = ord("\n")
        laid.append(part)
    return b"".join(part.tobytes() for part in laid).decode("ascii")
