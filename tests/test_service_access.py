"""SPEC §11 *Dec 2026* over HTTP: bearer tokens and their scopes, tenants, idempotent retries,
request limits, health, paging and the access log; the service in process (httpx through
FastAPI's TestClient) and, where the process matters, a real ``agi-terms serve``.

Every operation of the OpenAPI document is asked without a token (401), with a token of the
wrong scope (403), and across tenants (404, nothing changed).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from agi_terms.interfaces.http.tokens import entry_line, read_tokens
from service_server import Server

# Tokens of the tests' tokens file: (tenant, scopes). The tokens themselves are only here.
TOKENS = {
    "acme-read-write-token-0123456789abcdefghij": ("acme", ("read", "write")),
    "acme-read-only-token-0123456789abcdefghijk": ("acme", ("read",)),
    "acme-write-only-token-0123456789abcdefghij": ("acme", ("write",)),
    "globex-read-write-token-0123456789abcdefgh": ("globex", ("read", "write")),
    "initech-read-write-token-0123456789abcdefg": ("initech", ("read", "write")),
}
ACME, ACME_RO, ACME_WO, GLOBEX, INITECH = list(TOKENS)
LAUNCH = {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "aws"}
DECLARED = {"date": "2029-03-01", "type": "agi_declared"}
ASSUMPTIONS = {
    "runs": 10,
    "seed": 1,
    "horizon": "2030-12-31",
    "sample": "yearly",
    "declaration": {"probability": 0.5, "between": ["2026-01-01", "2030-12-31"]},
    "panel": {"verify_probability": 0.5, "review_days": [30, 60]},
    "redeclaration": {"probability": 0.5, "after_days": [30, 60]},
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def write_tokens_file(path: Path, tokens: dict[str, tuple[str, tuple[str, ...]]]) -> Path:
    lines = ["tokens:"]
    for index, (token, (tenant, scopes)) in enumerate(tokens.items()):
        lines.append(entry_line(f"entry {index}", tenant, scopes, token))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tokens_file(tmp_path_factory.mktemp("tokens") / "tokens.yaml", TOKENS)


@pytest.fixture(scope="module")
def log() -> io.StringIO:
    return io.StringIO()


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, tokens_file: Path, log: io.StringIO
) -> Iterator[httpx.Client]:
    """The service with tokens, in this process, its access log written to ``log``."""
    from agi_terms.interfaces.http.access_log import AccessLog
    from agi_terms.interfaces.http.service import create_app
    from agi_terms.interfaces.main import _mounts
    from fastapi.testclient import TestClient

    app = create_app(
        tmp_path_factory.mktemp("access") / "contracts.db",
        tokens=read_tokens(tokens_file),
        mounts=_mounts(),
    )
    with TestClient(AccessLog(app, log), base_url="http://127.0.0.1") as http:  # type: ignore[arg-type]
        yield http


def create(client: httpx.Client, token: str, body: dict[str, Any] | None = None) -> str:
    response = client.post("/contracts", json=body or {}, headers=auth(token))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def timeline(client: httpx.Client, token: str, cid: str) -> list[Any]:
    response = client.get(f"/contracts/{cid}/timeline", headers=auth(token))
    assert response.status_code == 200, response.text
    return list(response.json()["steps"])


# ---------------------------------------------------------------- every operation, by the document


def operations(client: httpx.Client) -> list[tuple[str, str]]:
    document = client.get("/openapi.json", headers=auth(ACME)).json()
    return [(method.upper(), path) for path, ops in document["paths"].items() for method in ops]


def request_for(method: str, path: str, cid: str) -> tuple[str, dict[str, Any] | None]:
    """A request to the operation that a token of the right scope and tenant gets answered."""
    url = path.replace("{id}", cid).replace("{version}", "2025-10")
    url = url.replace("/sources/" + cid, "/sources/N6")
    bodies: dict[str, dict[str, Any]] = {
        "/contracts": {},
        f"/contracts/{cid}/events": {"events": [LAUNCH]},
        f"/contracts/{cid}/decide": {"action": LAUNCH},
        "/simulate": {"events": [DECLARED]},
        "/decide": {"action": LAUNCH},
        "/explain": {"date": "2030-01-01", "term": "ms_research_ip"},
        "/montecarlo": ASSUMPTIONS,
        "/diff": {"a": "2025-01", "b": "2025-10"},
    }
    if url.endswith("/explain") and method == "GET":
        url += "?term=ms_research_ip"
    return url, bodies.get(url.split("?")[0]) if method == "POST" else None


def test_the_document_lists_the_new_operations(client: httpx.Client) -> None:
    found = set(operations(client))
    assert {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/contracts")} <= found
    assert len(found) >= 18


def test_every_operation_without_a_valid_token_is_401(client: httpx.Client) -> None:
    cid = create(client, ACME)
    before = timeline(client, ACME, cid)
    asked = 0
    for method, path in [*operations(client), ("GET", "/openapi.json"), ("POST", "/mcp"),
                         ("POST", "/explorer/simulate")]:  # fmt: skip
        if path == "/healthz":
            continue
        url, body = request_for(method, path, cid)
        for headers in (
            {},
            auth("not-a-token-of-the-file"),
            auth(ACME + "x"),
            {"Authorization": "Basic YWNtZTpzZWNyZXQ="},
            {"Authorization": "Bearer"},
            {"Authorization": ACME},
        ):
            response = client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (method, url, headers, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"]["place"] == "Authorization"
            assert ACME not in response.text
            asked += 1
    assert asked >= 6 * 18
    assert timeline(client, ACME, cid) == before  # no refused append stored anything


def test_health_and_the_explorer_files_need_no_token(client: httpx.Client) -> None:
    health = client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert client.get("/").status_code == 200
    assert client.get("/").headers["content-type"].startswith("text/html")
    assert client.get("/explorer/explorer.js").status_code == 200
    assert client.get("/explorer/scenario.schema.json").status_code == 200
    # The explorer's own POST computes: it needs a read token.
    text = "events: [{date: 2029-03-01, type: agi_declared}]\n"
    headers = {"content-type": "application/yaml"}
    assert client.post("/explorer/simulate", content=text, headers=headers).status_code == 401
    answered = client.post("/explorer/simulate", content=text, headers=headers | auth(ACME_RO))
    assert answered.status_code == 200, answered.text


def test_a_read_only_token_may_ask_everything_and_store_nothing(client: httpx.Client) -> None:
    cid = create(client, ACME)
    before = timeline(client, ACME, cid)
    listed = client.get("/contracts", headers=auth(ACME), params={"limit": 1000}).json()
    storing = {("POST", "/contracts"), ("POST", "/contracts/{id}/events")}
    seen = set()
    for method, path in operations(client):
        url, body = request_for(method, path, cid)
        response = client.request(method, url, json=body, headers=auth(ACME_RO))
        if (method, path) in storing:
            assert response.status_code == 403, (method, url, response.text)
            challenge = response.headers["www-authenticate"]
            assert 'error="insufficient_scope"' in challenge
            assert 'scope="write"' in challenge
            assert response.json()["error"]["place"] == "Authorization"
            seen.add((method, path))
        else:
            assert response.status_code == 200, (method, url, response.text)
    assert seen == storing
    assert timeline(client, ACME, cid) == before
    assert client.get("/contracts", headers=auth(ACME), params={"limit": 1000}).json() == listed


def test_a_write_only_token_may_store_but_not_read(client: httpx.Client) -> None:
    cid = create(client, ACME_WO)
    appended = client.post(
        f"/contracts/{cid}/events", json={"events": [LAUNCH]}, headers=auth(ACME_WO)
    )
    assert appended.status_code == 200, appended.text
    refused = client.get(f"/contracts/{cid}/timeline", headers=auth(ACME_WO))
    assert refused.status_code == 403
    assert 'scope="read"' in refused.headers["www-authenticate"]
    assert client.post("/decide", json={"action": LAUNCH}, headers=auth(ACME_WO)).status_code == 403
    assert [step["type"] for step in timeline(client, ACME, cid)] == ["product_launch"]


def test_the_openapi_document_says_every_operation_needs_a_bearer_token(
    client: httpx.Client,
) -> None:
    document = client.get("/openapi.json", headers=auth(ACME)).json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    for path, ops in document["paths"].items():
        for operation in ops.values():
            if path == "/healthz":
                assert operation["security"] == []
                assert "401" not in operation["responses"]
            else:
                assert {"401", "403"} <= set(operation["responses"]), path


# ---------------------------------------------------------------- tenants


def listed(client: httpx.Client, token: str) -> list[dict[str, Any]]:
    """Every contract the token's tenant sees, page after page."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1000} | ({"after": after} if after else {})
        response = client.get("/contracts", params=params, headers=auth(token))
        assert response.status_code == 200, response.text
        found += response.json()["contracts"]
        after = response.json()["next"]
        if after is None:
            return found


