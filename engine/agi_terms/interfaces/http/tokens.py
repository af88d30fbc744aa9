"""Bearer tokens of ``agi-terms serve --tokens FILE`` (SPEC §11 *Dec 2026*): the file read and
checked, a presented token matched in constant time, and ``agi-terms token new``.

The file lists who may call the service, never a token itself::

    tokens:
      - {name: billing, tenant: acme, scopes: [read, write], sha256: 9f86d0...}

``sha256`` is the SHA-256 hex of the bearer token's UTF-8 bytes. A presented token is hashed and
its digest compared with every entry's by ``hmac.compare_digest`` (all of them, whichever
matches), so neither the answer's time nor its content tells how much of a token was right.
``read`` lets a token ask (every GET, and the POSTs that store nothing), ``write`` store
(``POST /contracts``, ``POST /contracts/{id}/events``); one does not imply the other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from agi_terms.documents import Document, InputLimits, parse_yaml, read_text
from agi_terms.errors import InputError, PathPart

__all__ = [
    "SCOPES",
    "Grant",
    "Tokens",
    "digest_of",
    "entry_line",
    "new_token",
    "read_tokens",
    "token",
]

SCOPES = ("read", "write")
"""What a token may do: ``read`` asks, ``write`` stores."""

_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.:@-]{0,127}")
_HEX = re.compile(r"[0-9a-fA-F]{64}")
_FIELDS = ("name", "tenant", "scopes", "sha256")
_FILE_LIMITS = InputLimits(max_bytes=4 * 1024 * 1024)


def digest_of(token: str) -> bytes:
    """The SHA-256 digest of a bearer token (its UTF-8 bytes)."""
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).digest()


@dataclasses.dataclass(frozen=True)
class Grant:
    """What one entry of the tokens file allows: who (``name``), for which tenant, what."""

    name: str
    tenant: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        """Whether this token has ``scope`` (``read`` or ``write``)."""
        return scope in self.scopes

    def __repr__(self) -> str:
        return f"Grant({self.name!r}, tenant={self.tenant!r}, scopes={sorted(self.scopes)})"


class Tokens:
    """The entries of a tokens file, each a digest and its ``Grant``; ``grant_for(token)`` matches."""

    def __init__(self, entries: Iterable[tuple[bytes, Grant]], source: str = "") -> None:
        self._entries: tuple[tuple[bytes, Grant], ...] = tuple(entries)
        self.source = source

    def grant_for(self, token: str) -> Grant | None:
        """The grant of ``token``, or None when no entry holds its digest (compared with every
        entry, in constant time each)."""
        presented = digest_of(token)
        found: Grant | None = None
        for digest, grant in self._entries:
            if hmac.compare_digest(presented, digest):
                found = grant
        return found

    @property
    def grants(self) -> tuple[Grant, ...]:
        """Every entry's grant, in the file's order."""
        return tuple(grant for _, grant in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Tokens({self.source!r}, {len(self)} entries)"


def read_tokens(path: str | Path) -> Tokens:
    """The tokens file at ``path``, checked whole; an ``InputError`` naming the file and the place
    (``tokens[2].sha256``, with its line and column) for anything wrong in it."""
    name = str(path)
    document = parse_yaml(read_text(path, _FILE_LIMITS, name), name, _FILE_LIMITS)
    return Tokens(_entries(document), name)


def _entries(document: Document) -> list[tuple[bytes, Grant]]:
    def refuse(message: str, *place: PathPart) -> InputError:
        line, column = document.position(list(place)) or (None, None)
        return InputError(message, place=place, file=document.name, line=line, column=column)

    data = document.data
    if not isinstance(data, Mapping) or set(data) != {"tokens"}:
        raise refuse("a tokens file is a mapping with one key, 'tokens': a list of entries")
    listed = data["tokens"]
    if not isinstance(listed, list):
        raise refuse("'tokens' is a list of {name, tenant, scopes, sha256}", "tokens")
    entries: list[tuple[bytes, Grant]] = []
    names: set[str] = set()
    digests: set[bytes] = set()
    for index, entry in enumerate(listed):
        at: tuple[PathPart, ...] = ("tokens", index)
        if not isinstance(entry, Mapping):
            raise refuse("an entry is a mapping of name, tenant, scopes and sha256", *at)
        if "token" in entry:
            raise refuse(
                "the file holds each token's SHA-256 hex (sha256), never the token itself;"
                " `agi-terms token new` prints both",
                *at,
                "token",
            )
        for key in entry:
            if key not in _FIELDS:
                raise refuse(f"unknown key {key!r}; an entry has {', '.join(_FIELDS)}", *at, key)
        for key in _FIELDS:
            if key not in entry:
                raise refuse(f"the entry has no {key!r}", *at)
        name = entry["name"]
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise refuse(
                "a name is 1-128 letters, digits, spaces or '_.:@-', starting with a letter or"
                " digit",
                *at,
                "name",
            )
        if name in names:
            raise refuse(f"a second entry named {name!r}", *at, "name")
        tenant = entry["tenant"]
        if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
            raise refuse(
                "a tenant is 1-128 letters, digits or '_.:-', starting with a letter or digit",
                *at,
                "tenant",
            )
        scopes = entry["scopes"]
        if not isinstance(scopes, list) or not scopes:
            raise refuse("scopes is a non-empty list of read and write", *at, "scopes")
        for position, scope in enumerate(scopes):
            if scope not in SCOPES:
                raise refuse(f"a scope is read or write, got {scope!r}", *at, "scopes", position)
        hexdigest = entry["sha256"]
        if not isinstance(hexdigest, str) or not _HEX.fullmatch(hexdigest):
            raise refuse(
                "sha256 is the SHA-256 hex of the token (64 hex digits), as `agi-terms token new`"
                " prints it",
                *at,
                "sha256",
            )
        digest = bytes.fromhex(hexdigest)
        if digest in digests:
            raise refuse("a second entry with this sha256: one token, one entry", *at, "sha256")
        names.add(name)
        digests.add(digest)
        entries.append((digest, Grant(name, tenant, frozenset(scopes))))
    return entries


# ---------------------------------------------------------------- new tokens


def new_token() -> str:
    """A new bearer token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def entry_line(name: str, tenant: str, scopes: Sequence[str], token: str) -> str:
    """The tokens file's entry for ``token``, as one YAML line of the ``tokens:`` list."""
    listed = ", ".join(scope for scope in SCOPES if scope in scopes)
    digest = digest_of(token).hex()
    return f"  - {{name: {_quoted(name)}, tenant: {tenant}, scopes: [{listed}], sha256: {digest}}}"


