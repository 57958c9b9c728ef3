"""Tests for derisk.diagnose.criticality.

Expected numbers are either published values (each cited where used) or computed in the test
from the formula for hand-sized inputs; no other result is hard-coded.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derisk.diagnose import criticality as crit
from derisk.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
EU2017_FIXTURE = FIXTURES / "criticality_eu2017_published.csv"
SHARED_REFERENCE = Path("/work/shared/reference/supply/eu_criticality.csv")
SR_INPUTS = ["hhi_wgi_global", "hhi_wgi_eu", "import_reliance", "eol_rir", "si_sr"]
FAST = settings(max_examples=25, deadline=None)

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
index = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)


def published_eu2017() -> pd.DataFrame:
    """EU 2017 study, Tables 3/18/21 via the reference data (see the fixture's header)."""
    return pd.read_csv(EU2017_FIXTURE, comment="#")


def elements_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["hhi_wgi_global"].notna()].reset_index(drop=True)


def scored_eu2017(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = published_eu2017() if frame is None else frame
    return crit._eu2017_with_checks(crit.score_table(frame, "eu2017"))


# --------------------------------------------------------------------------------------------
# EU 2017: published fixtures
# --------------------------------------------------------------------------------------------


def test_fixture_is_a_verbatim_copy_of_the_reference_data() -> None:
    if not SHARED_REFERENCE.exists():
        pytest.skip("shared reference data not mounted")
    ref = pd.read_csv(SHARED_REFERENCE)
    ref = ref[ref["assessment_year"] == 2017].reset_index(drop=True)
    fixture = published_eu2017()
    cols = [
        "supply_risk",
        "economic_importance",
        "hhi_wgi_global",
        "hhi_wgi_eu",
        "import_reliance_percent",
        "eol_rir_percent",
        "si_sr",
        "si_ei",
    ]
    assert list(fixture["material"]) == list(ref["material"])
    pd.testing.assert_frame_equal(fixture[cols], ref[cols], check_dtype=False)


# Published SR (EU 2017 study, Table 3, one decimal) is reproduced exactly, at the published
# rounding, from the printed inputs (Tables 18/21) for these elements. The expected values are
# the fixture's published SR; only the material names are listed here.
EXACTLY_REPRODUCED = [
    "Lanthanum",
    "Europium",
    "Holmium",
    "Lutetium",
    "Thulium",
    "Ytterbium",
    "Yttrium",
]


@pytest.mark.parametrize("material", EXACTLY_REPRODUCED)
def test_eu2017_sr_reproduces_published_value_at_one_decimal(material: str) -> None:
    row = published_eu2017().set_index("material").loc[material]
    sr = crit.eu2017_supply_risk(
        row["hhi_wgi_global"],
        row["hhi_wgi_eu"],
        crit.percent_to_fraction(row["import_reliance_percent"]),
        crit.percent_to_fraction(row["eol_rir_percent"]),
        row["si_sr"],
        scope=row["sr_scope"],
    )
    assert math.floor(sr * 10 + 0.5) / 10 == pytest.approx(row["supply_risk"])


def test_eu2017_other_elements_differ_only_within_input_rounding() -> None:
    # The other 9 rows (Ce, Nd, Pr, Sm, Dy, Er, Gd, Tb, Sc) do not reproduce at one decimal.
    # But every published SR lies inside the range that rounding of the printed inputs
    # allows (HHI, SI +-0.05; IR, EoL-RIR +-0.5 percentage points).
    scored = elements_only(scored_eu2017())
    assert len(scored) == 16
    exact = set(scored.loc[scored["sr_check"] == "reproduced", "material"])
    assert exact == set(EXACTLY_REPRODUCED)
    assert (scored["sr_check"] != "not_reproduced").all(), scored[["material", "sr_check"]]
    pub = scored["supply_risk_published"]
    assert (
        (scored["supply_risk_low"] < pub + 0.05) & (scored["supply_risk_high"] > pub - 0.05)
    ).all()


def test_rounding_check_can_fail_global_only_contradicts_published_element_sr() -> None:
    # Proves the rounding check is not vacuous: scoring the 15 REEs on global supply only
    # (the wrong scope for them) puts every published SR outside the rounding range.
    frame = elements_only(published_eu2017())
    frame = frame[frame["material"] != "Scandium"].assign(sr_scope="global_only")
    assert (scored_eu2017(frame)["sr_check"] == "not_reproduced").all()


def test_scandium_is_reproduced_only_with_the_global_only_scope() -> None:
    # Reference note for Scandium 2017: "stage assessed processing; SR uses global supply only".
    scandium = published_eu2017().query("material == 'Scandium'")
    as_published = scored_eu2017(scandium)["sr_check"].iloc[0]
    with_eu_term = scored_eu2017(scandium.assign(sr_scope="global_and_eu"))["sr_check"].iloc[0]
    assert as_published == "within_input_rounding"
    assert with_eu_term == "not_reproduced"


def test_eu2017_critical_flag_matches_the_study_for_every_element() -> None:
    # Published reading (reference note): all REEs critical except erbium (EI 2.7) and
    # lanthanum (EI 1.4); scandium critical.
    scored = elements_only(scored_eu2017())
    published = scored["critical_published"].map({"yes": True, "no": False})
    assert list(scored["critical"].astype(bool)) == list(published)


def test_group_rows_without_inputs_list_them_and_get_no_score() -> None:
    scored = scored_eu2017()
    groups = scored[scored["material"].str.contains("REE")]
    assert len(groups) == 2
    assert groups["supply_risk"].isna().all()
    assert groups["critical"].isna().all()
    assert set(groups["missing_inputs"]) == {"hhi_wgi_global;hhi_wgi_eu;si_sr"}
    assert (groups["sr_check"] == "missing").all()


# --------------------------------------------------------------------------------------------
# EU 2017: formula, units and invariants
# --------------------------------------------------------------------------------------------


def test_eu2017_supply_risk_hand_computed() -> None:
    g, e, ir, eol, si = 4.0, 2.0, 0.5, 0.25, 0.8
    expected = (g * ir / 2 + e * (1 - ir / 2)) * (1 - eol) * si
    assert crit.eu2017_supply_risk(g, e, ir, eol, si) == pytest.approx(expected)
    assert crit.eu2017_supply_risk(g, None, ir, eol, si, scope="global_only") == pytest.approx(
        g * (1 - eol) * si
    )


def test_eu2017_is_vectorised() -> None:
    sr = crit.eu2017_supply_risk([4.0, 6.0], [2.0, 2.0], 1.0, 0.0, 1.0)
    assert isinstance(sr, np.ndarray)
    np.testing.assert_allclose(sr, [3.0, 4.0])


@pytest.mark.parametrize("name", ["import_reliance", "eol_rir", "si_sr"])
def test_eu2017_rejects_percent_passed_as_fraction(name: str) -> None:
    args = {
        "hhi_wgi_global": 9.2,
        "hhi_wgi_eu": 1.8,
        "import_reliance": 1.0,
        "eol_rir": 0.01,
        "si_sr": 1.0,
        name: 38.0,
    }
    with pytest.raises(InputError) as err:
        crit.eu2017_supply_risk(**args)
    assert err.value.column == name


def test_eu2017_needs_eu_hhi_unless_global_only() -> None:
    with pytest.raises(InputError):
        crit.eu2017_supply_risk(9.2, None, 1.0, 0.0, 1.0)


def test_percent_conversion_is_explicit() -> None:
    frame = pd.DataFrame(
        {"material": ["X"], "import_reliance_percent": [40.0], "eol_rir_percent": [5.0]}
    )
    converted = crit.eu2017_inputs_from_percent(frame)
    assert converted.loc[0, "import_reliance"] == pytest.approx(0.40)
    assert converted.loc[0, "eol_rir"] == pytest.approx(0.05)
    # the fraction-based table does not convert percent columns by itself
    assert crit.eu2017_table(frame).loc[0, "missing_inputs"].startswith("hhi_wgi_global")
    assert "import_reliance" in crit.eu2017_table(frame).loc[0, "missing_inputs"]
    with pytest.raises(InputError):
        crit.eu2017_inputs_from_percent(converted)  # both percent and fraction columns
    with pytest.raises(InputError):
        crit.percent_to_fraction(140.0)


@FAST
@given(g1=index, g2=index, e=index, ir=unit, eol=unit, si=unit)
def test_eu2017_sr_monotone_in_concentration(
    g1: float, g2: float, e: float, ir: float, eol: float, si: float
) -> None:
    low, high = sorted((g1, g2))
    assert (
        crit.eu2017_supply_risk(low, e, ir, eol, si)
        <= crit.eu2017_supply_risk(high, e, ir, eol, si) + 1e-12
    )
    assert (
        crit.eu2017_supply_risk(e, low, ir, eol, si)
        <= crit.eu2017_supply_risk(e, high, ir, eol, si) + 1e-12
    )


@FAST
@given(g=index, e=index, ir=unit, eol=unit, si=unit)
def test_eu2017_sr_bounded_by_concentration(
    g: float, e: float, ir: float, eol: float, si: float
) -> None:
    sr = crit.eu2017_supply_risk(g, e, ir, eol, si)
    assert 0.0 <= sr <= max(g, e) + 1e-12
    low, high = crit.eu2017_supply_risk_bounds(g, e, ir, eol, si)
    assert low - 1e-12 <= sr <= high + 1e-12


@FAST
@given(
    values=st.lists(st.one_of(index, st.just(math.nan)), min_size=6, max_size=6),
    scope=st.sampled_from(crit.SR_SCOPES),
)
def test_eu2017_table_score_nan_iff_an_input_is_missing(values: list[float], scope: str) -> None:
    names = crit.REQUIRED_INPUTS["eu2017"]
    row = {
        n: (v if n not in ("import_reliance", "eol_rir", "si_sr") or math.isnan(v) else v / 10)
        for n, v in zip(names, values, strict=True)
    }
    out = crit.eu2017_table(pd.DataFrame([{"material": "X", "sr_scope": scope, **row}])).iloc[0]
    global_unused = ("hhi_wgi_eu", "import_reliance") if scope == "global_only" else ()
    needed = [n for n in SR_INPUTS if n not in global_unused]
    nan_needed = [n for n in names if math.isnan(row[n]) and (n in needed or n not in SR_INPUTS)]
    assert out["missing_inputs"] == ";".join(nan_needed)
    assert math.isnan(out["supply_risk"]) == any(math.isnan(row[n]) for n in needed)
    assert pd.isna(out["critical"]) == (
        math.isnan(out["supply_risk"]) or math.isnan(row["economic_importance"])
    )


def test_eu2017_critical_thresholds() -> None:
    flags = crit.eu2017_is_critical([1.0, 0.99, 1.0, math.nan], [2.8, 5.0, 2.79, 5.0])
    assert list(flags[:3]) == [True, False, False]
    assert pd.isna(flags[3])


def test_eu2017_economic_importance_hand_computed_and_invariants() -> None:
    shares, value_added, scale = [0.6, 0.4], [100.0, 50.0], 40.0
    expected = (0.6 * 100.0 + 0.4 * 50.0) / scale * 0.9
    assert crit.eu2017_economic_importance(shares, value_added, 0.9, scale=scale) == pytest.approx(
        expected
    )
    assert crit.eu2017_economic_importance([0, 0], value_added, 1.0, scale=scale) == 0.0
    less = crit.eu2017_economic_importance(shares, value_added, 0.5, scale=scale)
    assert less < crit.eu2017_economic_importance(shares, value_added, 1.0, scale=scale)
    with pytest.raises(InputError):
        crit.eu2017_economic_importance([0.7, 0.4], value_added, 1.0, scale=scale)
    with pytest.raises(InputError):
        crit.eu2017_economic_importance(shares, [1.0], 1.0, scale=scale)
    with pytest.raises(InputError):
        crit.eu2017_economic_importance(shares, value_added, 1.0, scale=0.0)


# --------------------------------------------------------------------------------------------
# USGS 2020 (no published fixture found: invariants and the published threshold)
# --------------------------------------------------------------------------------------------


@FAST
@given(dp=unit, te=unit, ev=unit, bump=unit)
def test_usgs_supply_risk_bounded_monotone_and_zero_without_exposure(
    dp: float, te: float, ev: float, bump: float
) -> None:
    sr = crit.usgs2020_supply_risk(dp, te, ev)
    assert 0.0 <= sr <= min(dp, te, ev) + 1e-12
    higher = min(1.0, dp + bump)
    assert crit.usgs2020_supply_risk(higher, te, ev) >= sr - 1e-12
    assert crit.usgs2020_supply_risk(dp, 0.0, ev) == 0.0


def test_usgs_threshold_is_the_published_0_40() -> None:
    # USGS, caption of Fortier's 31 March 2022 Senate testimony Figure 3: commodities with a
    # recency-weighted mean supply risk >= 0.40 were recommended for the list.
    assert crit.USGS2022_SR_THRESHOLD == 0.40
    frame = pd.DataFrame(
        {
            "material": ["a", "b", "c"],
            "disruption_potential": [1.0, 1.0, 1.0],
            "trade_exposure": [1.0, 1.0, math.nan],
            "economic_vulnerability": [0.40, 0.39, 0.5],
        }
    )
    out = crit.usgs2020_table(frame)
    assert list(out["critical"][:2]) == [True, False]
    assert pd.isna(out["critical"][2]) and math.isnan(out["supply_risk"][2])
    assert out["missing_inputs"].tolist() == ["", "", "trade_exposure"]


def test_usgs_rejects_out_of_range_indicator() -> None:
    with pytest.raises(InputError) as err:
        crit.usgs2020_supply_risk(0.5, 53.0, 0.5)
    assert err.value.column == "trade_exposure"


# --------------------------------------------------------------------------------------------
# GeoPolRisk
# --------------------------------------------------------------------------------------------


def test_geopolrisk_trade_aggregates_match_geopolrisk_py_test() -> None:
    # akoyamp/geopolrisk-py, tests/test_util.py::test_aggregateTrade (commit 1d96e9b0):
    # qty [1000, 2000], cifvalue [10000, 20000], partnerWGI [0.5, 0.6]
    # -> sumnum 1700, sumqty 3000, price 10.
    weighted, total, price = crit.geopolrisk_trade_aggregates(
        [1000, 2000], [10000, 20000], [0.5, 0.6]
    )
    assert (weighted, total, price) == (pytest.approx(1700), 3000, pytest.approx(10))


def test_geopolrisk_score_matches_geopolrisk_py_core_case() -> None:
    # akoyamp/geopolrisk-py, tests/test_core.py::test_GeoPolRisk_valid_input (commit b4b5d25e):
    # numerator 1000, total_trade 2000, price 50, prod_qty 500, hhi 0.3; the package asserts
    # score == hhi*(num/(total+prod)). core.GeoPolRisk (geopolrisk/assessment/core.py) returns
    # CF = score * price.
    score = crit.geopolrisk(0.3, 1000.0, 2000.0, 500.0)
    assert score == pytest.approx(0.3 * (1000.0 / (2000.0 + 500.0)))
    assert crit.geopolrisk_characterisation_factor(score, 50.0) == pytest.approx(score * 50.0)


def test_hhi_normalised_hand_cases() -> None:
    assert crit.hhi_normalised([5.0]) == 1.0
    assert crit.hhi_normalised([2.0, 2.0, 2.0, 2.0]) == pytest.approx(1 / 4)
    assert crit.hhi_normalised([3.0, 1.0]) == pytest.approx((9 + 1) / 16)
    assert math.isnan(crit.hhi_normalised([0.0, 0.0]))


@FAST
@given(
    production=st.lists(st.floats(min_value=0.0, max_value=1e6), min_size=1, max_size=8).filter(
        lambda p: sum(p) > 1e-3
    )
)
def test_hhi_normalised_bounds(production: list[float]) -> None:
    hhi = crit.hhi_normalised(production)
    producers = sum(1 for p in production if p > 0)
    assert 1.0 / producers - 1e-9 <= hhi <= 1.0 + 1e-9


@FAST
@given(
    hhi=unit,
    qty=st.lists(st.floats(min_value=0.0, max_value=1e6), min_size=1, max_size=6),
    g=unit,
    domestic=st.floats(min_value=0.0, max_value=1e6),
    more=st.floats(0.0, 1e6),
)
def test_geopolrisk_bounded_and_diluted_by_domestic_production(
    hhi: float, qty: list[float], g: float, domestic: float, more: float
) -> None:
    weighted, total, _ = crit.geopolrisk_trade_aggregates(qty, [0.0] * len(qty), [g] * len(qty))
    score = crit.geopolrisk(hhi, weighted, total, domestic)
    if total + domestic == 0:
        assert math.isnan(score)
        return
    assert 0.0 <= score <= hhi + 1e-12
    assert crit.geopolrisk(hhi, weighted, total, domestic + more) <= score + 1e-12


def test_geopolrisk_missing_wgi_is_not_filled() -> None:
    weighted, _, _ = crit.geopolrisk_trade_aggregates([10, 20], [1, 2], [0.5, math.nan])
    assert math.isnan(weighted)
    out = crit.geopolrisk_table(
        pd.DataFrame(
            {
                "material": ["Nd"],
                "hhi": [0.5],
                "weighted_imports": [weighted],
                "total_imports": [30.0],
                "domestic_production": [0.0],
            }
        )
    )
    assert math.isnan(out.loc[0, "geopolrisk"])
    assert out.loc[0, "missing_inputs"] == "weighted_imports"
    assert pd.isna(out.loc[0, "critical"])


# --------------------------------------------------------------------------------------------
# load_inputs_csv
# --------------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "inputs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_inputs_csv_reads_numbers_and_keeps_missing_as_nan(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "material,disruption_potential,trade_exposure,economic_vulnerability\n"
        "Nd,0.9,1.0,0.5\nDy,0.8,NA,\n",
    )
    frame = crit.load_inputs_csv(path, method="usgs2020")
    assert frame["disruption_potential"].dtype == float
    out = crit.usgs2020_table(frame)
    assert out["supply_risk"][0] == pytest.approx(0.9 * 1.0 * 0.5)
    assert out["missing_inputs"][1] == "trade_exposure;economic_vulnerability"


