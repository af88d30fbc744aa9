"""Hostile input, tried as an attacker would: every case against the CLI and a started server.

    python simulations/hostile.py [--only NAME]

prints one table row per case: what was done, the exit status (CLI) or HTTP status (service), the
seconds it took, the peak memory of the process that read it (the command, or the server during
the case) and, for the service, whether the next request to the same server succeeded. The exit
status is 1 when a case ends otherwise than expected. Figures only: the targets (under 2 s and
200 MB, one clear error, the server answering the next request) are printed beside them.

The corpus of files is ``tests/hostile/`` (``cases.yaml`` gives each file's command, exit and
message); what is too large or too odd to keep as a file (nesting 28,000 deep, an alias bomb, a
link to /dev/zero, a FIFO, a 17 MiB file, a damaged store) is made here. ``tests/test_hostile.py``
runs the same cases and asserts what each must answer.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "hostile"
sys.path.insert(0, str(ROOT / "tests"))

import service_server  # noqa: E402

DEEP = 28_000
"""Nesting that overflowed the stack of the YAML C parser (about 28,000 levels, 60 KB)."""
SECONDS_TARGET = 2.0
MEGABYTES_TARGET = 200.0
SERVER_TIMEOUT = 1.0
"""The header and body timeouts the server is started with here (the defaults are 10 s and 30 s)."""

GOOD_SCENARIO = "events:\n  - {date: 2026-05-01, type: product_launch, kind: api, cloud: aws}\n"
ASSUMPTIONS = """runs: 10
seed: 7
horizon: 2040-12-31
sample: yearly
declaration: {probability: 0.6, between: [2026-01-01, 2040-12-31]}
panel: {verify_probability: 0.7, review_days: [30, 365]}
redeclaration: {probability: 0.5, after_days: [180, 1080]}
"""


# ---------------------------------------------------------------- the command line


@dataclasses.dataclass(frozen=True)
class CliCase:
    """``agi-terms ARGS`` and what it must answer: ``exit``, and the start of the one ``error:``
    line after the file's name (exit 2), or what stdout must (``show``) and must not (``forbid``)
    hold (exit 0)."""

    name: str
    args: tuple[str, ...]
    exit: int = 2
    error: str | None = None
    forbid: tuple[str, ...] = ()
    show: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a case answered, how long it took and the peak memory it cost."""

    status: int
    message: str
    seconds: float
    megabytes: float
    stdout: str = ""
    stderr: str = ""
    next_ok: bool | None = None


def _deep_flow(depth: int) -> str:
    return "events: " + "[" * depth + "]" * depth + "\n"


