"""The Dask path (an in-process LocalCluster) reproduces the local path exactly.

Workers receive slices of parameters drawn up front and draw nothing themselves
(derisk.forecast.distributed), so the same seed must give the same Dataset, bit for bit.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from derisk.data.store import Store
from derisk.forecast.run import forecast
from derisk.forecast.scenario import load_scenario

DRAWS = 60
CHUNK = 20
SEED = 5


def test_local_cluster_equals_the_local_path_for_the_same_seed(session_store: Store) -> None:
    scenario = load_scenario("baseline")
    done: list[int] = []
    local = forecast(session_store, scenario, bloc="US", draws=DRAWS, seed=SEED, chunk_size=CHUNK)
    on_dask = forecast(
        session_store,
        scenario,
        bloc="US",
        draws=DRAWS,
        seed=SEED,
        chunk_size=CHUNK,
        progress=done.append,
        dask="local",
    )
    xr.testing.assert_identical(on_dask, local)  # values, coords, attrs (summary included)
    for name in local.data_vars:
        assert on_dask[name].dtype == local[name].dtype, name
        np.testing.assert_array_equal(on_dask[name].values, local[name].values, err_msg=name)
    assert sorted(done) == [CHUNK] * (DRAWS // CHUNK)  # one progress call per chunk
