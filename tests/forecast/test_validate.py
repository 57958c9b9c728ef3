"""`derisk forecast-validate`: the model's IEA-like run beside the IEA's own figures.

The model is being rebuilt, so nothing here depends on what it currently computes: the
published side is checked against the store rows read independently, the model side
against a hand-built Dataset, and the verdicts and exit codes against model figures
constructed by monkeypatching.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.data.store import Store
from derisk.errors import InputError
from derisk.forecast import validate as validate_module
from derisk.forecast.scenario import MAGNET_ELEMENTS, MODEL_STAGES, REGIONS, load_scenario
from derisk.forecast.validate import (
    COLUMNS,
    NO_TARGET,
    QUANTITIES,
    TARGETS,
    YEARS,
    figures_from_dataset,
    published_figures,
    validate,
)

runner = CliRunner()
KEYS = {"quantity", "year", "model", "published", "ratio", "source_id", "within_target", "target"}
SUPPLY = "IEA base case (announced projects)"


def _iea(store: Store, label: str, scenario: str, year: int) -> float:
    rows = store.table("demand_projections")
    hit = rows[
        (rows["source_id"] == "IEA_CMDE2025")
        & (rows["element_or_group"] == label)
        & (rows["scenario"] == scenario)
        & (rows["year"] == year)
    ]
    assert len(hit) == 1, (label, scenario, year)
    return float(hit["value"].iloc[0])


def _expected(store: Store, year: int) -> dict[str, float]:
    """The IEA figures computed here from the raw rows, not through the module."""
    mining = "magnet REE supply - mining - "
    refining = "magnet REE supply - refining - "
    countries = ("China", "Myanmar", "Australia", "United States", "Malaysia")
    refiners = {}
    for country in countries:
        try:
            refiners[country] = _iea(store, refining + country, SUPPLY, year)
        except AssertionError:
            continue  # the IEA gives no refining row for some producers (Myanmar)
    top3 = sum(sorted(refiners.values(), reverse=True)[:3])
    total_refining = _iea(store, refining + "total", SUPPLY, year)
    return {
        "China mining share (%)": 100
        * _iea(store, mining + "China", SUPPLY, year)
        / _iea(store, mining + "total", SUPPLY, year),
        "China refining share (%)": 100 * refiners["China"] / total_refining,
        "top-3 refining share (%)": 100 * top3 / total_refining,
        "magnet-REE demand (kt)": _iea(
            store, "magnet REEs (Nd+Pr+Dy+Tb) - total demand", "IEA STEPS", year
        ),
        "mined supply (kt)": _iea(store, mining + "total", SUPPLY, year),
    }


def test_published_figures_are_the_store_rows(session_store: Store) -> None:
    frame = published_figures(session_store).set_index(["quantity", "year"])
    for year in YEARS:
        for quantity, value in _expected(session_store, year).items():
            assert frame.loc[(quantity, year), "published"] == pytest.approx(value, rel=1e-12)
    assert set(frame["source_id"]) == {"IEA_CMDE2025"}
    assert len(frame) == len(QUANTITIES) * len(YEARS)


def test_rest_of_world_is_not_one_of_the_top_three() -> None:
    output = {"China": 80.0, "Rest of world": 30.0, "Malaysia": 10.0, "Australia": 2.0, "US": 7.0}
    assert validate_module.top_countries(output, ("Rest of world",)) == [
        "China",
        "Malaysia",
        "US",
    ]


def _dataset() -> xr.Dataset:
    """Two draws, two years; China mines 6 of 10 t in draw 0 and 8 of 10 t in draw 1."""
    elements = [*MAGNET_ELEMENTS, "La"]
    years = list(YEARS)
    supply = np.zeros((2, len(MODEL_STAGES), len(REGIONS), len(elements), len(years)))
    mining, separation = MODEL_STAGES.index("mining"), MODEL_STAGES.index("separation")
    chn, usa, row = REGIONS.index("CHN"), REGIONS.index("USA"), REGIONS.index("ROW")
    aus, mys = REGIONS.index("AUS"), REGIONS.index("MYS")
    for d, china in enumerate((6.0, 8.0)):
        supply[d, mining, chn, 0] = china  # all on Nd: the magnet elements are summed
        supply[d, mining, usa, 1] = 10.0 - china
        supply[d, mining, chn, 4] = 1000.0  # La: not a magnet rare earth, ignored
    # separation: CHN 50, ROW 30 (an aggregate), USA 10, AUS 6, MYS 4 -> top 3 = 66 of 100.
    for region, tonnes in ((chn, 50.0), (row, 30.0), (usa, 10.0), (aus, 6.0), (mys, 4.0)):
        supply[:, separation, region, 2] = tonnes
    demand = np.zeros((2, len(elements), len(years)))
    demand[:, 0] = [[1000.0, 2000.0], [3000.0, 4000.0]]
    demand[:, 3] = 500.0
    demand[:, 4] = 9e6  # La again
    coords = {"draw": [0, 1], "stage": list(MODEL_STAGES), "region": list(REGIONS)}
    coords |= {"element": elements, "year": years}
    return xr.Dataset(
        {
            "primary_supply": (("draw", "stage", "region", "element", "year"), supply),
            "demand_world": (("draw", "element", "year"), demand),
        },
        coords=coords,
    )


def test_model_figures_are_p50_of_per_draw_magnet_figures() -> None:
    frame = figures_from_dataset(_dataset()).set_index(["quantity", "year"])["model"]
    year = YEARS[0]
    assert frame[("China mining share (%)", year)] == pytest.approx(70.0)  # median of 60, 80
    assert frame[("China refining share (%)", year)] == pytest.approx(50.0)
    assert frame[("top-3 refining share (%)", year)] == pytest.approx(66.0)  # ROW left out
    assert frame[("magnet-REE demand (kt)", year)] == pytest.approx(2.5)  # (1.5 + 3.5) / 2
    assert frame[("magnet-REE demand (kt)", YEARS[1])] == pytest.approx(3.5)
    assert frame[("mined supply (kt)", year)] == pytest.approx(0.01)


def _figures(offsets: dict[tuple[str, int], float] | None = None):  # noqa: ANN202
    """Model figures equal to the IEA's, moved by `offsets` (points or relative, by kind)."""

    def figures(
        store: object, draws: int, seed: int, sets: list[str]
    ) -> tuple[pd.DataFrame, list[str]]:
        frame = published_figures(store)[["quantity", "year", "published"]]
        model = []
        for row in frame.itertuples():
            step = (offsets or {}).get((row.quantity, row.year), 0.0)
            share = row.quantity.endswith("(%)")
            model.append(row.published + step if share else row.published * (1 + step))
        return frame.drop(columns="published").assign(model=model), ["constructed"]

    return figures


