"""Load test of ``agi-terms serve``: N concurrent clients on loopback for a bounded time.

Each client creates contracts and, on them, appends events (with ``expected_version``), asks for the
terms on a date, decides an action, reads the timeline and explains a term. At the end it prints
requests per second, p50 and p99 latency (overall and per request kind), the errors (any transport
failure or unexpected status), and checks that the events stored equal the events acknowledged::

    python simulations/load.py --clients 16 --seconds 20 [--db FILE | --db postgresql://...]
    python simulations/load.py --replicas 2 --db postgresql://...
    python simulations/load.py --compare postgresql://... --seconds 10

starts its own server on a temporary SQLite store (``--db FILE`` to keep it, ``--db URL`` for a
PostgreSQL database; ``--replicas N`` starts N servers on it and spreads the clients over them);
``--url URL --db DB`` loads a server already running on that store instead. ``--compare URL``
measures side by side in one run: SQLite, PostgreSQL and two PostgreSQL replicas, each with 1, 8
and 32 clients on a new store (PostgreSQL: a new schema of that database), and prints a Markdown
table. Exit status 1 on any error or mismatch.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

START = dt.date(2026, 1, 1)
TERMS = ("ms_research_ip", "azure_api_exclusivity", "revenue_share", "ms_compute_cap")


class Tally:
    """Latencies per request kind, errors, and what the server acknowledged."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter[str] = collections.Counter()
        self.acked_events = 0
        self.created: list[str] = []
        self.elapsed = 0.0
        self.same = False


async def timed(
    tally: Tally, kind: str, expect: int, call: Any, *args: Any, **kwargs: Any
) -> httpx.Response | None:
    began = time.perf_counter()
    try:
        response: httpx.Response = await call(*args, **kwargs)
    except httpx.HTTPError as exc:
        tally.errors[f"{kind}: {type(exc).__name__}"] += 1
        return None
    tally.latency[kind].append(time.perf_counter() - began)
    if response.status_code != expect:
        tally.errors[f"{kind}: HTTP {response.status_code}"] += 1
        return None
    return response