def test_a_contract_of_one_tenant_is_404_for_every_other(client: httpx.Client) -> None:
    cid = create(client, ACME, {"parameters": {"agi_trigger": "declared"}})
    first = client.post(f"/contracts/{cid}/events", json={"events": [DECLARED]}, headers=auth(ACME))
    assert first.status_code == 200
    before = timeline(client, ACME, cid)
    terms = client.get(f"/contracts/{cid}/terms", headers=auth(ACME)).json()
    others = [
        ("POST", f"/contracts/{cid}/events", {"events": [LAUNCH | {"date": "2030-01-01"}]}),
        ("POST", f"/contracts/{cid}/events", {"events": [], "expected_version": 1}),
        ("GET", f"/contracts/{cid}/terms", None),
        ("GET", f"/contracts/{cid}/timeline", None),
        ("GET", f"/contracts/{cid}/explain?term=ms_research_ip", None),
        ("POST", f"/contracts/{cid}/decide", {"action": LAUNCH | {"date": "2030-01-01"}}),
    ]
    for token in (GLOBEX, INITECH):
        for method, url, body in others:
            response = client.request(method, url, json=body, headers=auth(token))
            assert response.status_code == 404, (method, url, response.text)
            assert response.json()["error"]["place"] == "id"
        assert cid not in {c["id"] for c in listed(client, token)}
    assert timeline(client, ACME, cid) == before
    assert client.get(f"/contracts/{cid}/terms", headers=auth(ACME)).json() == terms
    assert cid in {c["id"] for c in listed(client, ACME)}
    assert cid in {c["id"] for c in listed(client, ACME_RO)}  # one tenant, another token


