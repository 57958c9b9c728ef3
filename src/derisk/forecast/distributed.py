"""Scale-out: run chunks of draws on a dask.distributed cluster (derisk.parallel).

Workers receive pre-drawn parameter slices (derisk.forecast.sampling), so the result
for a seed is identical to the local path.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from derisk.forecast.allocation import Market
from derisk.forecast.inputs import ModelInputs
from derisk.forecast.model import ChunkResult, run_chunk
from derisk.forecast.sampling import Draws
from derisk.forecast.scenario import Scenario
from derisk.parallel import map_ordered


def _run(
    inputs: ModelInputs,
    scenario: Scenario,
    bloc: str,
    stockpile: np.ndarray,
    market: Market | None,
    chunk: Draws,
) -> ChunkResult:
    return run_chunk(inputs, chunk, scenario, bloc, stockpile, market=market)


def map_chunks(
    address: str,
    inputs: ModelInputs,
    chunks: list[Draws],
    scenario: Scenario,
    bloc: str,
    stockpile: np.ndarray,
    progress: Callable[[int], None] | None = None,
    market: Market | None = None,
) -> list[ChunkResult]:
    """One task per chunk; results in chunk order."""
    return map_ordered(
        address,
        _run,
        chunks,
        inputs,
        scenario,
        bloc,
        stockpile,
        market,
        progress=None if progress is None else (lambda i, c: progress(c.bloc_share.shape[0])),
    )