class Client:
    """One simulated user: its own contracts, each with its own clock."""

    def __init__(self, url: str, number: int, tally: Tally, seed: int) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=60)
        self.tally = tally
        self.rng = random.Random(seed * 1000 + number)
        self.contracts: list[dict[str, Any]] = []

    async def create(self) -> None:
        body = {"parameters": {"agi_trigger": "declared"}} if self.rng.random() < 0.3 else {}
        response = await timed(self.tally, "create", 201, self.http.post, "/contracts", json=body)
        if response is not None:
            cid = response.json()["id"]
            self.tally.created.append(cid)
            self.contracts.append({"id": cid, "version": 0, "day": 0, "declared": False})

    def events(self, contract: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for _ in range(self.rng.randint(1, 3)):
            contract["day"] += self.rng.randint(0, 3)
            day = (START + dt.timedelta(days=contract["day"])).isoformat()
            roll = self.rng.random()
            if roll < 0.1:
                event = {"type": "panel_rejected" if contract["declared"] else "agi_declared"}
                contract["declared"] = not contract["declared"]
            elif roll < 0.5:
                event = {"type": "azure_purchase", "amount_usd": self.rng.choice([1e8, 2.5e9])}
            else:
                cloud = self.rng.choice(["azure", "aws", "gcp"])
                event = {"type": "product_launch", "kind": "api", "cloud": cloud}
            found.append({"date": day, **event})
        return found

    async def step(self) -> None:
        if not self.contracts or self.rng.random() < 0.03:
            await self.create()
            return
        contract = self.rng.choice(self.contracts)
        path = f"/contracts/{contract['id']}"
        day = (START + dt.timedelta(days=self.rng.randint(0, 4000))).isoformat()
        roll = self.rng.random()
        if roll < 0.45:
            events = self.events(contract)
            body = {"events": events, "expected_version": contract["version"]}
            response = await timed(
                self.tally, "append", 200, self.http.post, f"{path}/events", json=body
            )
            if response is not None:
                contract["version"] = response.json()["version"]
                self.tally.acked_events += len(events)
            else:
                # Unknown outcome: learn the stored version (and clock) back from the timeline.
                await self.resync(contract, path)
        elif roll < 0.7:
            await timed(
                self.tally, "terms", 200, self.http.get, f"{path}/terms", params={"date": day}
            )
        elif roll < 0.85:
            action = {"date": day, "type": "product_launch", "kind": "api", "cloud": "aws"}
            await timed(
                self.tally, "decide", 200, self.http.post, f"{path}/decide", json={"action": action}
            )
        elif roll < 0.93:
            await timed(self.tally, "timeline", 200, self.http.get, f"{path}/timeline")
        else:
            term = self.rng.choice(TERMS)
            await timed(
                self.tally,
                "explain",
                200,
                self.http.get,
                f"{path}/explain",
                params={"date": day, "term": term},
            )

    async def resync(self, contract: dict[str, Any], path: str) -> None:
        response = await self.http.get(f"{path}/timeline")
        steps = response.json()["steps"]
        contract["version"] = sum(1 for s in steps if s["type"] != "calendar")
        if steps:
            contract["day"] = (dt.date.fromisoformat(steps[-1]["date"]) - START).days

    async def run(self, until: float) -> None:
        async with self.http:
            while time.monotonic() < until:
                await self.step()


async def load(urls: list[str], clients: int, seconds: float, seed: int) -> tuple[Tally, float]:
    tally = Tally()
    began = time.monotonic()
    until = began + seconds
    await asyncio.gather(
        *(Client(urls[n % len(urls)], n, tally, seed).run(until) for n in range(clients))
    )
    return tally, time.monotonic() - began


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(tally: Tally, elapsed: float, clients: int) -> None:
    everything = [v for values in tally.latency.values() for v in values]
    errors = sum(tally.errors.values())
    print(
        f"clients {clients}, {elapsed:.1f} s: {len(everything) + errors} requests,"
        f" {(len(everything) + errors) / elapsed:.0f} requests/s,"
        f" p50 {quantile(everything, 0.5) * 1e3:.1f} ms, p99 {quantile(everything, 0.99) * 1e3:.1f} ms,"
        f" errors {errors}"
    )
    for kind, values in sorted(tally.latency.items()):
        print(
            f"  {kind:9} {len(values):7d}  p50 {quantile(values, 0.5) * 1e3:6.1f} ms"
            f"  p99 {quantile(values, 0.99) * 1e3:6.1f} ms"
        )
    for error, count in tally.errors.most_common():
        print(f"  error: {error} x{count}")


def check_counts(db: Path | str, tally: Tally) -> bool:
    """The stored events of the contracts created here equal the events acknowledged."""
    from agi_terms.store import open_store

    with open_store(db) as store:
        stored = {c.id: c.event_count for c in store.contracts()}
    mine = [stored.get(cid) for cid in tally.created]
    missing = sum(1 for v in mine if v is None)
    events = sum(v for v in mine if v is not None)
    same = missing == 0 and events == tally.acked_events
    print(
        f"stored events {events}, acknowledged {tally.acked_events};"
        f" contracts stored {len(mine) - missing} of {len(tally.created)} created:"
        f" {'equal' if same else 'MISMATCH'}"
    )
    return same


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path | str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "agi_terms", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # a line per request: not what a load run should print
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def measure(db: Path | str, replicas: int, clients: int, seconds: float, seed: int) -> Tally:
    """Start ``replicas`` servers on ``db``, load them, stop them, check the counts; the tally
    (``elapsed`` and ``same`` set on it)."""
    servers = [start_server(db) for _ in range(replicas)]
    try:
        tally, elapsed = asyncio.run(load([u for _, u in servers], clients, seconds, seed))
    finally:
        for proc, _ in servers:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    tally.elapsed = elapsed
    report(tally, elapsed, clients)
    tally.same = check_counts(db, tally)
    return tally


def _schema_url(server: str, schema: str) -> str:
    import urllib.parse

    import psycopg

    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in server else "?"
    return f"{server}{joiner}options={urllib.parse.quote(f'-csearch_path={schema}')}"


def _drop_schema(server: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def compare(server: str, seconds: float, seed: int, folder: Path) -> bool:
    """SQLite, PostgreSQL and two PostgreSQL replicas at 1, 8 and 32 clients, side by side."""
    rows = []
    ok = True
    for label, backend, replicas in (
        ("SQLite", "sqlite", 1),
        ("PostgreSQL", "postgres", 1),
        ("PostgreSQL, 2 replicas", "postgres", 2),
    ):
        for clients in (1, 8, 32):
            name = f"load_{backend}_{replicas}_{clients}"
            db: Path | str = folder / f"{name}.db"
            if backend == "postgres":
                db = _schema_url(server, name)
            print(f"--- {label}, {clients} clients", flush=True)
            try:
                tally = measure(db, replicas, clients, seconds, seed)
            finally:
                if backend == "postgres":
                    _drop_schema(server, name)
            everything = [v for values in tally.latency.values() for v in values]
            errors = sum(tally.errors.values())
            elapsed = tally.elapsed
            ok = ok and tally.same and not errors
            rows.append(
                f"| {label} | {clients} | {(len(everything) + errors) / elapsed:.0f} |"
                f" {quantile(everything, 0.5) * 1e3:.1f} | {quantile(everything, 0.99) * 1e3:.1f} |"
                f" {errors} |"
            )
    print("\n| store | clients | requests/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a running server (loopback); default: start one")
    parser.add_argument(
        "--db",
        help="the server's store: an SQLite file or a postgresql:// URL (checked at the end)",
    )
    parser.add_argument("--replicas", type=int, default=1, help="servers to start on the store")
    parser.add_argument(
        "--compare", metavar="URL", help="a PostgreSQL server: measure SQLite and PostgreSQL"
    )
    args = parser.parse_args()
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("--url must be a loopback address")
    with tempfile.TemporaryDirectory() as folder:
        if args.compare:
            return 0 if compare(args.compare, args.seconds, args.seed, Path(folder)) else 1
        db = args.db or Path(folder) / "load.db"
        if not args.url:
            tally = measure(db, args.replicas, args.clients, args.seconds, args.seed)
            return 0 if tally.same and not tally.errors else 1
        tally, elapsed = asyncio.run(load([args.url], args.clients, args.seconds, args.seed))
        report(tally, elapsed, args.clients)
        same = check_counts(db, tally) if args.db else True
    return 0 if same and not tally.errors else 1


if __name__ == "__main__":
    sys.exit(main())