def _quoted(text: str) -> str:
    # A name may hold spaces or ':' (``ci: nightly``); quoted, it reads back as written.
    return text if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", text) else f'"{text}"'


def _scopes(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if not chosen or unknown:
        raise click.BadParameter(
            f"a comma-separated list of read and write, got {value!r}", ctx, param
        )
    return chosen


def _pattern(regex: re.Pattern[str], what: str) -> Any:
    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and not regex.fullmatch(value):
            raise click.BadParameter(what, ctx, param)
        return value

    return check


@click.group()
def token() -> None:
    """Bearer tokens for `agi-terms serve --tokens FILE`."""


@token.command("new")
@click.option("--tenant", required=True,
              callback=_pattern(_TENANT, "1-128 letters, digits or '_.:-', starting with a letter"
                                " or digit"),
              help="The tenant the token acts for: it sees that tenant's contracts only.")  # fmt: skip
@click.option("--scopes", default="read", show_default=True, callback=_scopes,
              help="read (ask), write (store), or read,write.")  # fmt: skip
@click.option("--name", default=None,
              callback=_pattern(_NAME, "1-128 letters, digits, spaces or '_.:@-', starting with a"
                                " letter or digit"),
              help="The entry's name, for people (default: the tenant and the scopes).")  # fmt: skip
def new(tenant: str, scopes: tuple[str, ...], name: str | None) -> None:
    """Print a new random token (line 1) and its entry for the tokens file (line 2, to add under
    `tokens:`).

    The token is printed once and kept nowhere: give it to the client; the file holds only its
    SHA-256.
    """
    made = new_token()
    label = name if name is not None else f"{tenant}-{'-'.join(scopes)}"
    click.echo(made)
    click.echo(entry_line(label, tenant, scopes, made))
    click.echo(
        "# line 1: the token, shown once (give it to the client); line 2: its entry, to add"
        " under `tokens:` in the file that `serve --tokens` reads",
        err=True,
    )