def _laughs() -> str:
    """The "billion laughs": nine levels of nine aliases each, 353 bytes, 9**9 strings expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join([*lines, "events: []"]) + "\n"


def make_cli_files(folder: Path) -> None:
    """The generated files of the CLI cases, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.yaml").write_text(GOOD_SCENARIO)
    (folder / "deep-flow.yaml").write_text(_deep_flow(DEEP))
    (folder / "deep-block.yaml").write_text("events:\n  " + "- " * DEEP + "x\n")
    (folder / "deep-map.yaml").write_text("events: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n")
    (folder / "deep-assumptions.yaml").write_text(
        ASSUMPTIONS.replace("sample: yearly", "sample: " + "[" * DEEP + "]" * DEEP)
    )
    (folder / "laughs.yaml").write_text(_laughs())
    (folder / "assumptions.yaml").write_text(ASSUMPTIONS)
    with open(folder / "sparse-17MiB.yaml", "wb") as sparse:
        sparse.truncate(17 * 1024 * 1024)
    for name in ("dev-zero.yaml", "fifo.yaml"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(folder / name)
    os.symlink("/dev/zero", folder / "dev-zero.yaml")
    os.mkfifo(folder / "fifo.yaml")
    _make_stores(folder)


def _make_stores(folder: Path) -> None:
    """Damaged stores for ``serve``: empty, truncated, a damaged schema record, garbage."""
    (folder / "empty.db").write_bytes(b"")
    good = folder / "good.db"
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{good}{suffix}")
    subprocess.run([sys.executable, "-c", _STORE_MAKER, str(good)], check=True, capture_output=True)
    data = good.read_bytes()
    (folder / "truncated.db").write_bytes(data[: len(data) // 2])
    at = data.find(b"CREATE TABLE events")
    (folder / "schema-damaged.db").write_bytes(
        data[:at] + b"CREATE TABLE evXnts" + data[at + len(b"CREATE TABLE evXnts") :]
    )
    (folder / "garbage.db").write_bytes(b"SQLite format 3\x00" + b"\xa5" * 8192)


_STORE_MAKER = """
import sqlite3, sys
import agi_terms
with agi_terms.open_store(sys.argv[1]) as store:
    for k in range(20):
        cid = store.create()
        store.append(cid, [{"date": "2026-01-01", "type": "azure_purchase", "amount_usd": 1e9}] * 5)
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA journal_mode=DELETE")
con.close()
"""


def corpus_cases() -> list[CliCase]:
    """The cases of ``tests/hostile/cases.yaml``."""
    sys.path.insert(0, str(ROOT / "engine"))
    from agi_terms.documents import read_yaml

    cases = []
    for entry in read_yaml(CORPUS / "cases.yaml").data:
        command = entry["command"].split()
        file = str(CORPUS / entry["file"])
        name = f"{entry['file']} ({' '.join(command)})"
        cases.append(
            CliCase(
                name,
                (*command, file),
                exit=entry.get("exit", 2),
                error=entry.get("error"),
                forbid=tuple(entry.get("forbid", ())),
                show=tuple(entry.get("show", ())),
            )
        )
    return cases


def cli_cases(folder: Path) -> list[CliCase]:
    """Every CLI case; the generated ones read their files from ``folder`` (``make_cli_files``)."""
    f = {name: str(folder / name) for name in os.listdir(folder)} if folder.is_dir() else {}

    def at(name: str) -> str:
        return f.get(name, str(folder / name))

    deep_set = "agi_trigger=" + "[" * DEEP + "]" * DEEP
    nesting = "YAML: nested more than 64 levels deep"
    cases = [
        CliCase("nesting 28,000 deep, flow", ("simulate", at("deep-flow.yaml")),
                error=f"line 1, column 72: {nesting}"),
        CliCase("nesting 28,000 deep, block", ("simulate", at("deep-block.yaml")),
                error=f"line 2, column 129: {nesting}"),
        CliCase("nesting 28,000 deep, mappings", ("simulate", at("deep-map.yaml")),
                error=f"line 1, column 261: {nesting}"),
        CliCase("nesting 28,000 deep, assumptions", ("montecarlo", at("deep-assumptions.yaml")),
                error=f"line 4, column 72: {nesting}"),
        CliCase("nesting 28,000 deep, --set", ("simulate", at("good.yaml"), "--set", deep_set),
                error=f"line 1, column 65: {nesting}"),
        CliCase("billion laughs (353 bytes)", ("simulate", at("laughs.yaml")),
                error="line 6, column 8: YAML: the aliases expand to more than 100,000 nodes"),
        CliCase("symlink to /dev/zero", ("simulate", at("dev-zero.yaml")),
                error="not a regular file (a device)"),
        CliCase("FIFO with no writer", ("simulate", at("fifo.yaml")),
                error="not a regular file (a named pipe)"),
        CliCase("17 MiB file", ("simulate", at("sparse-17MiB.yaml")),
                error="the file is larger than the limit of 16 MiB"),
        CliCase("--max-input-size 64 bytes", ("--max-input-size", "64", "simulate", at("good.yaml")),
                error="the file is larger than the limit of 64 bytes"),
        CliCase("--workers 300 for one chunk",
                ("montecarlo", at("assumptions.yaml"), "--workers", "300", "--format", "json"),
                exit=0, show=('"runs": 10',)),
        CliCase("serve: 0-byte database", ("serve", "--db", at("empty.db"), "--port", "1"),
                error="not an agi-terms store (an empty file"),
        CliCase("serve: truncated database", ("serve", "--db", at("truncated.db"), "--port", "1"),
                error="database disk image is malformed"),
        CliCase("serve: damaged schema record",
                ("serve", "--db", at("schema-damaged.db"), "--port", "1"),
                error="cannot open the store: malformed database schema"),
        CliCase("serve: garbage database", ("serve", "--db", at("garbage.db"), "--port", "1"),
                error="cannot open the store: file is not a database"),
    ]  # fmt: skip
    return cases + corpus_cases()


def _environment() -> dict[str, str]:
    env = dict(os.environ, COLUMNS="80")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "engine"), env.get("PYTHONPATH")]))
    return env


