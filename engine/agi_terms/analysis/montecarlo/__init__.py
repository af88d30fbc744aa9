"""Monte Carlo at population scale (SPEC §10): sample AGI histories, evaluate the terms of every run.

``run_montecarlo(load_assumptions(path), workers=2)`` returns a ``MonteCarloResult`` whose
``to_json()`` is the output of ``agi-terms montecarlo --format json``; ``sensitivity_on=DATE`` adds
which input moves each share most, and ``to_pandas()`` / ``write("out.parquet")`` take the shares
out.
"""

from agi_terms.analysis.montecarlo.assumptions import (
    Assumptions,
    Declaration,
    Panel,
    Redeclaration,
    load_assumptions,
    parse_assumptions,
)
from agi_terms.analysis.montecarlo.histories import Histories, sample_histories
from agi_terms.analysis.montecarlo.population import Counts, Outcome, Population
from agi_terms.analysis.montecarlo.result import Lapse, MonteCarloResult, Sensitivity
from agi_terms.analysis.montecarlo.runner import (
    CHUNK_RUNS,
    ChunkTask,
    chunk_tasks,
    run_chunk,
    run_montecarlo,
)

__all__ = [
    "CHUNK_RUNS",
    "Assumptions",
    "ChunkTask",
    "Counts",
    "Declaration",
    "Histories",
    "Lapse",
    "MonteCarloResult",
    "Outcome",
    "Panel",
    "Population",
    "Redeclaration",
    "Sensitivity",
    "chunk_tasks",
    "load_assumptions",
    "parse_assumptions",
    "run_chunk",
    "run_montecarlo",
    "sample_histories",
]
