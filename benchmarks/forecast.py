"""Benchmark: the Monte Carlo forecast at 1,000 and 10,000 draws, and its stock core vs flodym.

Each case runs in a fresh subprocess of this script, so its peak memory is its own: peak =
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that subprocess (the whole process:
interpreter, numpy/xarray/duckdb, the opened store and an untimed warm-up on a few draws).
Timings are wall-clock ``time.perf_counter`` of one run after the warm-up.

The model's element axis has all 17 rare earths (magnet elements first). With a store
whose inputs have fewer elements (the four magnet rare earths only, as before the axis was
widened), the 17-element cases tile them: element slot k carries magnet element k mod 4,
divided by its number of copies so world totals are unchanged (load for timing, not
data), and [3] times the 4-element code at 17/4 times the draws. Run with `make bench`;
the last line is machine-readable: ``forecast: draws=... seconds=... draws_per_s=...
ratio_vs_flodym=... peak_mib=...``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from derisk.data.store import Store
from derisk.forecast.allocation import build_market
from derisk.forecast.inputs import ModelInputs, load_inputs
from derisk.forecast.lifetimes import survival_curve, weibull_shape_scale
from derisk.forecast.model import LIFETIME_CV, run_chunk
from derisk.forecast.run import DEFAULT_CHUNK, forecast, resolve_bloc, simulate, to_dataset
from derisk.forecast.sampling import Draws, draw_parameters
from derisk.forecast.scenario import MAGNET_ELEMENTS, MODEL_STAGES, REGIONS, load_scenario
from derisk.forecast.stocks import inflow_driven
from derisk.forecast.summary import summarise

SCENARIO = "baseline"
BLOC = "US"
SEED = 1
DRAW_COUNTS = (1_000, 10_000)
N_ELEMENTS = 17
#: flodym is looped draw by draw; it is timed on this many draws and scaled per draw.
FLODYM_DRAWS = 200
WARMUP_DRAWS = 20
#: The core's inflow is split evenly over the 12 regions (load for timing, not a forecast).
REGION_WEIGHTS = np.full(len(REGIONS), 1.0 / len(REGIONS))
TARGET_SECONDS = 10.0
TARGET_RATIO = 20.0
TARGET_PEAK_MIB = 2048.0


# -- the inputs at 17 elements ------------------------------------------------------------
def tile_elements(inputs: ModelInputs, n: int = N_ELEMENTS) -> ModelInputs:
    """A copy whose element axis has n slots; slot k is magnet element k mod 4 / its copies.

    Inputs that already have n elements are returned as they are.
    """
    if len(inputs.elements) == n:
        return inputs
    source = np.arange(n) % len(MAGNET_ELEMENTS)
    copies = np.bincount(source)[source].astype(float)

    def tile(a: np.ndarray, axis: int) -> np.ndarray:
        shape = [1] * a.ndim
        shape[axis] = n
        return np.take(a, source, axis=axis) / copies.reshape(shape)

    return dataclasses.replace(
        inputs,
        demand_path=tile(inputs.demand_path, 1),
        mining_base=tile(inputs.mining_base, 1),
        refining_base=tile(inputs.refining_base, 1),
        elements=tuple(f"{MAGNET_ELEMENTS[k]}#{i}" for i, k in enumerate(source)),
        facilities=[
            dataclasses.replace(f, element_share=tile(f.element_share, 0))
            for f in inputs.facilities
        ],
    )


# -- the stock-and-flow core, written twice -----------------------------------------------
def core_inflow(inputs: ModelInputs, draws: Draws) -> np.ndarray:
    """In-use inflow (draw, end_use, element, region, year): demand x multiplier x region."""
    world = inputs.demand_path[None] * draws.multiplier[:, :, None, None]
    return world[:, :, :, None, :] * REGION_WEIGHTS[None, None, None, :, None]


def derisk_core(inputs: ModelInputs, draws: Draws) -> tuple[np.ndarray, np.ndarray]:
    """Stock and secondary supply (draw, element, region, year), vectorised over draws.

    model.recycling with a region axis: per end use, a Weibull lifetime per draw (sd =
    LIFETIME_CV x mean, inflow mid-period) and an inflow-driven stock; secondary supply is
    the outflow x collection x recovery from the recycling start year. Like the model, no
    stock-balance check inside (flodym's side skips check_stock_balance too).
    """
    inflow = core_inflow(inputs, draws)
    stock = np.zeros(inflow.shape[:1] + inflow.shape[2:])
    outflow = np.zeros_like(stock)
    for u in range(inflow.shape[1]):
        mean = draws.lifetimes[:, u]
        curve = survival_curve("weibull", mean, mean * LIFETIME_CV, n_ages=inflow.shape[-1])
        result = inflow_driven(inflow[:, u], curve[:, None, None, :])
        stock += result.stock
        outflow += result.outflow
    return stock, outflow * _recycling_rate(inputs, draws)


@cache
def _recycling_start() -> int:
    return load_scenario(SCENARIO).recycling.start_year


def _recycling_rate(inputs: ModelInputs, draws: Draws) -> np.ndarray:
    """collection x recovery, zero before the recycling start year: (draw, 1, 1, year)."""
    on = inputs.years >= _recycling_start()
    return (draws.collection * draws.recovery)[:, None, None, None] * on[None, None, None, :]


def flodym_core(
    inputs: ModelInputs, draws: Draws, n: int, *, keep: bool
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """The same core on flodym, one InflowDrivenDSM per draw; returns (seconds, stock, sec).

    flodym has no Weibull mean/sd -> shape/scale step, so that is done for all draws with
    derisk's solver before the clock starts (in flodym's favour).
    """
    import flodym

    n_t = len(inputs.years)
    dims = flodym.DimensionSet(
        dim_list=[
            flodym.Dimension(name="time", letter="t", items=[int(y) for y in inputs.years]),
            flodym.Dimension(name="end_use", letter="u", items=["ev", "wind", "other"]),
            flodym.Dimension(
                name="element", letter="e", items=[f"e{k:02d}" for k in range(N_ELEMENTS)]
            ),
            flodym.Dimension(name="region", letter="r", items=list(REGIONS)),
        ]
    )
    shape, scale = weibull_shape_scale(draws.lifetimes[:n], draws.lifetimes[:n] * LIFETIME_CV)
    rate = _recycling_rate(inputs, draws.take(slice(0, n)))[:, 0, 0, :, None, None]  # d,t,1,1
    stocks = np.empty((n, N_ELEMENTS, len(REGIONS), n_t)) if keep else None
    secondary = np.empty_like(stocks) if keep else None
    start = time.perf_counter()
    for i in range(n):
        one = draws.take(slice(i, i + 1))
        inflow = np.moveaxis(core_inflow(inputs, one)[0], -1, 0)  # flodym wants time first
        lifetime = flodym.WeibullLifetime(
            dims=dims,
            weibull_shape=flodym.FlodymArray(dims=dims[("u",)], values=shape[i]),
            weibull_scale=flodym.FlodymArray(dims=dims[("u",)], values=scale[i]),
            inflow_at="middle",
        )
        dsm = flodym.InflowDrivenDSM(
            dims=dims, lifetime_model=lifetime, inflow=flodym.StockArray(dims=dims, values=inflow)
        )
        dsm.compute()
        out = dsm.outflow.values.sum(axis=1) * rate[i]  # (t, e, r)
        if keep:
            stocks[i] = np.moveaxis(dsm.stock.values.sum(axis=1), 0, -1)
            secondary[i] = np.moveaxis(out, 0, -1)
    return time.perf_counter() - start, stocks, secondary


# -- cases, each run in its own subprocess ------------------------------------------------
def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _timed(func: Callable[[], object], draws: int) -> dict:
    before = _rss_mib()
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    return {"draws": draws, "seconds": seconds, "peak_mib": _rss_mib(), "before_mib": before}


def _chunks(n: int, size: int = DEFAULT_CHUNK) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def case_model(store: Store, n: int) -> dict:
    scenario = load_scenario(SCENARIO)
    forecast(store, scenario, bloc=BLOC, draws=WARMUP_DRAWS, seed=SEED)
    return _timed(lambda: forecast(store, scenario, bloc=BLOC, draws=n, seed=SEED), n)


def case_phases(store: Store, n: int) -> dict:
    """forecast()'s steps, timed one by one (same calls, same order as run.forecast)."""
    scenario = load_scenario(SCENARIO)
    forecast(store, scenario, bloc=BLOC, draws=WARMUP_DRAWS, seed=SEED)
    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = now - clock
        clock = now

    bloc = resolve_bloc(store, BLOC)
    inputs = load_inputs(store, scenario.demand.path, scenario.start_year, scenario.end_year)
    lap("inputs")
    params = draw_parameters(scenario, inputs, bloc, n, SEED)
    lap("sampling")
    market = build_market(store, scenario, bloc)
    result = simulate(inputs, params, scenario, bloc, DEFAULT_CHUNK, market=market)
    lap("simulate")
    ds = to_dataset(result, inputs, scenario, bloc, SEED)
    ds = ds.sel(year=slice(scenario.start_year, scenario.end_year))
    ds.attrs["summary"] = summarise(ds, scenario.derisk_threshold)
    lap("dataset+summary")
    return {"draws": n, "phases": times}