def test_contracts_stored_without_tokens_belong_to_no_tenant_that_a_token_has(
    tmp_path: Path, tokens_file: Path
) -> None:
    import agi_terms
    from agi_terms.interfaces.http.service import create_app
    from fastapi.testclient import TestClient

    db = tmp_path / "contracts.db"
    app = create_app(db)  # no tokens: every request is tenant ""
    with TestClient(app, base_url="http://127.0.0.1") as open_client:
        cid = open_client.post("/contracts", json={}).json()["id"]
        assert open_client.get("/contracts").json()["contracts"][0]["id"] == cid
    with agi_terms.open_store(db) as store:
        assert store.info(cid, tenant="").id == cid
    app = create_app(db, tokens=read_tokens(tokens_file))
    with TestClient(app, base_url="http://127.0.0.1") as http:
        assert http.get(f"/contracts/{cid}/timeline", headers=auth(ACME)).status_code == 404
        assert http.get("/contracts", headers=auth(ACME)).json() == {"contracts": [], "next": None}


# ---------------------------------------------------------------- paging


def test_the_tenants_contracts_are_listed_by_id_a_page_at_a_time(client: httpx.Client) -> None:
    made = {create(client, INITECH, {"parameters": {"agi_trigger": "declared"}} if i % 2 else {})
            for i in range(7)}  # fmt: skip
    one = sorted(made)[3]
    client.post(f"/contracts/{one}/events", json={"events": [DECLARED]}, headers=auth(INITECH))
    pages: list[list[dict[str, Any]]] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"after": after} if after else {})
        response = client.get("/contracts", params=params, headers=auth(INITECH))
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"contracts", "next"}
        pages.append(body["contracts"])
        after = body["next"]
        if after is None:
            break
        assert after == body["contracts"][-1]["id"]
    assert [len(page) for page in pages] == [3, 3, 1]
    every = [c for page in pages for c in page]
    assert [c["id"] for c in every] == sorted(made)
    by_id = {c["id"]: c for c in every}
    assert by_id[one]["version"] == 1
    assert {c["version"] for c in every if c["id"] != one} == {0}
    assert {c["agreement"] for c in every} == {"2025-10"}
    assert sum(c["parameters"] == {"agi_trigger": "declared"} for c in every) == 3
    exact = client.get("/contracts", params={"limit": 7}, headers=auth(INITECH)).json()
    assert (len(exact["contracts"]), exact["next"]) == (7, None)
    assert client.get("/contracts", params={"after": sorted(made)[-1]},
                      headers=auth(INITECH)).json() == {"contracts": [], "next": None}  # fmt: skip
    for params, place in [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"after": "no spaces allowed"}, "after"),
    ]:
        response = client.get("/contracts", params=params, headers=auth(INITECH))
        assert response.status_code == 422, params
        assert response.json()["error"]["place"] == place


