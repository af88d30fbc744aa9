"""Hypothesis profiles and shared agreements for the test suite.

Profiles: ``dev`` (the default; quick) and ``ci`` (derandomised, at least 300 examples for the
stateful tests, no deadline), chosen with ``HYPOTHESIS_PROFILE=ci`` or when ``CI`` is ``true``.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping

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