def run_cli(case: CliCase, timeout: float = 120.0) -> Outcome:
    """Run the case in a new process; its exit, first stderr line, seconds and peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "agi_terms", *case.args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=_environment(),
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    first = stderr.splitlines()[0] if stderr.strip() else ""
    return Outcome(
        proc.returncode, first, seconds, usage.ru_maxrss / 1024, stdout=stdout, stderr=stderr
    )


def cli_problems(case: CliCase, outcome: Outcome) -> list[str]:
    """How ``outcome`` differs from what ``case`` must answer (nothing when it is as expected)."""
    problems = []
    if outcome.status != case.exit:
        problems.append(f"exit {outcome.status}, not {case.exit}")
    lines = outcome.stderr.strip().splitlines()
    if case.exit == 2:
        if len(lines) != 1 or not lines[0].startswith("error: "):
            problems.append(f"stderr is not one error line: {outcome.stderr[-300:]!r}")
        elif case.error is not None and case.error not in lines[0]:
            problems.append(f"the error does not say {case.error!r}: {lines[0]!r}")
    if "Traceback" in outcome.stderr:
        problems.append("a traceback")
    problems += [f"stdout holds {bad!r}" for bad in case.forbid if bad in outcome.stdout]
    problems += [f"stdout lacks {want!r}" for want in case.show if want not in outcome.stdout]
    return problems


# ---------------------------------------------------------------- the service


class Server(service_server.Server):
    """``agi-terms serve`` on a free loopback port (the test suite's), and its peak memory."""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> Server:
        self.start()
        return self

    def reset_peak(self) -> None:
        """Start measuring the server's peak memory afresh (Linux: /proc/PID/clear_refs)."""
        with contextlib.suppress(OSError), open(f"/proc/{self.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def peak_megabytes(self) -> float:
        with contextlib.suppress(OSError), open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def request(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    connection: Any = None,
) -> tuple[int, dict[str, Any]]:
    """One HTTP request with the standard library; the status and the JSON answer."""
    import http.client

    host, port = url.removeprefix("http://").split(":")
    con = connection or http.client.HTTPConnection(host, int(port), timeout=30)
    con.request(method, path, body=body, headers=headers or {})
    answer = con.getresponse()
    data = answer.read()
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {"raw": data[:200].decode(errors="replace")}
    if connection is None:
        con.close()
    return answer.status, parsed if isinstance(parsed, dict) else {"value": parsed}


def _json(data: object) -> tuple[bytes, dict[str, str]]:
    return json.dumps(data).encode(), {"content-type": "application/json"}


@dataclasses.dataclass(frozen=True)
class ServiceCase:
    """A hostile request (or many) to a running server, and the status it must answer."""

    name: str
    run: Callable[[Server, str], tuple[int, str]]
    status: int
    message: str = ""


def _body_case(
    path: str, body: bytes, content_type: str | None = "application/json"
) -> Callable[[Server, str], tuple[int, str]]:
    def run(server: Server, cid: str) -> tuple[int, str]:
        headers = {"content-type": content_type} if content_type else {}
        status, answer = request(server.url, "POST", path.format(cid=cid), body, headers)
        return status, answer.get("error", {}).get("message", json.dumps(answer)[:120])

    return run


def _events(amounts: list[float], start: int = 1) -> list[dict[str, Any]]:
    """Azure purchases of ``amounts``, a day apart from 2026-01-01 plus ``start`` days."""
    first = dt.date(2026, 1, 1) + dt.timedelta(days=start)
    return [
        {"date": (first + dt.timedelta(days=i)).isoformat(), "type": "azure_purchase",
         "amount_usd": a}
        for i, a in enumerate(amounts)
    ]  # fmt: skip


def _overflow(server: Server, cid: str) -> tuple[int, str]:
    """1e308 twice is refused at the second; then an append across a snapshot still succeeds."""
    fresh = request(server.url, "POST", "/contracts", *_json({}))[1]["id"]
    url = f"/contracts/{fresh}/events"
    first, _ = request(server.url, "POST", url, *_json({"events": _events([1e308], 0)}))
    status, answer = request(server.url, "POST", url, *_json({"events": _events([1e308], 1)}))
    after, _ = request(server.url, "POST", url, *_json({"events": _events([1.0] * 150, 2)}))
    if (first, after) != (200, 200):
        return 500, f"the contract is poisoned: first {first}, later {after}"
    return status, answer["error"]["message"]


def _agreements(count: int) -> Callable[[Server, str], tuple[int, str]]:
    def run(server: Server, cid: str) -> tuple[int, str]:
        import http.client

        con = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        statuses = set()
        for i in range(count):
            body = {"parameters": {"azure_commitment_usd": 1e9 + i}}
            statuses.add(request(server.url, "POST", "/contracts", *_json(body), connection=con)[0])
        con.close()
        status = 201 if statuses == {201} else max(statuses)
        return status, f"{count} contracts, each its own parameter set"

    return run


def _slow(count: int, payload: bytes, expect: bytes) -> Callable[[Server, str], tuple[int, str]]:
    """``count`` connections that send ``payload`` and then nothing: each must be answered
    ``expect`` and closed by the server. A normal request meanwhile is answered too (503 while the
    slow ones fill the connection cap)."""

    def run(server: Server, cid: str) -> tuple[int, str]:
        sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", server.port))
            if payload:
                sock.sendall(payload)
            sockets.append(sock)
        meanwhile, _ = request(server.url, "GET", f"/contracts/{cid}/terms")
        answered = 0
        for sock in sockets:
            sock.settimeout(SERVER_TIMEOUT + 10)
            try:
                data = sock.recv(200)
                answered += data.startswith(expect)
            except OSError:
                pass
            sock.close()
        status = int(expect.split()[1]) if answered == count and meanwhile in (200, 503) else 0
        return status, f"{answered} of {count} answered {expect.decode()}; meanwhile {meanwhile}"

    return run


def _idle(count: int, cap: int) -> Callable[[Server, str], tuple[int, str]]:
    """``count`` idle connections: those past ``cap`` are answered 503 at once, the others 408
    when the header timeout passes (a slot freed by a timeout may take one more); the server's
    open files stay near ``cap``; afterwards it answers as before."""

    def run(server: Server, cid: str) -> tuple[int, str]:
        sockets = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(count)]
        opened = time.monotonic()
        files = -1
        # The open files once the server has answered the connections past the cap (it may
        # still be accepting them), before the header timeout frees the others.
        while time.monotonic() - opened < 0.9 * SERVER_TIMEOUT:
            with contextlib.suppress(OSError):
                files = len(os.listdir(f"/proc/{server.pid}/fd"))
            if 0 <= files <= cap + 100:
                break
            time.sleep(0.05)
        answers: dict[bytes, int] = {}
        for sock in sockets:
            sock.settimeout(SERVER_TIMEOUT + 10)
            try:
                code = sock.recv(200)[9:12]
            except OSError:
                code = b"---"
            answers[code] = answers.get(code, 0) + 1
            sock.close()
        shown = ", ".join(f"{n} {c.decode()}" for c, n in sorted(answers.items()))
        refused, timed_out = answers.get(b"503", 0), answers.get(b"408", 0)
        ok = refused + timed_out == count and refused >= count - 2 * cap
        return (503 if ok else 0), f"{shown}; the server had {files} files open"

    return run


def _damaged_row(server: Server, cid: str) -> tuple[int, str]:
    """A stored row damaged under the running server: 503, and the same connection goes on."""
    import http.client

    fresh = request(server.url, "POST", "/contracts", *_json({}))[1]["id"]
    with sqlite3.connect(server.db) as con:
        con.execute("UPDATE contracts SET parameters = '{' WHERE id = ?", (fresh,))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    status, answer = request(server.url, "GET", f"/contracts/{fresh}/terms", connection=connection)
    again, _ = request(server.url, "GET", f"/contracts/{cid}/terms", connection=connection)
    connection.close()
    message = answer.get("error", {}).get("message", "")
    return (status if again == 200 else 0), f"{message}; same connection next: {again}"


def _docs(server: Server, cid: str) -> tuple[int, str]:
    status, _ = request(server.url, "GET", "/docs")
    return status, "no page that loads scripts from a CDN"


def service_cases(cap: int) -> list[ServiceCase]:
    """Every service case, for a server started with ``--max-connections cap``."""
    events = "/contracts/{cid}/events"
    deep = b'{"events": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    big = b'{"events": [' + b" " * (2 * 1024 * 1024) + b"]}"
    thousand_and_one = _json({"events": _events([1.0] * 1001)})[0]

    def chunked(server: Server, cid: str) -> tuple[int, str]:
        def chunks() -> Iterator[bytes]:
            yield b'{"events": ['
            for _ in range(2048):
                yield b" " * 1024
            yield b"]}"

        import http.client

        con = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        con.request("POST", events.format(cid=cid), body=chunks(),
                    headers={"content-type": "application/json"}, encode_chunked=True)  # fmt: skip
        answer = con.getresponse()
        message = json.loads(answer.read())["error"]["message"]
        con.close()
        return answer.status, message

    return [
        ServiceCase("JSON: a key twice", _body_case(events, b'{"events": [], "events": []}'),
                    422, "appears twice"),
        ServiceCase("JSON: 1,000 levels deep", _body_case(events, deep), 422, "nested more than"),
        ServiceCase("JSON: NaN", _body_case(events, b'{"events": [], "expected_version": NaN}'),
                    422, "NaN is not a JSON number"),
        ServiceCase("JSON: not UTF-8", _body_case(events, b'{"events": ["\xff"]}'), 422, "UTF-8"),
        ServiceCase("JSON: charset latin-1",
                    _body_case(events, b'{"events": []}', "application/json; charset=latin-1"),
                    415, "UTF-8 only"),
        ServiceCase("JSON: application/vnd.x+json",
                    _body_case(events, b'{"events": []}', "application/vnd.x+json"), 415,
                    "application/json only"),
        ServiceCase("JSON: no content type", _body_case(events, b'{"events": []}', None), 415,
                    "needs Content-Type"),
        ServiceCase("body of 2 MiB", _body_case(events, big), 413, "larger than the limit"),
        ServiceCase("body of 2 MiB, chunked", chunked, 413, "larger than the limit"),
        ServiceCase("1,001 events in one append", _body_case(events, thousand_and_one), 422,
                    "at most 1,000 events"),
        ServiceCase("1e308 twice, then 150 events", _overflow, 422, "exceed the largest number"),
        ServiceCase("400 parameter sets", _agreements(400), 201),
        ServiceCase(f"{cap:,} half-sent headers",
                    _slow(cap, b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n", b"HTTP/1.1 408"),
                    408),
        ServiceCase(f"{cap // 5:,} half-sent bodies",
                    _slow(cap // 5, b"POST /contracts HTTP/1.1\r\nHost: x\r\ncontent-type: "
                          b"application/json\r\ncontent-length: 50\r\n\r\n{", b"HTTP/1.1 408"),
                    408),
        ServiceCase(f"{3 * cap:,} idle connections", _idle(3 * cap, cap), 503),
        ServiceCase("a stored row damaged", _damaged_row, 503, "the store is damaged"),
        ServiceCase("/docs", _docs, 404),
    ]  # fmt: skip


def run_service_case(server: Server, case: ServiceCase, cid: str) -> Outcome:
    """Run the case; then whether the next request to the server succeeds."""
    server.reset_peak()
    start = time.perf_counter()
    try:
        status, message = case.run(server, cid)
    except OSError as exc:
        status, message = 0, f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    next_status, _ = request(server.url, "GET", f"/contracts/{cid}/terms")
    return Outcome(status, message, seconds, server.peak_megabytes(), next_ok=next_status == 200)


def service_problems(case: ServiceCase, outcome: Outcome) -> list[str]:
    problems = []
    if outcome.status != case.status:
        problems.append(f"status {outcome.status}, not {case.status}: {outcome.message}")
    if case.message not in outcome.message:
        problems.append(f"the answer does not say {case.message!r}: {outcome.message!r}")
    if not outcome.next_ok:
        problems.append("the next request did not succeed")
    return problems


@contextlib.contextmanager
def started_server(folder: Path, cap: int = 1000) -> Iterator[tuple[Server, str]]:
    """A server on a new store in ``folder`` with short read timeouts and ``cap`` connections,
    and the id of a contract on it."""
    db = folder / "hostile.db"
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{db}{suffix}")
    timeouts = str(SERVER_TIMEOUT)
    with Server(db, "--header-timeout", timeouts, "--body-timeout", timeouts,
                "--max-connections", str(cap)) as server:  # fmt: skip
        status, created = request(server.url, "POST", "/contracts", *_json({}))
        assert status == 201, created
        yield server, str(created["id"])


# ---------------------------------------------------------------- the table


def _row(kind: str, name: str, outcome: Outcome, problems: list[str], file: str = "") -> str:
    nxt = "" if outcome.next_ok is None else ("yes" if outcome.next_ok else "NO")
    mark = "ok" if not problems else "FAIL: " + "; ".join(problems)
    answer = outcome.message.removeprefix("error: ").removeprefix(f"{file}: ")
    answer = answer if len(answer) <= 72 else answer[:69] + "..."
    return (
        f"| {kind} | {name} | {outcome.status} | {outcome.seconds:.2f} | {outcome.megabytes:.0f}"
        f" | {nxt} | {answer.replace('|', '/')} | {mark} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=None, help="Run the cases whose name holds this text.")
    args = parser.parse_args(argv)
    chosen = lambda name: args.only is None or args.only in name  # noqa: E731
    failed = 0
    print("| door | case | exit/status | seconds | peak MB | next request | answer | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    folder = Path(tempfile.mkdtemp(prefix="agi-terms-hostile-"))
    try:
        make_cli_files(folder / "cli")
        for case in cli_cases(folder / "cli"):
            if not chosen(case.name):
                continue
            outcome = run_cli(case)
            problems = cli_problems(case, outcome)
            failed += bool(problems)
            file = next((a for a in case.args if os.sep in a), "")
            print(_row("CLI", case.name, outcome, problems, file), flush=True)
        cap = 1000
        with started_server(folder, cap) as (server, cid):
            for service_case in service_cases(cap):
                if not chosen(service_case.name):
                    continue
                outcome = run_service_case(server, service_case, cid)
                problems = service_problems(service_case, outcome)
                failed += bool(problems)
                print(_row("HTTP", service_case.name, outcome, problems), flush=True)
            server.stop()
        if "Traceback" in server.stderr:
            failed += 1
            print(f"\nthe server printed a traceback:\n{server.stderr[-2000:]}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\nTargets: every case under {SECONDS_TARGET:g} s and {MEGABYTES_TARGET:g} MB, one clear"
        " error (CLI exit 2; HTTP 4xx or 503), the server answering the next request. The server"
        f" ran with --header-timeout {SERVER_TIMEOUT:g} --body-timeout {SERVER_TIMEOUT:g}"
        f" --max-connections {cap}; seconds of a case with many requests are for all of them."
    )
    print(f"{failed} case(s) not as expected" if failed else "every case as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
