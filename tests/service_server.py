"""A real ``agi-terms serve`` process on a free loopback port, for the service tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``python -m agi_terms serve --db DB`` on 127.0.0.1 (DB an SQLite file or a ``postgresql://``
    URL); ``start``, ``stop`` (SIGTERM) or ``kill``."""

    def __init__(self, db: Path | str, *extra: str) -> None:
        self.db = db
        self.extra = extra
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        # The server writes a line per request on stderr: a file, not a pipe nobody reads
        # until the end, whose full buffer would stall the server.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server; closed on exit)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agi_terms",
                "serve",
                "--db",
                str(self.db),
                "--port",
                str(self.port),
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.logged()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start within 60 s")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop the server; a graceful stop answers 0 (uvicorn re-raises the SIGTERM it handled)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=60)
        self.stderr = self.logged()
        if sig == signal.SIGTERM and self.proc.returncode == -signal.SIGTERM:
            return 0 if "Traceback" not in self.stderr else 1
        return int(self.proc.returncode)

    def logged(self) -> str:
        """What the server wrote on stderr so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        """Never leave a server behind, even when a test fails half-way."""
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
        self.log.close()
