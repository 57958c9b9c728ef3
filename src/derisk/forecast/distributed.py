"""Scale-out: run chunks of draws on a dask.distributed cluster.

Workers receive pre-drawn parameter slices (derisk.forecast.sampling), so the result
for a seed is identical to the local path. 'local' starts an in-process LocalCluster;
any other value is a scheduler address such as tcp://10.0.0.5:8786.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from derisk.forecast.inputs import ModelInputs
from derisk.forecast.model import ChunkResult, run_chunk
from derisk.forecast.sampling import Draws
from derisk.forecast.scenario import Scenario


def map_chunks(
    address: str,
    inputs: ModelInputs,
    chunks: list[Draws],
    scenario: Scenario,
    bloc: str,
    stockpile: np.ndarray,
    progress: Callable[[int], None] | None = None,
) -> list[ChunkResult]:
    """Submit one task per chunk and return the results in chunk order."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        shared = client.scatter(inputs, broadcast=True)
        futures = [
            client.submit(run_chunk, shared, chunk, scenario, bloc, stockpile, pure=False)
            for chunk in chunks
        ]
        order = {f.key: i for i, f in enumerate(futures)}
        results: list[ChunkResult | None] = [None] * len(futures)
        for future in as_completed(futures):
            results[order[future.key]] = future.result()
            if progress:
                progress(int(chunks[order[future.key]].bloc_share.shape[0]))
        return results  # type: ignore[return-value]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
