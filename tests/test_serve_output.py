"""What ``agi-terms serve`` tells its operator: the URL, one JSON line per request (SPEC §11
*Dec 2026*: method, path, status, milliseconds, tenant; never a token), and a busy port as one
``error:`` line."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("uvicorn")

TOKEN = "s3cret-bearer-token-value"


def start(db: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agi_terms", "serve", "--db", str(db), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_prints_its_url_and_one_json_line_per_request(tmp_path: Path) -> None:
    proc = start(tmp_path / "contracts.db")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        prefix = "agi-terms serve: listening on http://127.0.0.1:"
        assert first.startswith(prefix), first
        url = first.split(" ")[4]
        assert int(url.rsplit(":", 1)[1]) > 0  # the port --port 0 was given
        with httpx.Client(base_url=url, timeout=30) as client:
            created = client.post("/contracts", json={})
            cid = created.json()["id"]
            headers = {"Authorization": f"Bearer {TOKEN}"}
            client.get(f"/contracts/{cid}/terms", params={"date": "2030-01-01"}, headers=headers)
            client.get("/contracts/no-such-contract/timeline", headers=headers)
            client.post(f"/contracts/{cid}/events", json={"events": [{"date": "x"}]})
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(r["method"], r["path"], r["status"]) for r in lines] == [
        ("POST", "/contracts", 201),
        ("GET", f"/contracts/{cid}/terms", 200),
        ("GET", "/contracts/no-such-contract/timeline", 404),
        ("POST", f"/contracts/{cid}/events", 422),
    ]
    for record in lines:
        assert list(record) == ["method", "path", "status", "ms", "tenant"]
        assert record["tenant"] is None  # no --tokens: no tenant
        assert isinstance(record["ms"], float)
        assert record["ms"] >= 0
    assert TOKEN not in err
    assert "2030-01-01" not in err  # no query string either


def test_a_busy_port_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        db = tmp_path / "contracts.db"
        proc = subprocess.run(
            [sys.executable, "-m", "agi_terms", "serve", "--db", str(db), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: --port: cannot listen on 127.0.0.1:{port}: ")
    assert "in use" in lines[0]
    assert not db.exists()  # refused before the store was opened or created


def test_a_request_that_fails_inside_is_logged_as_500() -> None:
    from agi_terms.interfaces.http.access_log import AccessLog

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        scope["state"]["tenant"] = "acme"
        raise RuntimeError("boom")

    async def send(message: Any) -> None:
        pass

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    stream = io.StringIO()
    scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"token=1",
             "headers": [(b"authorization", f"Bearer {TOKEN}".encode())], "state": {}}  # fmt: skip
    with pytest.raises(RuntimeError):
        asyncio.run(AccessLog(broken, stream)(scope, receive, send))
    record = json.loads(stream.getvalue())
    assert record["status"] == 500
    assert record["tenant"] == "acme"  # what the application put in the request's state
    assert TOKEN not in stream.getvalue()
