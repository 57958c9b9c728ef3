"""Every preset moves its headline figures the way its `promises` say, for US, EU27, JP.

A lever that moves nothing is a broken model, not a finding: each preset states, in its
YAML, which headline figures it raises or lowers against `baseline`; this test runs both
on the same seed and draws and holds the preset to it. A preset without promises fails.

Headline figures, per run (magnet rare earths together, draws and the years 2026-2050
averaged):
- china_free_share: China-free supply / demand;
- supply_share: supply available (all origins) / demand;
- shortfall: demand not met, t.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from derisk import vocabulary
from derisk.data.store import Store
from derisk.forecast.run import forecast
from derisk.forecast.scenario import MAGNET_ELEMENTS, load_scenario, presets

DRAWS = 120
SEED = 5
#: The blocs the issue names for this test, by their order in the bloc vocabulary.
BLOCS = tuple(b for b in vocabulary.BLOC_CODES if b in {"US", "EU27", "JP"})
#: Changes smaller than this (relative) count as "unchanged" (Monte Carlo noise is
#: shared: same seed, same draws), so "higher" means higher by more than it.
TOLERANCE = 1e-6


def headline(ds: xr.Dataset) -> dict[str, float]:
    magnets = ds.sel(element=list(MAGNET_ELEMENTS), year=slice(2026, None)).sum("element")
    demand = magnets["demand"]
    return {
        "china_free_share": float((magnets["china_free_supply"] / demand).mean()),
        "supply_share": float((magnets["supply_available"] / demand).mean()),
        "shortfall": float(magnets["shortfall"].mean()),
    }


@pytest.fixture(scope="module")
def figures(session_store: Store) -> dict[tuple[str, str], dict[str, float]]:
    out = {}
    for bloc in BLOCS:
        for name in presets():
            ds = forecast(session_store, load_scenario(name), bloc=bloc, draws=DRAWS, seed=SEED)
            out[(name, bloc)] = headline(ds)
    return out


def _moved(value: float, base: float, promise: str) -> bool:
    scale = max(abs(base), 1e-12) * TOLERANCE
    return {
        "higher": value > base + scale,
        "lower": value < base - scale,
        "not_higher": value <= base + scale,
        "not_lower": value >= base - scale,
    }[promise]


@pytest.mark.parametrize("name", [p for p in presets() if p != "baseline"])
def test_preset_moves_its_headline_the_way_it_promises(name: str, figures) -> None:
    promises = load_scenario(name).promises
    strict = [m for m, v in promises.items() if v in ("higher", "lower")]
    assert strict, f"preset {name} promises no move: say which headline figures it moves"
    failures = []
    for bloc in BLOCS:
        base, run = figures[("baseline", bloc)], figures[(name, bloc)]
        for metric, promise in promises.items():
            if not _moved(run[metric], base[metric], promise):
                failures.append(f"{bloc} {metric}: {base[metric]:.6g} -> {run[metric]:.6g}")
    assert not failures, f"{name} does not move as promised ({promises}): " + "; ".join(failures)


def test_promises_name_headline_figures_only() -> None:
    known = {"china_free_share", "supply_share", "shortfall"}
    for name in presets():
        assert set(load_scenario(name).promises) <= known, name


def test_the_bloc_matters(figures) -> None:
    """Under pro-rata allocation the bloc's share cancelled: US and EU27 curves were equal."""
    shares = {b: figures[("baseline", b)]["china_free_share"] for b in BLOCS}
    assert len({round(v, 6) for v in shares.values()}) == len(shares), shares
    assert np.isfinite(list(shares.values())).all()