def test_ratio_is_model_over_published_and_targets_follow_the_issue(session_store) -> None:
    offsets = {("China mining share (%)", 2030): 4.9, ("magnet-REE demand (kt)", 2030): 0.06}
    frame = validate(session_store, figures=_figures(offsets))
    assert list(frame.columns) == COLUMNS
    np.testing.assert_allclose(frame["ratio"], frame["model"] / frame["published"])
    verdict = {(r.quantity, r.year): r.within_target for r in frame.itertuples()}
    assert verdict[("China mining share (%)", 2030)] is True  # 4.9 points: inside 5
    assert verdict[("magnet-REE demand (kt)", 2030)] is False  # 6 %: outside 5 %
    assert verdict[("China refining share (%)", 2030)] is True
    untargeted = frame[[(r.quantity, r.year) not in TARGETS for r in frame.itertuples()]]
    assert untargeted["within_target"].isna().all()
    assert (untargeted["target"] == NO_TARGET).all()
    assert len(frame.attrs["missed"]) == 1
    assert "magnet-REE demand (kt) 2030" in frame.attrs["missed"][0]


class _StoreWithout:
    """The session store with one demand_projections label removed (nothing is written)."""

    def __init__(self, store: Store, label: str) -> None:
        self.store, self.label = store, label

    def table(self, name: str, **kwargs: object) -> pd.DataFrame:
        rows = self.store.table(name, **kwargs)
        if name == "demand_projections":
            rows = rows[rows["element_or_group"] != self.label]
        return rows


