"""What ``agi-terms serve`` tells its operator: where it listens, and one line per request.

``listen(host, port)`` binds the server's socket before anything else runs, so a port in use is
one refusal (an ``InputError`` at ``--port``) rather than a server that starts and dies;
``url_of(sock)`` is the address it then serves (the port chosen, for ``--port 0``). ``AccessLog``
wraps the application and writes one JSON line per request on a stream (SPEC §11 *Dec 2026*):
``{"method", "path", "status", "ms", "tenant"}``. The path has no query string and no header is
read, so a bearer token never reaches the log; ``tenant`` is what the application put in the
request's state (``request.state.tenant``), ``null`` without tokens.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO

from agi_terms.errors import InputError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening; an ``InputError`` placed at ``--port`` when
    the address is taken or cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise InputError(
            f"cannot listen on {_address(host, port)}: {reason}", place="--port"
        ) from None
    sock.set_inheritable(True)
    return sock


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def url_of(sock: socket.socket) -> str:
    """The URL a listening socket serves: ``http://127.0.0.1:8000``."""
    host, port = sock.getsockname()[:2]
    return f"http://{_address(host, port)}"


def listening_line(url: str, store: str, tokens: str | None = None) -> str:
    """The line ``serve`` prints on standard output once it listens."""
    checked = f", tokens {tokens}" if tokens is not None else ", no tokens"
    return f"agi-terms serve: listening on {url} (store {store}{checked})"


class AccessLog:
    """ASGI middleware: one JSON line per HTTP request on ``stream``, written when it ends."""

    def __init__(self, app: ASGIApp, stream: TextIO) -> None:
        self.app = app
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        # The application fills the tenant in (``request.state`` is this dictionary).
        state = scope.setdefault("state", {})
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            line = {
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status[0] if status else 500,
                "ms": round((time.perf_counter() - started) * 1000, 3),
                "tenant": state.get("tenant") if isinstance(state, dict) else None,
            }
            # One write per line, so that lines from concurrent requests never interleave.
            self.stream.write(json.dumps(line, ensure_ascii=True) + "\n")
            self.stream.flush()
