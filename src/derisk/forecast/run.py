"""Run a scenario: sample, simulate in chunks (locally or on Dask), assemble an xarray Dataset.

Chunks only split the work: every random number is drawn before chunking
(derisk.forecast.sampling), so results do not depend on the chunk size or executor.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields

import numpy as np
import xarray as xr

from derisk.data.blocs import resolve_bloc
from derisk.forecast.allocation import Market, build_market
from derisk.forecast.inputs import BASE_YEAR, ModelInputs, load_inputs
from derisk.forecast.model import ChunkResult, run_chunk
from derisk.forecast.sampling import Draws, draw_parameters
from derisk.forecast.scenario import MODEL_STAGES, REGIONS, Scenario
from derisk.forecast.summary import summarise

#: Small chunks keep each chunk's arrays in cache; large ones spend their time in page
#: faults (measured: 2,000 draws x 17 element slots took 5.4 s at 500, 2.8 s at 50).
#: Re-measured after the chain was made leaner (10,000 draws x 17 elements, simulate +
#: Dataset + summary, two runs each): 8.8-8.9 s at 25, 7.5-8.6 s at 50, 8.8-9.0 s at 100,
#: 10.5-11.3 s at 200.
DEFAULT_CHUNK = 50
#: Threads for the local path: one per core (this machine: 2).
LOCAL_THREADS = max(1, min(os.cpu_count() or 1, 4))
Progress = Callable[[int], None]


def _stockpile(scenario: Scenario, elements: tuple[str, ...]) -> np.ndarray:
    return np.array([scenario.stockpile.tonnes.get(e, 0.0) for e in elements])


def _result_array(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """An uninitialised array for the whole run's results, on ordinary (4 KiB) pages.

    numpy asks for transparent huge pages for any array of 4 MiB or more. The results
    (about 1.2 GB at 10,000 draws x 17 elements) are written once; on the benchmark
    machine (a 2-core VM, huge pages "madvise") faulting them in as huge pages cost
    about 3 s of kernel time per 10,000 draws, as ordinary pages about 0.6 s. A private
    anonymous mapping is not advised, so it gets ordinary pages.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes == 0 or not hasattr(mmap, "MAP_PRIVATE"):  # Windows has no flags
        return np.empty(shape, dtype)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def _concat(results: list[ChunkResult]) -> ChunkResult:
    return ChunkResult(
        **{
            f.name: np.concatenate([getattr(r, f.name) for r in results])
            for f in fields(ChunkResult)
        }
    )


