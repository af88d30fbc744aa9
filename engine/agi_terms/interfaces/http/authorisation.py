"""Who may ask the service what (SPEC §11 *Dec 2026*): the bearer-token check of every request,
the scope each one needs, and the tenant it acts for.

``BearerTokens`` wraps the application when ``serve`` is given ``--tokens``. Every request but
``GET /healthz`` and the explorer's files (``GET /``, ``GET /explorer/...``) needs
``Authorization: Bearer <token>`` naming a token of the file: 401 without one (with
``WWW-Authenticate: Bearer``), 403 when the token lacks the scope the request needs — ``write``
for the POSTs that store (``/contracts``, ``/contracts/{id}/events``), ``read`` for everything
else, the POSTs that only compute included. The request then acts for the token's tenant, put in
its state (``request.state.tenant``) for the endpoints and the access log. The check comes before
the body is read, so a caller without a token costs no more than its headers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agi_terms.interfaces.http.access_log import ASGIApp, Receive, Scope, Send
from agi_terms.interfaces.http.answers import error_json
from agi_terms.interfaces.http.tokens import Tokens

__all__ = ["NO_TENANT", "BearerTokens", "needs_token", "scope_needed", "tenant_of"]

NO_TENANT = ""
"""The tenant of every request when ``serve`` runs without ``--tokens``."""

_STORING = re.compile(r"/contracts/?|/contracts/[^/]+/events/?")
_EXPLORER_FILES = re.compile(r"/|/explorer/.*")
_REALM = 'Bearer realm="agi-terms"'


def needs_token(method: str, path: str) -> bool:
    """Whether a request needs a token: all but ``GET /healthz`` and the explorer's files."""
    if method != "GET":
        return True
    return path != "/healthz" and not _EXPLORER_FILES.fullmatch(path)


def scope_needed(method: str, path: str) -> str:
    """``write`` for a POST that stores (a new contract, an append), else ``read``."""
    return "write" if method == "POST" and _STORING.fullmatch(path) else "read"


def tenant_of(request: Any) -> str:
    """The tenant a request acts for (``NO_TENANT`` without tokens)."""
    tenant = getattr(request.state, "tenant", None)
    return tenant if isinstance(tenant, str) else NO_TENANT


def _authorization(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return bytes(value).decode("latin-1")
    return None


def _bearer(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None for another scheme)."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token and " " not in token:
        return token
    return None


_ASK = "this request needs a token: Authorization: Bearer <token>"
_NOT_BEARER = "the Authorization header is not 'Bearer <token>'"
_UNKNOWN = "the bearer token is not one the server knows"


class BearerTokens:
    """ASGI middleware: the token check of SPEC §11 before the application sees the request."""

    def __init__(self, app: ASGIApp, tokens: Tokens) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope.get("method", ""), scope.get("path", "")
        if not needs_token(method, path):
            await self.app(scope, receive, send)
            return
        header = _authorization(scope)
        token = _bearer(header) if header is not None else None
        grant = self.tokens.grant_for(token) if token is not None else None
        if grant is None:
            if header is None:
                message, challenge = _ASK, _REALM
            elif token is None:
                message, challenge = _NOT_BEARER, f'{_REALM}, error="invalid_request"'
            else:
                message, challenge = _UNKNOWN, f'{_REALM}, error="invalid_token"'
            await _refuse(send, 401, message, challenge)
            return
        scope.setdefault("state", {})["tenant"] = grant.tenant
        needed = scope_needed(method, path)
        if not grant.allows(needed):
            await _refuse(
                send,
                403,
                f"the token {grant.name!r} may not {'store' if needed == 'write' else 'read'}:"
                f" this request needs the {needed} scope",
                f'{_REALM}, error="insufficient_scope", scope="{needed}"',
            )
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, message: str, challenge: str) -> None:
    # The body is not read: uvicorn discards what the client still sends, and the connection
    # takes the next request.
    body = json.dumps(error_json("Authorization", message), separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge.encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