def _tiled(store: Store) -> tuple[ModelInputs, Draws]:
    scenario = load_scenario(SCENARIO)
    inputs = load_inputs(store, scenario.demand.path, scenario.start_year, scenario.end_year)
    tiled = tile_elements(inputs)
    bloc = resolve_bloc(store, BLOC)
    return tiled, draw_parameters(scenario, tiled, bloc, max(DRAW_COUNTS), SEED)


def case_chain17(store: Store, n: int) -> dict:
    """The model on inputs tiled to 17 element slots: simulate, Dataset and summary."""
    scenario = load_scenario(SCENARIO)
    bloc = resolve_bloc(store, BLOC)
    tiled, _ = _tiled(store)
    stockpile = np.zeros(N_ELEMENTS)
    market = build_market(store, scenario, bloc)
    try:
        probe = draw_parameters(scenario, tiled, bloc, 10, SEED)
        run_chunk(tiled, probe, scenario, bloc, stockpile, market=market)
    except Exception as err:  # report what blocks a 17-element run, do not time anything
        frames = [f for f in traceback.extract_tb(err.__traceback__) if "src/derisk" in f.filename]
        where = [f"{f.filename.split('src/')[-1]}:{f.lineno} ({f.name})" for f in frames]
        return {"blocked": f"{type(err).__name__}: {err}", "where": where}
    draws = draw_parameters(scenario, tiled, bloc, n, SEED)

    def run() -> None:
        result = simulate(tiled, draws, scenario, bloc, DEFAULT_CHUNK, market=market)
        ds = to_dataset(result, tiled, scenario, bloc, SEED)
        ds = ds.sel(year=slice(scenario.start_year, scenario.end_year))
        ds.attrs["summary"] = summarise(ds, scenario.derisk_threshold)

    return _timed(run, n)