# ---------------------------------------------------------------- idempotency keys


def test_a_repeated_create_with_its_key_answers_the_same_and_stores_one(
    client: httpx.Client,
) -> None:
    body = {"parameters": {"agi_trigger": "declared"}}
    key = {"Idempotency-Key": "create-7f3a9c"}
    before = len(listed(client, ACME))
    first = client.post("/contracts", json=body, headers=auth(ACME) | key)
    again = client.post("/contracts", json=body, headers=auth(ACME) | key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(listed(client, ACME)) == before + 1
    other = client.post("/contracts", json={}, headers=auth(ACME) | key)
    assert other.status_code == 422
    assert other.json()["error"]["place"] == "Idempotency-Key"
    assert len(listed(client, ACME)) == before + 1
    # Keys are per tenant: the same key names another request of another tenant.
    theirs = client.post("/contracts", json={}, headers=auth(GLOBEX) | key)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    # A read-only token's retry is refused as its first try was: the key is not consulted.
    assert client.post("/contracts", json=body, headers=auth(ACME_RO) | key).status_code == 403


def test_a_repeated_append_with_its_key_answers_the_same_and_stores_once(
    client: httpx.Client,
) -> None:
    cid = create(client, ACME)
    url = f"/contracts/{cid}/events"
    body = {"events": [DECLARED, LAUNCH | {"date": "2029-04-01"}], "expected_version": 0}
    key = {"Idempotency-Key": f"append-{cid}"}
    first = client.post(url, json=body, headers=auth(ACME) | key)
    assert first.status_code == 200, first.text
    later = client.post(url, json={"events": [LAUNCH | {"date": "2029-05-01"}]}, headers=auth(ACME))
    assert later.json()["version"] == 3
    # The retry of the first (its expected_version stale by now) answers as the first did.
    again = client.post(url, json=body, headers=auth(ACME) | key)
    assert (again.status_code, again.json()) == (200, first.json())
    steps = timeline(client, ACME, cid)
    assert [s["type"] for s in steps if s["type"] != "calendar"] == [
        "agi_declared", "product_launch", "product_launch",
    ]  # fmt: skip
    reused = client.post(url, json={"events": [LAUNCH | {"date": "2029-06-01"}]},
                         headers=auth(ACME) | key)  # fmt: skip
    assert reused.status_code == 422
    assert reused.json()["error"]["place"] == "Idempotency-Key"
    elsewhere = client.post(f"/contracts/{create(client, ACME)}/events", json=body,
                            headers=auth(ACME) | key)  # fmt: skip
    assert elsewhere.status_code == 422  # the key names an append to another contract
    assert timeline(client, ACME, cid) == steps
    # Another tenant's key of the same name touches nothing of acme's: its contract is unknown.
    assert client.post(url, json=body, headers=auth(GLOBEX) | key).status_code == 404
    assert timeline(client, ACME, cid) == steps


@pytest.mark.parametrize("key", [b"", b"two words", b"x" * 256, "café".encode("latin-1")])
def test_a_malformed_idempotency_key_is_422_and_stores_nothing(
    client: httpx.Client, key: bytes
) -> None:
    before = len(listed(client, ACME))
    response = client.post(
        "/contracts",
        json={},
        headers=[(b"Authorization", f"Bearer {ACME}".encode()), (b"Idempotency-Key", key)],
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["place"] == "Idempotency-Key"
    assert len(listed(client, ACME)) == before


# ---------------------------------------------------------------- limits


def test_the_default_limits_are_spec_s_one_mib_and_1000_events(client: httpx.Client) -> None:
    from agi_terms.interfaces.http.service import ServiceLimits

    assert (ServiceLimits().max_body_bytes, ServiceLimits().max_events) == (1024 * 1024, 1000)
    cid = create(client, ACME)
    url = f"/contracts/{cid}/events"
    purchase = {"date": "2027-01-01", "type": "azure_purchase", "amount_usd": 1.0}
    too_many = client.post(url, json={"events": [purchase] * 1001}, headers=auth(ACME))
    assert too_many.status_code == 422
    assert too_many.json()["error"] == {
        "place": "events", "message": "at most 1,000 events in one append, got 1,001",
    }  # fmt: skip
    assert timeline(client, ACME, cid) == []
    most = client.post(url, json={"events": [purchase] * 1000}, headers=auth(ACME))
    assert (most.status_code, most.json()["version"]) == (200, 1000)
    # A body of exactly 1 MiB is read; one byte more is 413, announced or streamed.
    head = b'{"events": []'
    exact = head + b" " * (1024 * 1024 - len(head) - 1) + b"}"
    headers = auth(ACME) | {"content-type": "application/json"}
    read = client.post(url, content=exact, headers=headers)
    assert (read.status_code, read.json()["version"]) == (200, 1000)
    over = exact[:-1] + b" }"
    assert client.post(url, content=over, headers=headers).status_code == 413

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(over), 64 * 1024):
            yield over[start : start + 64 * 1024]

    streamed = client.post(url, content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert "1 MiB" in streamed.json()["error"]["message"]
    assert len(timeline(client, ACME, cid)) == 1000
    assert client.get("/healthz").status_code == 200


# ---------------------------------------------------------------- readiness


def test_readyz_is_503_when_the_sqlite_store_is_broken(tmp_path: Path, tokens_file: Path) -> None:
    import sqlite3

    from agi_terms.interfaces.http.service import create_app
    from fastapi.testclient import TestClient

    db = tmp_path / "contracts.db"
    app = create_app(db, tokens=read_tokens(tokens_file))
    with TestClient(app, base_url="http://127.0.0.1") as http:
        assert http.get("/readyz").status_code == 401  # not one of the open paths
        ready = http.get("/readyz", headers=auth(ACME_RO))
        assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
        with sqlite3.connect(db) as con:  # another process damages the file's layout
            con.execute("DROP TABLE schema_version")
        broken = http.get("/readyz", headers=auth(ACME_RO))
        assert broken.status_code == 503, broken.text
        assert set(broken.json()["error"]) == {"place", "message"}
        assert http.get("/healthz").json() == {"status": "ok"}  # the process still serves


class CutProxy:
    """A TCP proxy from a loopback port to ``target``, whose connections can be cut and restored:
    a database that stops answering and comes back, as the service sees it."""

    def __init__(self, target: tuple[str, int]) -> None:
        import socket
        import threading

        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.open = threading.Event()
        self.open.set()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()

    def cut(self) -> None:
        """Refuse new connections and drop those open."""
        import socket

        self.open.clear()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self.sockets.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> str:
    """The tests' PostgreSQL database (conftest's ``postgres_url``: a schema of its own)."""
    try:
        return str(request.getfixturevalue("postgres_url"))
    except pytest.FixtureLookupError:
        pytest.skip("this checkout has no PostgreSQL store (no postgres_url fixture in conftest)")


def test_readyz_is_503_while_postgresql_does_not_answer_and_200_when_it_is_back(
    postgres_database: str, tokens_file: Path
) -> None:
    import time
    import urllib.parse

    import agi_terms
    from agi_terms.interfaces.http.service import ServiceLimits, create_app
    from fastapi.testclient import TestClient

    parts = urllib.parse.urlsplit(postgres_database)
    proxy = CutProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    through = parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}")
    joiner = "&" if through.query else ""
    url = urllib.parse.urlunsplit(
        through._replace(query=f"{through.query}{joiner}connect_timeout=3")
    )
    # A request waits 5 s for a connection; /readyz says 503 after 1 s without an answer.
    store = agi_terms.open_store(url, timeout=5)
    try:
        app = create_app(
            store, tokens=read_tokens(tokens_file), limits=ServiceLimits(ready_timeout=1)
        )
        with TestClient(app, base_url="http://127.0.0.1") as http:
            cid = create(http, ACME)
            assert http.get("/readyz", headers=auth(ACME_RO)).status_code == 200
            proxy.cut()
            down = http.get("/readyz", headers=auth(ACME_RO))
            assert down.status_code == 503, down.text
            assert "did not answer" in down.json()["error"]["message"]
            stored = http.get(f"/contracts/{cid}/timeline", headers=auth(ACME))
            assert stored.status_code == 503, stored.text
            assert http.get("/healthz").status_code == 200
            proxy.restore()
            for _ in range(30):  # the pool reconnects in the background
                if http.get("/readyz", headers=auth(ACME_RO)).status_code == 200:
                    break
                time.sleep(0.5)
            assert http.get("/readyz", headers=auth(ACME_RO)).status_code == 200
            assert timeline(http, ACME, cid) == []
    finally:
        store.close()
        proxy.close()


# ---------------------------------------------------------------- the access log


def test_one_log_line_per_request_names_the_tenant_and_never_the_token(
    client: httpx.Client, log: io.StringIO
) -> None:
    start = len(log.getvalue())
    cid = create(client, GLOBEX)
    client.get(f"/contracts/{cid}/terms", params={"date": "2030-01-01"}, headers=auth(GLOBEX))
    client.post("/contracts", json={}, headers=auth(ACME_RO))
    client.get(f"/contracts/{cid}/timeline", headers=auth("wrong-token-value"))
    client.get("/healthz")
    lines = [json.loads(line) for line in log.getvalue()[start:].splitlines()]
    assert [(r["method"], r["path"], r["status"], r["tenant"]) for r in lines] == [
        ("POST", "/contracts", 201, "globex"),
        ("GET", f"/contracts/{cid}/terms", 200, "globex"),
        ("POST", "/contracts", 403, "acme"),
        ("GET", f"/contracts/{cid}/timeline", 401, None),
        ("GET", "/healthz", 200, None),
    ]
    for record in lines:
        assert list(record) == ["method", "path", "status", "ms", "tenant"]
    written = log.getvalue()
    for token in [*TOKENS, "wrong-token-value"]:
        assert token not in written
    assert "2030-01-01" not in written


# ---------------------------------------------------------------- the tokens file


BAD_FILES = [
    ("not a mapping", "- a\n- b\n", "", "line 1"),
    ("another key", "tokens: []\nusers: []\n", "", "one key"),
    ("tokens not a list", "tokens: {a: 1}\n", "tokens", "list"),
    ("an entry not a mapping", "tokens:\n  - just a name\n", "tokens[0]", "mapping"),
    ("a token in the file", "tokens:\n  - {name: a, tenant: t, scopes: [read], token: abc}\n",
     "tokens[0].token", "never the token"),
    ("no sha256", "tokens:\n  - {name: a, tenant: t, scopes: [read]}\n", "tokens[0]", "sha256"),
    ("short sha256", "tokens:\n  - {name: a, tenant: t, scopes: [read], sha256: abc}\n",
     "tokens[0].sha256", "64 hex"),
    ("unknown scope", "tokens:\n  - {name: a, tenant: t, scopes: [read, admin], sha256: " + "a" * 64
     + "}\n", "tokens[0].scopes[1]", "admin"),
    ("no scopes", "tokens:\n  - {name: a, tenant: t, scopes: [], sha256: " + "a" * 64 + "}\n",
     "tokens[0].scopes", "non-empty"),
    ("blank tenant", "tokens:\n  - {name: a, tenant: '', scopes: [read], sha256: " + "a" * 64
     + "}\n", "tokens[0].tenant", "tenant"),
    ("unknown key", "tokens:\n  - {name: a, tenant: t, scopes: [read], sha256: " + "a" * 64
     + ", admin: true}\n", "tokens[0].admin", "unknown key"),
    ("two entries, one digest", "tokens:\n  - {name: a, tenant: t, scopes: [read], sha256: "
     + "a" * 64 + "}\n  - {name: b, tenant: u, scopes: [read], sha256: " + "A" * 64 + "}\n",
     "tokens[1].sha256", "second entry"),
    ("two entries, one name", "tokens:\n  - {name: a, tenant: t, scopes: [read], sha256: "
     + "a" * 64 + "}\n  - {name: a, tenant: u, scopes: [read], sha256: " + "b" * 64 + "}\n",
     "tokens[1].name", "second entry"),
    ("YAML syntax", "tokens: [\n", "", "YAML syntax"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "text", "place", "says"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_a_bad_tokens_file_is_refused_naming_the_file_and_place(
    tmp_path: Path, label: str, text: str, place: str, says: str
) -> None:
    from agi_terms.interfaces.main import main
    from click.testing import CliRunner

    path = tmp_path / "tokens.yaml"
    path.write_text(text)
    db = tmp_path / "contracts.db"
    result = CliRunner().invoke(
        main, ["serve", "--db", str(db), "--port", "0", "--tokens", str(path)]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: {place}{': ' if place else ''}"), lines[0]
    assert says in lines[0]
    assert "Traceback" not in result.output
    assert not db.exists()


def test_a_missing_tokens_file_is_one_error_line(tmp_path: Path) -> None:
    from agi_terms.interfaces.main import main
    from click.testing import CliRunner

    missing = tmp_path / "no-such.yaml"
    result = CliRunner().invoke(
        main, ["serve", "--db", str(tmp_path / "c.db"), "--tokens", str(missing)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {missing}: ")
    assert len(result.stderr.splitlines()) == 1


def test_a_tokens_file_entry_gives_its_grant_and_nothing_else(tokens_file: Path) -> None:
    tokens = read_tokens(tokens_file)
    assert len(tokens) == len(TOKENS)
    for token, (tenant, scopes) in TOKENS.items():
        grant = tokens.grant_for(token)
        assert grant is not None
        assert (grant.tenant, grant.scopes) == (tenant, frozenset(scopes))
        assert tokens.grant_for(token[:-1]) is None
        assert tokens.grant_for(token + " ") is None
        assert tokens.grant_for(token.upper()) is None
    assert token not in tokens_file.read_text()
    assert "acme" in repr(tokens.grants[0])
    assert ACME not in repr(tokens)


# ---------------------------------------------------------------- token new


def test_token_new_prints_a_token_that_its_printed_entry_authorises(tmp_path: Path) -> None:
    from agi_terms.interfaces.main import main
    from click.testing import CliRunner

    made = []
    for args in (
        ["--tenant", "acme", "--scopes", "read,write", "--name", "billing: nightly"],
        ["--tenant", "globex"],
    ):
        result = CliRunner().invoke(main, ["token", "new", *args])
        assert result.exit_code == 0, result.output
        token, line = result.stdout.splitlines()
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
        assert token not in line
        assert token not in result.stderr
        made.append((token, line))
    assert made[0][0] != made[1][0]
    path = tmp_path / "tokens.yaml"
    path.write_text("tokens:\n" + "".join(line + "\n" for _, line in made))
    tokens = read_tokens(path)
    first, second = (tokens.grant_for(token) for token, _ in made)
    assert first is not None
    assert second is not None
    assert (first.name, first.tenant, first.scopes) == (
        "billing: nightly", "acme", frozenset({"read", "write"}),
    )  # fmt: skip
    assert (second.tenant, second.scopes) == ("globex", frozenset({"read"}))


@pytest.mark.parametrize(
    "args",
    [
        ["--tenant", "acme", "--scopes", "admin"],
        ["--tenant", "acme", "--scopes", ""],
        ["--tenant", "", "--scopes", "read"],
        ["--tenant", "a b"],
        ["--scopes", "read"],
    ],
)
def test_token_new_refuses_bad_options(args: list[str]) -> None:
    from agi_terms.interfaces.main import main
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["token", "new", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- loopback without tokens


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "example.com"])
def test_serve_without_tokens_refuses_an_address_other_than_loopback(
    tmp_path: Path, host: str
) -> None:
    db = tmp_path / "contracts.db"
    result = subprocess.run(
        [sys.executable, "-m", "agi_terms", "serve", "--db", str(db), "--host", host, "--port",
         "0"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: --host: without --tokens")
    assert "--insecure-no-auth" in lines[0]
    assert host in lines[0]
    assert not db.exists()


def test_serve_refuses_tokens_and_insecure_no_auth_together(
    tmp_path: Path, tokens_file: Path
) -> None:
    from agi_terms.interfaces.main import main
    from click.testing import CliRunner

    result = CliRunner().invoke(
        main,
        ["serve", "--db", str(tmp_path / "c.db"), "--tokens", str(tokens_file),
         "--insecure-no-auth"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --insecure-no-auth: ")


def test_is_loopback() -> None:
    from agi_terms.interfaces.http.command import is_loopback

    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "10.0.0.1", "example.com", "localhost.example.com", ""):
        assert not is_loopback(host), host


def test_insecure_no_auth_serves_any_address_and_says_so(tmp_path: Path) -> None:
    with Server(tmp_path / "open.db", "--host", "0.0.0.0", "--insecure-no-auth") as server:
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.post("/contracts", json={}).status_code == 201
        assert server.stop() == 0


# ---------------------------------------------------------------- a real server with tokens


def test_a_served_process_checks_tokens_and_logs_tenants_without_them(
    tmp_path: Path, tokens_file: Path
) -> None:
    with Server(tmp_path / "served.db", "--tokens", str(tokens_file)) as server:
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            assert http.post("/contracts", json={}).status_code == 401
            assert http.post("/contracts", json={}, headers=auth(ACME_RO)).status_code == 403
            cid = create(http, ACME)
            assert http.get(f"/contracts/{cid}/timeline", headers=auth(GLOBEX)).status_code == 404
            assert http.get("/readyz", headers=auth(ACME)).json() == {"status": "ok"}
            # A big body without a token is refused from its headers; the server goes on.
            huge = b"{" + b" " * (3 * 1024 * 1024) + b"}"
            refused = http.post("/contracts", content=huge,
                                headers={"content-type": "application/json"})  # fmt: skip
            assert refused.status_code == 401
            assert http.get("/healthz").status_code == 200
        assert server.stop() == 0
    lines = [json.loads(line) for line in server.stderr.splitlines()]
    while lines and lines[0]["path"] == "/healthz":  # Server.start asks until it answers
        lines.pop(0)
    assert [(r["status"], r["tenant"]) for r in lines] == [
        (401, None), (403, "acme"), (201, "acme"), (404, "globex"), (200, "acme"), (401, None),
        (200, None),
    ]  # fmt: skip
    for token in TOKENS:
        assert token not in server.stderr


def test_the_readme_s_deployment_section_names_every_option_of_serve() -> None:
    from agi_terms.interfaces.http.command import serve

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = text[text.index("### Deploying") : text.index("## Monte Carlo")]
    limits = text[text.index("### Limits on every door") : text.index("### Deploying")]
    for option in serve.params:
        for name in option.opts:
            assert f"`{name}" in section or f"`{name}`" in limits, name
    for line in ("agi-terms token new --tenant", "--tokens tokens.yaml", "Idempotency-Key"):
        assert line in section


def test_serve_says_whether_it_checks_tokens() -> None:
    from agi_terms.interfaces.http.access_log import listening_line

    line = listening_line("http://127.0.0.1:8000", "contracts.db", "tokens.yaml")
    assert line.endswith(
        "listening on http://127.0.0.1:8000 (store contracts.db, tokens tokens.yaml)"
    )
    assert listening_line("http://127.0.0.1:8000", "c.db").endswith("(store c.db, no tokens)")


def test_two_replicas_on_postgresql_share_tenants_and_idempotency_keys(
    postgres_database: str, tokens_file: Path
) -> None:
    """A retry that reaches the other replica answers as the first did; tenants hold across both."""
    replicas = [Server(postgres_database, "--tokens", str(tokens_file)) for _ in range(2)]
    try:
        for replica in replicas:
            replica.start()
        one, two = (httpx.Client(base_url=r.url, timeout=30) for r in replicas)
        with one, two:
            key = {"Idempotency-Key": "replicated-create"}
            first = one.post("/contracts", json={}, headers=auth(ACME) | key)
            again = two.post("/contracts", json={}, headers=auth(ACME) | key)
            assert first.status_code == again.status_code == 201
            cid = first.json()["id"]
            assert again.json()["id"] == cid
            body = {"events": [DECLARED], "expected_version": 0}
            key = {"Idempotency-Key": "replicated-append"}
            appended = two.post(f"/contracts/{cid}/events", json=body, headers=auth(ACME) | key)
            retried = one.post(f"/contracts/{cid}/events", json=body, headers=auth(ACME) | key)
            assert appended.status_code == 200, appended.text
            assert retried.json() == appended.json()
            for http in (one, two):
                assert [c["id"] for c in listed(http, ACME)] == [cid]
                assert listed(http, GLOBEX) == []
                assert http.get(f"/contracts/{cid}/terms", headers=auth(GLOBEX)).status_code == 404
                steps = timeline(http, ACME, cid)
                assert [s["type"] for s in steps if s["type"] != "calendar"] == ["agi_declared"]
                assert http.get("/readyz", headers=auth(ACME_RO)).status_code == 200
        for replica in replicas:
            assert replica.stop() == 0, replica.stderr
            assert ACME not in replica.stderr
    finally:
        for replica in replicas:
            replica.__exit__()


def test_a_method_not_served_is_405_naming_every_method_of_the_path(client: httpx.Client) -> None:
    for method, url, allowed in [
        ("OPTIONS", "/contracts", "GET, POST"),
        ("DELETE", "/contracts", "GET, POST"),
        ("PUT", "/contracts/x/events", "POST"),
    ]:
        response = client.request(method, url, headers=auth(ACME))
        assert response.status_code == 405
        assert response.headers["allow"] == allowed