@pytest.mark.parametrize(
    "label",
    [
        "magnet REE supply - mining - China",
        "magnet REE supply - refining - total",
        "magnet REEs (Nd+Pr+Dy+Tb) - total demand",
    ],
)
def test_missing_iea_rows_name_the_table_and_the_label(session_store, label: str) -> None:
    def never(*args: object) -> None:
        raise AssertionError("the model must not run without the published figures")

    with pytest.raises(InputError) as err:
        validate(_StoreWithout(session_store, label), figures=never)
    assert "demand_projections" in str(err.value)
    assert label in str(err.value)


def test_the_preset_is_the_iea_setting() -> None:
    spec = load_scenario("iea-like")
    assert spec.extends == "baseline" and spec.demand.path == "IEA STEPS"
    assert spec.pipeline.on_time
    assert getattr(spec.pipeline, "mine_lead_years", None) is None  # announced dates stand
    assert all(p == 1.0 for s, p in spec.pipeline.success_probability.items() if s != "cancelled")
    for dist in spec.demand.multiplier.values():
        assert (dist.dist, dist.value) == ("fixed", 1.0)
    assert all(d.value == 0.0 for d in spec.demand.substitution.values())
    assert spec.intensity.dy_tb_annual_reduction.value == 0.0
    assert spec.china.capacity_growth.dist == "fixed" and not spec.china.export_controls


def test_cli_prints_the_table_from_a_real_run(built_store_path: Path) -> None:
    result = runner.invoke(
        app, ["forecast-validate", "--draws", "10", "--db", str(built_store_path)]
    )
    assert result.exit_code == 0, result.output
    for text in ("China", "mining", "refining", "top-3", "demand", "mined", "2030", "2035"):
        assert text in result.stdout
    assert "Rest of world" in result.stderr  # the note on aggregates


def test_cli_json_records(built_store_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(validate_module, "model_figures", _figures())
    result = runner.invoke(
        app, ["forecast-validate", "--format", "json", "--db", str(built_store_path)]
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == len(QUANTITIES) * len(YEARS)
    assert all(set(r) == KEYS for r in records)
    assert {r["target"] for r in records} >= {NO_TARGET}
    assert all(r["ratio"] == pytest.approx(1.0) for r in records)
    assert "all targets met" in result.stderr


@pytest.mark.parametrize(
    ("offsets", "missed"),
    [
        ({}, None),
        ({("China refining share (%)", 2030): -5.5}, "China refining share (%) 2030"),
        ({("China mining share (%)", 2030): 7.0}, "China mining share (%) 2030"),
        ({("magnet-REE demand (kt)", 2035): 0.08}, "magnet-REE demand (kt) 2035"),
        ({("mined supply (kt)", 2030): 0.5}, None),  # reported, no target
    ],
)
def test_strict_exit_code_follows_the_targets(
    built_store_path: Path, monkeypatch, offsets: dict, missed: str | None
) -> None:
    monkeypatch.setattr(validate_module, "model_figures", _figures(offsets))
    args = ["forecast-validate", "--db", str(built_store_path)]
    report = runner.invoke(app, args)
    strict = runner.invoke(app, [*args, "--strict"])
    assert report.exit_code == 0, report.output  # a report: a miss does not fail it
    assert strict.exit_code == (0 if missed is None else 1), strict.output
    if missed is not None:
        assert "missed target" in report.stderr and missed in report.stderr
    else:
        assert "missed target" not in report.stderr


def test_cli_set_reaches_the_preset_and_bad_values_exit_2(
    built_store_path: Path, monkeypatch
) -> None:
    args = ["forecast-validate", "--db", str(built_store_path)]
    bad = runner.invoke(app, [*args, "--set", "china.capacity_path=nope"])
    assert bad.exit_code == 2 and "china.capacity_path" in bad.stderr
    seen: list[list[str]] = []
    constructed = _figures()

    def spy(store: object, draws: int, seed: int, sets: list[str]):  # noqa: ANN202
        seen.append(sets)
        return constructed(store, draws, seed, sets)

    monkeypatch.setattr(validate_module, "model_figures", spy)
    result = runner.invoke(app, [*args, "--set", "china.capacity_path=residual"])
    assert result.exit_code == 0, result.output
    assert seen == [["china.capacity_path=residual"]]
    assert "--set china.capacity_path=residual" in result.stderr
