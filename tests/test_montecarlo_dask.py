"""Chunks run on a Dask cluster give exactly the local result (same seed, same bytes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agi_terms.analysis.montecarlo import CHUNK_RUNS, load_assumptions, run_montecarlo
from agi_terms.interfaces.main import main
from click.testing import CliRunner
from distributed import LocalCluster

DEFAULT = Path(__file__).resolve().parent.parent / "simulations" / "assumptions" / "default.yaml"
RUNS = 2 * CHUNK_RUNS + 77


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    # In-process workers: quick to start, and the chunks still travel through the scheduler.
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_dask_output_is_byte_identical_to_the_local_run(scheduler: str) -> None:
    args = ["montecarlo", str(DEFAULT), "--runs", str(RUNS), "--format", "json"]
    local = CliRunner().invoke(main, args)
    on_dask = CliRunner().invoke(main, [*args, "--scheduler", scheduler])
    assert local.exit_code == on_dask.exit_code == 0, on_dask.stderr
    assert on_dask.stdout == local.stdout


def test_dask_takes_parameter_overrides(scheduler: str) -> None:
    assumptions = load_assumptions(DEFAULT)
    overrides = {"api_exclusivity_backstop": None}
    local = run_montecarlo(assumptions, runs=500, overrides=overrides)
    on_dask = run_montecarlo(assumptions, runs=500, overrides=overrides, scheduler=scheduler)
    assert on_dask == local
    assert on_dask.terms["azure_api_exclusivity"][-1] > 0.0


def test_an_unreachable_scheduler_exits_2_with_one_line() -> None:
    result = CliRunner().invoke(
        main, ["montecarlo", str(DEFAULT), "--runs", "10", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "--scheduler: cannot reach the Dask scheduler" in result.stderr