def simulate(
    inputs: ModelInputs,
    draws: Draws,
    scenario: Scenario,
    bloc: str,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    dask: str | None = None,
    market: Market | None = None,
) -> ChunkResult:
    """All draws, chunk by chunk; `dask` is a scheduler address or 'local'.

    market: the buyers outside China (allocation.build_market), needed by the
    'ownership' allocation.
    """
    n = draws.bloc_share.shape[0]
    slices = [slice(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]
    stock = _stockpile(scenario, inputs.elements)
    if dask:
        from derisk.forecast.distributed import map_chunks

        results = map_chunks(
            dask, inputs, [draws.take(s) for s in slices], scenario, bloc, stock, progress, market
        )
        return _concat(results)
    # The largest output is written in place by run_chunk; the rest is copied per chunk.
    dims = (len(MODEL_STAGES), len(REGIONS), len(inputs.elements), len(inputs.years))
    primary = _result_array((n, *dims), np.float32)

    def one(s: slice) -> tuple[slice, ChunkResult]:
        part = run_chunk(
            inputs, draws.take(s), scenario, bloc, stock, primary_out=primary[s], market=market
        )
        return s, part

    out: ChunkResult | None = None
    # Chunks are independent and numpy releases the GIL in its loops, so a thread per
    # core runs them side by side; each writes only its own rows, so the result is the
    # same as one by one (tests/forecast/test_determinism.py).
    with ThreadPoolExecutor(max_workers=LOCAL_THREADS) as pool:
        for s, part in pool.map(one, slices):
            if out is None:  # allocate the full result once, then fill it chunk by chunk
                out = ChunkResult(
                    **{
                        f.name: _result_array(
                            (n, *getattr(part, f.name).shape[1:]), getattr(part, f.name).dtype
                        )
                        for f in fields(ChunkResult)
                        if f.name != "primary_supply"
                    },
                    primary_supply=primary,
                )
            for f in fields(ChunkResult):
                if f.name != "primary_supply":
                    getattr(out, f.name)[s] = getattr(part, f.name)
            if progress:
                progress(s.stop - s.start)
    return out  # type: ignore[return-value]


def to_dataset(
    result: ChunkResult, inputs: ModelInputs, scenario: Scenario, bloc: str, seed: int
) -> xr.Dataset:
    n = result.demand.shape[0]
    coords = {
        "draw": np.arange(n),
        "element": list(inputs.elements),
        "stage": list(MODEL_STAGES),
        "region": list(REGIONS),
        "year": inputs.years.astype(int),
    }
    det = ("draw", "element", "year")
    data = {
        "demand": (det, result.demand, "t element", "bloc demand"),
        "demand_world": (det, result.demand_world, "t element", "world demand"),
        "primary_supply": (
            ("draw", "stage", "region", "element", "year"),
            result.primary_supply,
            "t element",
            "output by stage and region (world)",
        ),
        "secondary_supply": (
            det,
            result.secondary_supply,
            "t element",
            "bloc recycling of end-of-life magnets",
        ),
        "china_free_supply": (
            det,
            result.china_free_supply,
            "t element",
            "supply to the bloc that does not depend on China",
        ),
        "supply_available": (
            det,
            result.supply_available,
            "t element",
            "supply to the bloc from all origins, incl. stockpile release",
        ),
        "shortfall": (det, result.shortfall, "t element", "bloc demand not met"),
        "china_dependent_share": (
            ("draw", "stage", "element", "year"),
            result.china_dependent_share,
            "%",
            "share of world output at the stage that depends on China",
        ),
        "withheld": (
            det,
            result.withheld,
            "t element",
            "China-dependent supply the export controls kept from the bloc",
        ),
        "inventory": (
            det,
            result.inventory,
            "t element",
            "magnet output no buyer took (China's stocks)",
        ),
        "china_output_share": (
            ("draw", "stage", "year"),
            result.china_output_share,
            "%",
            "China's share of world output per stage (magnet REEs together)",
        ),
        "hhi": (
            ("draw", "stage", "year"),
            result.hhi,
            "0-10,000",
            "HHI of regional output per stage (magnet REEs together)",
        ),
    }
    ds = xr.Dataset(
        {
            name: xr.DataArray(values, dims=dims, attrs={"units": unit, "long_name": desc})
            for name, (dims, values, unit, desc) in data.items()
        },
        coords=coords,
    )
    ds.attrs.update(
        {
            "scenario": scenario.name,
            "bloc": bloc,
            "draws": n,
            "seed": seed,
            "base_year": BASE_YEAR,
            "start_year": scenario.start_year,
            "derisk_threshold": scenario.derisk_threshold,
            "sources": "; ".join(f"{k}: {', '.join(v)}" for k, v in inputs.sources.items()),
        }
    )
    return ds


def forecast(
    store: object,
    scenario: Scenario,
    bloc: str = "US",
    draws: int = 2000,
    seed: int = 1,
    years: tuple[int, int] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    dask: str | None = None,
) -> xr.Dataset:
    """The forecast as an xarray Dataset, with summaries in ds.attrs['summary'] (JSON-able)."""
    bloc = resolve_bloc(store, bloc)
    if years is not None:
        scenario = scenario.model_copy(update={"start_year": years[0], "end_year": years[1]})
    inputs = load_inputs(store, scenario.demand.path, scenario.start_year, scenario.end_year)
    params = draw_parameters(scenario, inputs, bloc, draws, seed)
    market = build_market(store, scenario, bloc) if scenario.allocation == "ownership" else None
    result = simulate(inputs, params, scenario, bloc, chunk_size, progress, dask, market)
    ds = to_dataset(result, inputs, scenario, bloc, seed)
    ds = ds.sel(year=slice(scenario.start_year, scenario.end_year))
    ds.attrs["summary"] = summarise(ds, scenario.derisk_threshold)
    ds.attrs["skipped_facilities"] = inputs.skipped
    return ds


def year_span(text: str | None, column: str = "years") -> tuple[int, int] | None:
    """A run's years from "START:END" (the CLI's --years and the API's "years"), or None.

    One parser for both interfaces, so the same text is accepted or refused the same way."""
    from derisk.errors import InputError

    if text is None:
        return None
    try:
        start, end = (int(p) for p in text.split(":"))
    except ValueError:
        raise InputError(
            "years must look like START:END", column=column, expected="e.g. 2025:2050", found=text
        ) from None
    return start, end
