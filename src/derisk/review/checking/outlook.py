"""What derisk's forecast says about a bloc or a plant, for the review's predictions.

The review tests a forward-looking claim against the prognosis (review.predict). This
module runs the forecast once per (store, scenario, bloc) and keeps only the per-draw
arrays the judgements need, so an article with ten predictions about the US costs one
run. Reviews without predictions never import the forecast from here: the run is
lazy. The draws are few (``DRAWS``) with a fixed seed, so a verdict is reproducible
and names the run that produced it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from derisk.vocabulary import BLOC_REGIONS

if TYPE_CHECKING:  # xarray is imported with the forecast, on the first prediction only
    import xarray as xr

#: The scenario predictions are judged against: current policies.
SCENARIO = "baseline"
#: Monte Carlo draws per run: enough for quartiles, small enough to stay under ~1 s.
DRAWS = 200
#: Fixed seed: the same article gets the same verdict on every run.
SEED = 1
#: A claimed value below the forecast's P25 or above its P75 is outside its middle half.
LOW_Q, HIGH_Q = 25.0, 75.0


@dataclass(frozen=True)
class Outlook:
    """One forecast run for one bloc, reduced to what predictions are compared with.

    Arrays are (draw, element, year) unless noted; ``derisked`` and ``gap_closed`` are
    (draw, element) years with inf for "not within the horizon".
    """

    scenario: str
    bloc: str
    draws: int
    seed: int
    threshold: float
    years: np.ndarray
    elements: tuple[str, ...]
    demand: np.ndarray
    china_free: np.ndarray
    own_separation: np.ndarray  # separation output in the bloc's own region (zeros if none)
    recycled: np.ndarray
    derisked: np.ndarray
    gap_closed: np.ndarray
    share_source: str  # the scenario's source text for the bloc's share of world demand

    @property
    def run(self) -> str:
        """How to name the run in an explanation: scenario and draws (and seed)."""
        return f"{self.scenario}, {self.draws} draws, seed {self.seed}"

    def index(self, elements: tuple[str, ...]) -> list[int]:
        """Positions on the element axis; elements the model lacks are left out."""
        return [self.elements.index(e) for e in elements if e in self.elements]

    def with_demand(self, elements: tuple[str, ...]) -> tuple[str, ...]:
        """The elements the forecast has demand for (Pm and Sc have none: no data)."""
        total = self.demand.sum(axis=(0, 2))
        return tuple(
            e for e in elements if e in self.elements and total[self.elements.index(e)] > 0
        )

    def year_index(self, year: int) -> int | None:
        """Position on the year axis; None outside the horizon (such a claim is unmapped)."""
        hits = np.flatnonzero(self.years == year)
        return int(hits[0]) if len(hits) else None


def _infinite(years: xr.DataArray) -> np.ndarray:
    """(draw, element) years with inf for NaN, so "never" sorts after every year."""
    values = np.asarray(years.transpose("draw", "element").values, float)
    return np.where(np.isfinite(values), values, np.inf)


def _reduce(ds: xr.Dataset, scenario: object, bloc: str) -> Outlook:
    """The per-draw arrays of a forecast Dataset (derisk.forecast.run.forecast)."""
    import xarray as xr

    from derisk.forecast.summary import eu_processed, year_derisked

    threshold = float(ds.attrs["derisk_threshold"])
    order = ("draw", "element", "year")
    regions = BLOC_REGIONS.get(bloc, ())
    own = ds["primary_supply"].sel(stage="separation")
    if len(regions) == 1 and regions[0] in own["region"].values:
        # the bloc's own demand processed at home, per element (forecast.summary's basis
        # for the CRMA 40 %): output above an element's demand is exported, not counted
        own_sep = eu_processed(ds, regions[0]).transpose(*order).values
    else:
        own_sep = np.zeros_like(ds["demand"].transpose(*order).values)
    # A gap closes when all supply, China's allowed exports included, covers demand for
    # good: year_derisked's rule applied to supply_available instead of China-free supply.
    available = xr.Dataset({"china_free_supply": ds["supply_available"], "demand": ds["demand"]})
    share = scenario.demand.bloc_share.get(bloc)  # type: ignore[attr-defined]
    return Outlook(
        scenario=str(ds.attrs["scenario"]),
        bloc=bloc,
        draws=int(ds.attrs["draws"]),
        seed=int(ds.attrs["seed"]),
        threshold=threshold,
        years=np.asarray(ds["year"].values, int),
        elements=tuple(str(e) for e in ds["element"].values),
        demand=ds["demand"].transpose(*order).values,
        china_free=ds["china_free_supply"].transpose(*order).values,
        own_separation=own_sep,
        recycled=ds["secondary_supply"].transpose(*order).values,
        derisked=_infinite(year_derisked(ds, threshold)),
        gap_closed=_infinite(year_derisked(available, 1.0)),
        share_source=str(getattr(share, "source", "") or ""),
    )


def forecast_blocs(scenario: str = SCENARIO) -> tuple[str, ...]:
    """Blocs the scenario has a sourced share of world demand for: only they can be run."""
    return tuple(_scenario(scenario).demand.bloc_share)


@cache
def _scenario(name: str) -> object:
    """A preset, parsed once per process (YAML and validation cost more than a lookup)."""
    from derisk.forecast.scenario import load_scenario

    return load_scenario(name)


def _signature(store: object) -> tuple:
    """Which store file and version a run belongs to: a write (an import) starts afresh."""
    path = getattr(store, "path", None)
    try:
        stat = os.stat(path) if path is not None else None
    except OSError:
        stat = None
    version = store.meta().get("dataset_version") if hasattr(store, "meta") else None  # type: ignore[attr-defined]
    return (str(path), version, stat and (stat.st_size, stat.st_mtime_ns))


_RUNS: dict[tuple, Outlook] = {}


def outlook(store: object, bloc: str, scenario: str = SCENARIO) -> Outlook | None:
    """The forecast for ``bloc`` under ``scenario``, run once per store version; None when
    the scenario has no demand share for the bloc (the forecast would refuse to run)."""
    if bloc not in forecast_blocs(scenario):
        return None
    key = (*_signature(store), scenario, bloc, DRAWS, SEED)
    if key not in _RUNS:
        from derisk.forecast.run import forecast

        spec = _scenario(scenario)
        ds = forecast(store, spec, bloc=bloc, draws=DRAWS, seed=SEED)  # type: ignore[arg-type]
        if len(_RUNS) > 16:  # a long-lived process reviewing against many stores
            _RUNS.clear()
        _RUNS[key] = _reduce(ds, spec, bloc)
    return _RUNS[key]


# -- quantiles -------------------------------------------------------------------------
def year_quantile(years: np.ndarray, q: float) -> float:
    """A quantile of per-draw years where inf ("never in the horizon") is the latest."""
    return float(np.percentile(years, q, method="lower"))


def year_text(year: float) -> str:
    """A year for a reader: inf is "never" (not within the forecast's horizon)."""
    return "never" if not np.isfinite(year) else str(int(year))


def place(claimed: float, low: float, high: float) -> str:
    """Where a claimed year or share sits against the forecast's middle half.

    A year claimed before the P25 (or a share above the P75: pass shares negated) is ahead
    of the forecast: optimistic; after the P75 behind it: pessimistic; else consistent.
    """
    if claimed < low:
        return "optimistic"
    if claimed > high:
        return "pessimistic"
    return "consistent"


def source_ids(text: str, known: set[str]) -> list[str]:
    """The store's source ids named in a scenario's free-text source ("assumption: ...")."""
    return [t for t in dict.fromkeys(re.findall(r"[A-Za-z0-9_.\-]+", text)) if t in known]