def case_core17(store: Store, n: int) -> dict:
    tiled, draws = _tiled(store)
    derisk_core(tiled, draws.take(slice(0, WARMUP_DRAWS)))
    draws = draws.take(slice(0, n))
    return _timed(lambda: [derisk_core(tiled, draws.take(s)) for s in _chunks(n)], n)


def case_flodym17(store: Store, n: int) -> dict:
    tiled, draws = _tiled(store)
    flodym_core(tiled, draws, 2, keep=False)  # warm-up
    seconds, stock_f, secondary_f = flodym_core(tiled, draws, n, keep=True)
    stock_d, secondary_d = derisk_core(tiled, draws.take(slice(0, n)))
    diff = max(
        float(np.max(np.abs(stock_f - stock_d)) / np.max(np.abs(stock_d))),
        float(np.max(np.abs(secondary_f - secondary_d)) / np.max(np.abs(secondary_d))),
    )
    return {"draws": n, "seconds": seconds, "peak_mib": _rss_mib(), "max_rel_diff": diff}


CASES = {
    "model": case_model,
    "phases": case_phases,
    "chain17": case_chain17,
    "core17": case_core17,
    "flodym17": case_flodym17,
}


def child(case: str, n: int, store_path: str) -> None:
    print(json.dumps(CASES[case](Store(Path(store_path)), n)))