@pytest.mark.parametrize(
    ("text", "column", "row"),
    [
        ("material,si_sr\nNd,0.9\nDy,abc\n", "si_sr", 3),
        ("name,si_sr\nNd,0.9\n", "material", 1),
        ("material,si_sr\nNd,0.9\nNd,0.8\n", "material", 3),
        ("material,si_sr\nNd,0.9,7\n", None, 2),
        ("material,si_sr,sr_scope\nNd,0.9,eu_only\n", "sr_scope", 2),
        ("material,si_sr\n,0.9\n", "material", 2),
        ("material,si_sr,si_sr\nNd,0.9,0.9\n", "si_sr", 1),
        ("material,si_sr\nNd,inf\n", "si_sr", 2),
    ],
)
def test_load_inputs_csv_errors_name_file_row_and_column(
    tmp_path: Path, text: str, column: str | None, row: int
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        crit.load_inputs_csv(path)
    assert err.value.file == str(path)
    assert err.value.row == row
    assert err.value.column == column


def test_load_inputs_csv_error_message_format(tmp_path: Path) -> None:
    path = write(tmp_path, "material,si_sr\nNd,0.9\nDy,abc\n")
    with pytest.raises(InputError) as err:
        crit.load_inputs_csv(path)
    assert str(err.value).startswith(f"{path}:3: si_sr: not a number (expected ")
    assert str(err.value).endswith("found 'abc')")


def test_load_inputs_csv_rejects_unusable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        crit.load_inputs_csv(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="empty"):
        crit.load_inputs_csv(write(tmp_path, "", "empty.csv"))
    with pytest.raises(InputError, match="UTF-8"):
        path = tmp_path / "latin1.csv"
        path.write_bytes("material,si_sr\nC\xe9rium,0.9\n".encode("latin-1"))
        crit.load_inputs_csv(path)
    with pytest.raises(InputError, match="no input column"):
        crit.load_inputs_csv(write(tmp_path, "material,hhi\nNd,0.5\n", "x.csv"), method="eu2017")
    with pytest.raises(InputError, match="unknown criticality method"):
        crit.load_inputs_csv(write(tmp_path, "material,hhi\nNd,0.5\n", "y.csv"), method="ihs")


# --------------------------------------------------------------------------------------------
# Store-level entry point
# --------------------------------------------------------------------------------------------


class FakeStore:
    """Stands in for derisk.data.store.Store: only ``table(name, include_user)`` is used."""

    def __init__(self) -> None:
        fixture = published_eu2017()
        notes = np.where(
            fixture["sr_scope"] == "global_only",
            "2017: stage assessed processing; SR uses global supply only.",
            "stage: extraction; SR uses global supply + EU sourcing.",
        )
        self.eu = fixture.drop(columns=["sr_scope"]).assign(
            assessment_year=2017,
            critical=fixture["critical"] == "yes",
            source_id="ec-crm-2017-study",
            note=notes,
        )
        self.calls: list[tuple[str, bool]] = []

    def table(self, name: str, include_user: bool = True) -> pd.DataFrame:
        self.calls.append((name, include_user))
        if name == "eu_criticality":
            return self.eu
        if name == "elements":
            return pd.DataFrame({"symbol": ["Nd", "Dy"], "name": ["Neodymium", "Dysprosium"]})
        raise KeyError(name)


def test_criticality_eu2017_from_store_shows_published_and_recomputed() -> None:
    store = FakeStore()
    out = crit.criticality(store, include_user=False)
    assert store.calls == [("eu_criticality", False)]
    assert {
        "supply_risk_published",
        "supply_risk",
        "sr_check",
        "critical_published",
        "critical",
        "missing_inputs",
        "sources",
        "method",
    } <= set(out.columns)
    scandium = out.set_index("material").loc["Scandium"]
    assert scandium["sr_scope"] == "global_only"
    assert scandium["supply_risk"] == pytest.approx(3.0 * (1 - 0.0) * 1.0)
    assert (out["sources"] == "ec-crm-2017-study").all()
    assert (out["method"] == "eu2017").all()


@pytest.mark.parametrize("method", ["usgs2020", "geopolrisk"])
def test_criticality_lists_missing_inputs_when_dataset_has_none(method: str) -> None:
    out = crit.criticality(FakeStore(), method=method)
    assert list(out["material"]) == ["Neodymium", "Dysprosium"]
    assert (out["missing_inputs"] == ";".join(crit.REQUIRED_INPUTS[method])).all()
    score = crit.SCORE_COLUMNS[method][0]
    assert out[score].isna().all()


def test_criticality_scores_user_inputs_and_rejects_unknown_method() -> None:
    inputs = pd.DataFrame(
        {
            "material": ["Nd"],
            "hhi": [0.5],
            "weighted_imports": [30.0],
            "total_imports": [60.0],
            "domestic_production": [0.0],
        }
    )
    out = crit.criticality(None, method="geopolrisk", inputs=inputs)
    assert out.loc[0, "geopolrisk"] == pytest.approx(0.5 * 30.0 / 60.0)
    assert out.loc[0, "sources"] == "user input"
    with pytest.raises(InputError):
        crit.criticality(None, method="nope")


def test_criticality_with_real_store(tmp_path: Path) -> None:
    store_module = pytest.importorskip("derisk.data.store")
    store = store_module.Store.open(tmp_path / "derisk.duckdb")
    out = crit.criticality(store, include_user=False)
    assert len(out) == 18  # 15 REEs, scandium, HREE and LREE groups (2017 rows)
    assert set(out.loc[out["sr_check"] == "reproduced", "material"]) == set(EXACTLY_REPRODUCED)
    assert (out.loc[out["hhi_wgi_global"].notna(), "sr_check"] != "not_reproduced").all()
    assert out.set_index("material").loc["Scandium", "sr_scope"] == "global_only"
    missing = crit.criticality(store, method="usgs2020")
    assert missing["supply_risk"].isna().all() and len(missing) == 17
