"""Rewrite the golden timelines in tests/golden/ from the shipped scenarios.

Run after a reviewed change to the rules or the engine, then read the diff before committing:

    python tests/regenerate_golden.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "simulations" / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_text(scenario: Path) -> str:
    """The JSON output of ``agi-terms simulate`` for ``scenario``, as stored in the golden file."""
    from agi_terms.analysis.scenario import load_scenario, simulate

    result = simulate(load_scenario(scenario), backend="python")
    return json.dumps(result.to_json(), indent=2) + "\n"


def main() -> int:
    GOLDEN.mkdir(exist_ok=True)
    written = 0
    for scenario in sorted(SCENARIOS.glob("*.yaml")):
        target = GOLDEN / f"{scenario.stem}.json"
        text = golden_text(scenario)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            print(f"wrote {target.relative_to(ROOT)}")
            written += 1
    stale = {p.stem for p in GOLDEN.glob("*.json")} - {p.stem for p in SCENARIOS.glob("*.yaml")}
    for name in sorted(stale):
        print(f"stale golden file without a scenario: tests/golden/{name}.json", file=sys.stderr)
    print(f"{written} golden file(s) changed")
    return 1 if stale else 0


if __name__ == "__main__":
    # Run as a script from a checkout: use the engine beside this folder.
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
