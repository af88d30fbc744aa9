"""Connections no client can hold for ever: read timeouts and a connection cap for ``serve``.

uvicorn closes a connection idle between requests (``timeout_keep_alive``) but has no limit on how
long a request's headers or body may take to arrive, nor on how many connections it accepts: a
client sending a byte every few seconds, or opening connections and sending nothing, holds them
for ever. ``guarded_protocol`` is uvicorn's h11 protocol with both limits.
"""

from __future__ import annotations

import asyncio
import json

from agi_terms.interfaces.http.answers import error_json

_REASONS = {408: "Request Timeout", 503: "Service Unavailable"}


def _raw_response(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, for moments with no request to answer."""
    body = json.dumps(error_json("", message), separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


def guarded_protocol(
    header_timeout: float, body_timeout: float, max_connections: int
) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, closing connections that are slow to send or too many.

    A request's headers must arrive within ``header_timeout`` seconds of the connection opening
    (or of the previous answer), its body within ``body_timeout`` seconds of the headers; else the
    connection is answered 408 and closed. A connection beyond ``max_connections`` is answered 503
    and closed at once, before it costs more than its socket.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _timer: asyncio.TimerHandle | None = None
        _waiting_for = "headers"

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                transport.write(_raw_response(503, "too many connections; try again later"))
                transport.close()
                return
            self._await("headers", header_timeout)

        def _await(self, what: str, seconds: float) -> None:
            self._cancel()
            self._waiting_for = what
            self._timer = self.loop.call_later(seconds, self._timed_out)

        def _cancel(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def handle_events(self) -> None:
            super().handle_events()
            state = self.conn.their_state
            if state is h11.SEND_BODY and self._waiting_for == "headers":
                self._await("body", body_timeout)
            elif state is not h11.IDLE and state is not h11.SEND_BODY:
                self._cancel()  # the request has arrived: the answer takes what it takes
                self._waiting_for = "answer"

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._await("headers", header_timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            super().connection_lost(exc)

        def _timed_out(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            started = self.cycle is not None and self.cycle.response_started
            if self._waiting_for == "headers" or not started:
                limit = header_timeout if self._waiting_for == "headers" else body_timeout
                message = f"the request's {self._waiting_for} did not arrive within {limit:g} s"
                self.transport.write(_raw_response(408, message))
            self.transport.close()

    return GuardedH11Protocol