def spawn(case: str, n: int, store_path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", case, str(n), str(store_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"benchmark case {case} ({n} draws) failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- report -------------------------------------------------------------------------------
def _row(r: dict) -> str:
    return (
        f"draws={r['draws']} seconds={r['seconds']:.2f} "
        f"draws_per_s={r['draws'] / r['seconds']:.0f} peak_mib={r['peak_mib']:.0f} "
        f"(before timed call {r['before_mib']:.0f})"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    n_big = max(DRAW_COUNTS)
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "bench.duckdb"
        Store(store_path).build()
        scenario = load_scenario(SCENARIO)
        inputs = load_inputs(
            Store(store_path), scenario.demand.path, scenario.start_year, scenario.end_year
        )
        n_years = len(inputs.years)
        native = len(inputs.elements) == N_ELEMENTS  # no tiling, no [3] proxy
        print(
            f"forecast benchmark: {os.cpu_count()} CPUs, numpy {np.__version__}, "
            f"flodym {version('flodym')}; scenario {SCENARIO}, bloc {BLOC}, seed {SEED}, "
            f"chunk_size {DEFAULT_CHUNK}"
        )
        print(
            "peak_mib: ru_maxrss of a fresh subprocess per case (whole process incl. "
            f"interpreter, libraries, store, warm-up on {WARMUP_DRAWS} draws); seconds: one "
            "wall-clock run after the warm-up"
        )

        print(
            f"\n[1] full model, real inputs: {len(inputs.elements)} elements "
            f"({', '.join(inputs.elements)}) x {len(MODEL_STAGES)} stages x {len(REGIONS)} "
            f"regions x {n_years} model years ({inputs.years[0]}-{inputs.years[-1]}; "
            f"{n_years - 1} reported), forecast() end to end"
        )
        model = {n: spawn("model", n, store_path) for n in DRAW_COUNTS}
        for n in DRAW_COUNTS:
            print("  " + _row(model[n]))
        phases = spawn("phases", n_big, store_path)["phases"]
        print(
            f"  steps at {n_big} draws (separate run): "
            + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items())
        )

        print(
            f"\n[2] full model at {N_ELEMENTS} elements: simulate + Dataset + summary on "
            + ("the real inputs" if native else f"inputs tiled to {N_ELEMENTS} element slots")
        )
        chain17: dict[int, dict] = {}
        probe = spawn("chain17", DRAW_COUNTS[0], store_path)
        if "blocked" in probe:
            print(f"  BLOCKED, not run: {probe['blocked']}")
            print(f"  raised at: {' <- '.join(reversed(probe['where']))}")
        else:
            chain17[DRAW_COUNTS[0]] = probe
            chain17[n_big] = spawn("chain17", n_big, store_path)
            for n in DRAW_COUNTS:
                print("  " + _row(chain17[n]) + "  [simulate + Dataset + summary]")

        proxy: dict | None = None
        if native:
            print(f"\n[3] not run: the real inputs have {N_ELEMENTS} elements ([1] is that scale)")
        else:
            n_proxy = round(n_big * N_ELEMENTS / len(inputs.elements))
            print(
                f"\n[3] {N_ELEMENTS}-element scale with the real {len(inputs.elements)}-element "
                f"code: {n_proxy} draws = {n_big} x {N_ELEMENTS}/{len(inputs.elements)}, the "
                "same number of draw x element cells (per-draw work such as lifetime solves is "
                f"done {N_ELEMENTS / len(inputs.elements):.2f}x), forecast() end to end"
            )
            proxy = spawn("model", n_proxy, store_path)
            print("  " + _row(proxy))

        print(
            f"\n[4] stock-and-flow core, {N_ELEMENTS} element slots x 3 end uses x "
            f"{len(REGIONS)} regions x {n_years} years (model.recycling with a region axis; "
            "inflow split evenly over regions): inflow-driven in-use stock, Weibull lifetime "
            "per draw and end use, secondary = outflow x collection x recovery; no stage "
            "chain and no balance check in "
            "either implementation; all draws' stock and secondary supply are kept"
        )
        core = {n: spawn("core17", n, store_path) for n in DRAW_COUNTS}
        for n in DRAW_COUNTS:
            print("  derisk, vectorised: " + _row(core[n]))
        flo = spawn("flodym17", FLODYM_DRAWS, store_path)
        flodym_per_draw = flo["seconds"] / flo["draws"]
        derisk_per_draw = core[n_big]["seconds"] / n_big
        ratio = flodym_per_draw / derisk_per_draw
        print(
            f"  flodym, one InflowDrivenDSM per draw: timed on {flo['draws']} draws (not "
            f"{n_big}: too slow), {flo['seconds']:.2f} s = {flodym_per_draw * 1e3:.2f} ms "
            f"per draw; {n_big} draws would take ~{flodym_per_draw * n_big:.0f} s "
            "(scaled, not run)"
        )
        print(
            f"  same results: max relative difference derisk vs flodym on those "
            f"{flo['draws']} draws (stock, secondary supply) = {flo['max_rel_diff']:.1e}"
        )
        print(
            f"  ratio_vs_flodym = flodym s/draw / derisk s/draw (at {n_big} draws) = "
            f"{flodym_per_draw * 1e3:.3f} ms / {derisk_per_draw * 1e3:.4f} ms = {ratio:.0f}x"
        )

        headline = chain17.get(n_big) or model[n_big]
        n_real = len(inputs.elements)
        label = (
            f"[2] {N_ELEMENTS}-element run_chunk"
            if n_big in chain17
            else f"[1] {n_real}-element model"
        )
        print("\ntargets:")
        print(
            f"  {n_big} draws of the full model <= {TARGET_SECONDS:.0f} s: "
            f"{n_real}-element model [1] {model[n_big]['seconds']:.1f} s "
            f"{_verdict(model[n_big]['seconds'] <= TARGET_SECONDS)}; "
            + (
                f"{N_ELEMENTS}-element [2] {chain17[n_big]['seconds']:.1f} s "
                f"{_verdict(chain17[n_big]['seconds'] <= TARGET_SECONDS)}"
                if n_big in chain17
                else f"{N_ELEMENTS}-element not measured (blocked, [2])"
            )
            + (
                ""
                if proxy is None
                else f"; {N_ELEMENTS}-element-scale proxy [3] {proxy['seconds']:.1f} s "
                f"{_verdict(proxy['seconds'] <= TARGET_SECONDS)}"
            )
        )
        print(
            f"  >= {TARGET_RATIO:.0f}x the flodym loop per draw (stock-and-flow core [4]): "
            f"{ratio:.0f}x {_verdict(ratio >= TARGET_RATIO)}"
        )
        peaks = {
            f"{n_real}-element [1] {n_big} draws": model[n_big],
            **(
                {f"{N_ELEMENTS}-element [2] {n_big} draws": chain17[n_big]}
                if n_big in chain17
                else {}
            ),
            **({"proxy [3]": proxy} if proxy is not None else {}),
            f"core [4] {n_big} draws": core[n_big],
        }
        print(
            f"  peak <= {TARGET_PEAK_MIB:.0f} MiB: "
            + "; ".join(
                f"{k} {r['peak_mib']:.0f} MiB {_verdict(r['peak_mib'] <= TARGET_PEAK_MIB)}"
                for k, r in peaks.items()
            )
        )
        print(
            f"\nlast line: seconds, draws_per_s and peak_mib of {label} at {n_big} draws; "
            "ratio_vs_flodym from the stock-and-flow core [4]"
        )
        print(
            f"forecast: draws={n_big} seconds={headline['seconds']:.2f} "
            f"draws_per_s={n_big / headline['seconds']:.0f} ratio_vs_flodym={ratio:.0f} "
            f"peak_mib={headline['peak_mib']:.0f}"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
