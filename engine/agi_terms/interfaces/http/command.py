"""``agi-terms serve``: the HTTP service (SPEC §11 and §14) on a port, with uvicorn.

The command reads its options, binds the port and checks the store before it listens; the
application itself is ``agi_terms.interfaces.http.service.create_app`` (which imports FastAPI
only when it builds one). ``agi_terms.interfaces.main`` imports this module only for ``serve``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from agi_terms.errors import AgiTermsError, InputError
from agi_terms.interfaces.console import byte_size, fail
from agi_terms.interfaces.http.service import SERVICE_EXTRA_HINT, ServiceLimits, create_app
from agi_terms.store import DEFAULT_BACKEND, is_postgres_url, redacted

MOUNTS_KEY = "agi_terms.mounts"
"""Where the command group leaves the servers ``serve`` adds to its app (``create_app``'s
``mounts``): the doors stay apart, the group assembles them."""

if TYPE_CHECKING:
    from fastapi import FastAPI


_DEFAULTS = ServiceLimits()


@click.command()
@click.option(
    "--db",
    "db",
    required=True,
    help="SQLite store file (created if absent), or a postgresql:// URL (several servers may"
    " share one database).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port."
)
@click.option(
    "--backend",
    type=click.Choice(("python", "durable")),
    default=DEFAULT_BACKEND,
    show_default=True,
    help="Rules backend of the contracts' agreements.",
)
@click.option("--max-body-size", default="1MiB", show_default=True, callback=byte_size,
              metavar="SIZE", help="Largest request body (413 above).")  # fmt: skip
@click.option("--max-events", default=_DEFAULTS.max_events, show_default=True,
              type=click.IntRange(1), help="Most events in one append (422 above).")  # fmt: skip
@click.option("--max-agreements", default=_DEFAULTS.max_agreements, show_default=True,
              type=click.IntRange(1),
              help="Compiled agreements (distinct parameter sets) kept in memory.")  # fmt: skip
@click.option("--max-agreement-memory", default="256MiB", show_default=True, callback=byte_size,
              metavar="SIZE", help="Estimated memory of the compiled agreements kept.")  # fmt: skip
@click.option("--header-timeout", default=_DEFAULTS.header_timeout, show_default=True,
              type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Close a connection whose request headers take longer.")  # fmt: skip
@click.option("--body-timeout", default=_DEFAULTS.body_timeout, show_default=True,
              type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Close a connection whose request body takes longer.")  # fmt: skip
@click.option("--max-connections", default=_DEFAULTS.max_connections, show_default=True,
              type=click.IntRange(1), help="Open connections (503 beyond).")  # fmt: skip
@click.option("--max-runs", default=_DEFAULTS.max_runs, show_default=True, type=click.IntRange(1),
              help="Most Monte Carlo runs one POST /montecarlo may ask for (422 above).")  # fmt: skip
@click.option("--ready-timeout", default=_DEFAULTS.ready_timeout, show_default=True,
              type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="GET /readyz is 503 when the database takes longer to answer.")  # fmt: skip
@click.option("--tokens", "tokens_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE",
              help="YAML file of bearer tokens' SHA-256, tenants and scopes: every request but"
              " GET /healthz and the explorer's files then needs one (agi-terms token new makes"
              " them).")  # fmt: skip
@click.option("--insecure-no-auth", is_flag=True,
              help="Serve without --tokens on an address other than loopback: anyone who reaches"
              " the port reads and changes every contract.")  # fmt: skip
def serve(
    db: str, host: str, port: int, backend: str, max_body_size: int, max_events: int,
    max_agreements: int, max_agreement_memory: int, header_timeout: float, body_timeout: float,
    max_connections: int, max_runs: int, ready_timeout: float, tokens_file: str | None,
    insecure_no_auth: bool,
) -> None:  # fmt: skip
    """Serve the contracts in the store DB, and the stateless operations, over HTTP (SPEC §11,
    §14); the OpenAPI at /openapi.json.

    The port is bound first (a port in use is one error line) and the store checked whole before
    the server listens (a damaged one is refused). It prints the URL it listens on, then one JSON
    line per request on stderr (method, path, status, ms, tenant).

    Without --tokens it serves loopback addresses only, unless given --insecure-no-auth.
    """

    from agi_terms.interfaces.http.access_log import (
        AccessLog,
        listen,
        listening_line,
        url_of,
    )

    try:
        import uvicorn

        from agi_terms.interfaces.http.connections import guarded_protocol
    except ImportError:
        fail(InputError(SERVICE_EXTRA_HINT))
        return
    from agi_terms.interfaces.http.tokens import Tokens, read_tokens

    tokens: Tokens | None = None
    if tokens_file is not None:
        if insecure_no_auth:
            fail(InputError("--insecure-no-auth serves without tokens; --tokens asks for them:"
                            " give one of the two", place="--insecure-no-auth"))  # fmt: skip
            return
        try:
            tokens = read_tokens(tokens_file)
        except AgiTermsError as exc:
            fail(exc, tokens_file)
            return
    elif not insecure_no_auth and not is_loopback(host):
        fail(InputError(
            f"without --tokens, serve listens on loopback only (127.0.0.1, ::1, localhost), not"
            f" {host}: anyone who reaches the port would read and change every contract; give"
            f" --tokens FILE, or --insecure-no-auth to serve without tokens anyway",
            place="--host",
        ))  # fmt: skip
        return

    def open_app() -> FastAPI:
        limits = ServiceLimits(
            max_body_bytes=max_body_size,
            max_events=max_events,
            max_agreements=max_agreements,
            max_agreement_bytes=max_agreement_memory,
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            max_connections=_connections_within_file_limit(max_connections),
            max_runs=max_runs,
            ready_timeout=ready_timeout,
        )
        mounts = click.get_current_context().meta.get(MOUNTS_KEY, ())
        app = create_app(db, backend=backend, limits=limits, mounts=mounts, tokens=tokens)
        app.state.store.verify()
        return app

    # A store that is there is checked before the port is bound; a new one is created only once
    # the port is had, so that a refusal of either leaves nothing behind.
    existed = is_postgres_url(db) or Path(db).exists()
    app = None
    try:
        if existed:
            app = open_app()
        sock = listen(host, port)
    except AgiTermsError as exc:
        if app is not None:
            app.state.store.close()
        fail(exc, redacted(db))
        return
    try:
        if app is None:
            app = open_app()
    except AgiTermsError as exc:
        sock.close()
        fail(exc, redacted(db))
        return
    limits = app.state.limits
    click.echo(listening_line(url_of(sock), redacted(db), tokens_file))
    config = uvicorn.Config(
        AccessLog(app, sys.stderr),
        log_level="warning",
        http=guarded_protocol(limits.header_timeout, limits.body_timeout, limits.max_connections),
        ws="none",
        lifespan="on",
        timeout_keep_alive=5,
        # uvicorn's own cap counts requests in progress; connections are capped by the protocol.
        limit_concurrency=limits.max_connections + 1,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run(sockets=[sock])


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.0.0.0/8``, ``::1``) or ``localhost``."""
    import ipaddress

    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _connections_within_file_limit(wanted: int) -> int:
    """``wanted``, raising the soft limit on open files to allow it where the hard one permits;
    else as many as fit, leaving room for the store's files and the worker threads."""
    try:
        import resource
    except ImportError:  # not on this platform: no limit to mind
        return wanted
    spare = 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + spare
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
        if soft < needed:
            return max(1, soft - spare)
    return wanted
