"""The vectorised backend behind ``Contract``: every shipped scenario gives its golden timeline.

Monte Carlo uses the backend over columns; here the same compiled programs answer one row at a time
(terms, checkpoints and every decision with its citations), as the python and durable backends do.
"""

from __future__ import annotations

import json
from pathlib import Path

import agi_terms
import pytest
from agi_terms.backends.vectorised import VectorisedBackend

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_vectorised_backend_matches_golden(path: Path) -> None:
    scenario = agi_terms.load_scenario(path)
    agreement = agi_terms.load_agreement(
        scenario.agreement, scenario.parameters, backend="vectorised"
    )
    assert isinstance(agreement.compiled(agreement.version).backend, VectorisedBackend)
    result = agi_terms.simulate(scenario, agreement=agreement)
    assert result.to_json() == json.loads((GOLDEN / f"{path.stem}.json").read_text())
