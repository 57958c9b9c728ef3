"""Same seed, same forecast: chunking only splits the work (derisk.forecast.sampling).

Every random number is drawn before the draws are chunked, so the Dataset (every
variable, coordinate and attribute, including the JSON summary) must not depend on the
chunk size; a different seed must give a different forecast.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from derisk.data.store import Store
from derisk.forecast.run import forecast
from derisk.forecast.scenario import load_scenario

#: 120 draws: chunk 7 leaves a last chunk of one draw, 50 a short last chunk of 20,
#: 200 runs everything as one chunk.
DRAWS = 120
SEED = 11


def _run(store: Store, *, chunk_size: int, seed: int = SEED) -> xr.Dataset:
    return forecast(
        store, load_scenario("baseline"), bloc="US", draws=DRAWS, seed=seed, chunk_size=chunk_size
    )


@pytest.fixture(scope="module")
def reference(session_store: Store) -> xr.Dataset:
    return _run(session_store, chunk_size=200)


def _assert_bitwise_equal(a: xr.Dataset, b: xr.Dataset) -> None:
    xr.testing.assert_identical(a, b)  # values, coords, dims and attrs (summary included)
    for name in a.data_vars:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


@pytest.mark.parametrize("chunk_size", [7, 50, 200])
def test_same_seed_gives_an_identical_dataset_whatever_the_chunk_size(
    session_store: Store, reference: xr.Dataset, chunk_size: int
) -> None:
    _assert_bitwise_equal(_run(session_store, chunk_size=chunk_size), reference)


def test_a_different_seed_gives_a_different_forecast(
    session_store: Store, reference: xr.Dataset
) -> None:
    other = _run(session_store, chunk_size=50, seed=SEED + 1)
    assert other.sizes == reference.sizes
    # Every variable driven by sampled parameters changes, not just one of them.
    for name in ("demand", "demand_world", "primary_supply", "secondary_supply", "shortfall"):
        assert not np.array_equal(other[name].values, reference[name].values), name
