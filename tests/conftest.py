"""Hypothesis profiles, shared agreements and the stores' databases for the test suite.

Profiles: ``dev`` (the default; quick) and ``ci`` (derandomised, at least 300 examples for the
stateful tests, no deadline), chosen with ``HYPOTHESIS_PROFILE=ci`` or when ``CI`` is ``true``.

Store tests run on SQLite and on PostgreSQL (``store_target``): the PostgreSQL server is the URL in
``AGI_TERMS_TEST_POSTGRES`` (``.ci/postgres`` starts one), each test in a schema of its own. Without
it the PostgreSQL cases skip, saying why; with ``CI=true`` or ``AGI_TERMS_REQUIRE_POSTGRES=1`` they
fail instead.
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import agi_terms
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
)
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci" or os.environ.get("CI", "").lower() == "true"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if CI else "dev"))

BACKENDS = ("python", "durable")

pytest_plugins = ["pytester"]  # runs the scenario-file plugin on sample folders (test_expectations)


class AgreementCache:
    """Agreements by (parameters, backend), built once and closed when evicted or at the end.

    Tests with random parameter overrides need one agreement per distinct set; a durable agreement
    holds a native ruleset, so the least recently used ones are closed beyond ``size``.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._cache: OrderedDict[tuple[str, str, str], agi_terms.Agreement] = OrderedDict()

    def get(
        self, parameters: Mapping[str, object], backend: str, version: str = "2025-10"
    ) -> agi_terms.Agreement:
        key = (json.dumps(dict(parameters), sort_keys=True, default=str), backend, version)
        found = self._cache.get(key)
        if found is None:
            found = agi_terms.load_agreement(version, dict(parameters), backend)
            self._cache[key] = found
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)[1].close()
        self._cache.move_to_end(key)
        return found

    def close(self) -> None:
        for agreement in self._cache.values():
            agreement.close()
        self._cache.clear()


@pytest.fixture(scope="session")
def agreements() -> Iterator[AgreementCache]:
    cache = AgreementCache()
    yield cache
    cache.close()


# ---------------------------------------------------------------- the stores' databases

POSTGRES_ENV = "AGI_TERMS_TEST_POSTGRES"
REQUIRE_POSTGRES = CI or os.environ.get("AGI_TERMS_REQUIRE_POSTGRES") == "1"
STORE_BACKENDS = ("sqlite", "postgres")


def _no_postgres(reason: str) -> None:
    if REQUIRE_POSTGRES:
        pytest.fail(
            f"{reason}; the PostgreSQL tests are required here (CI=true or"
            " AGI_TERMS_REQUIRE_POSTGRES=1)",
            pytrace=False,
        )
    pytest.skip(f"{reason} (.ci/postgres starts a server and sets it)")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the PostgreSQL server for the tests (skip or fail without one)."""
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        _no_postgres(f"no PostgreSQL server: {POSTGRES_ENV} is not set")
    try:
        import psycopg
    except ImportError as exc:
        _no_postgres(f"psycopg is not installed ({exc})")
    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as exc:
        _no_postgres(f"the PostgreSQL server at {POSTGRES_ENV} does not answer ({exc})")
    return url


def with_schema(url: str, schema: str) -> str:
    """``url`` with its tables in ``schema`` (the connection's search path)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={urllib.parse.quote(f'-csearch_path={schema}')}"


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL on the test server whose tables live in a new schema of their own (dropped after)."""
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    yield with_schema(postgres_server, schema)
    with psycopg.connect(postgres_server, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=STORE_BACKENDS)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store for the test is: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "contracts.db")


def run_sql(target: str, statement: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement (``?`` placeholders) on the store's database, outside the store; its rows."""
    if target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(target, autocommit=True) as con:
            cursor = con.execute(statement.replace("?", "%s"), parameters)
            return list(cursor.fetchall()) if cursor.description else []
    with sqlite3.connect(target) as con:
        return list(con.execute(statement, parameters).fetchall())
