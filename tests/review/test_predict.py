"""Predictions against the prognosis (review.predict): real sentences, verdicts derived here.

Each expected verdict is computed in the test from a forecast run or the delay table
(never a number typed in), with the rule docs/METHODS.md states: a claimed year before
the forecast's P25 is optimistic, after its P75 pessimistic, else consistent (shares:
above the P75 optimistic, below the P25 pessimistic; a floor such as a target holds
unless P(reached) < 0.25; a denial is pessimistic only if P(by then) > 0.75).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from derisk.data.store import Store
from derisk.forecast.inputs import delay_table
from derisk.forecast.run import forecast
from derisk.forecast.scenario import load_scenario
from derisk.forecast.summary import year_derisked
from derisk.review.checking import outlook as ol
from derisk.review.checking.predict import check_predictions
from derisk.review.checking.verify import FactBase, verify
from derisk.review.extraction.claims import extract_claims
from derisk.review.extraction.lexicon import build_lexicon
from derisk.review.reading.text import article_from_text
from derisk.review.writing.critique import Reviewer
from derisk.vocabulary import CHECKED_VERDICTS, VERDICT_TERMS, WRONG_VERDICTS

DATE = dt.date(2025, 6, 1)
DRAWS = 40  # small: the rule, not the Monte Carlo precision, is under test
MAGNET = ("Nd", "Pr", "Dy", "Tb")


@pytest.fixture(scope="module", autouse=True)
def few_draws() -> object:
    """The reviewer's runs and the test's own use the same small number of draws."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ol, "DRAWS", DRAWS)
        yield


@pytest.fixture(scope="module")
def judge(session_store: Store):  # noqa: ANN201
    lexicon, facts = build_lexicon(session_store), FactBase(session_store)

    def run(text: str, date: dt.date | None = DATE) -> tuple[object, object]:
        """(verdict before, verdict after) of the sentence's main claim."""
        article = article_from_text(text, date=date)
        claims = extract_claims(article, lexicon)
        before = verify(claims, facts, date)
        after = check_predictions(claims, before, session_store, date)
        main = next(c for c in claims if c.part == 0)
        pick = lambda vs: next((v for v in vs if v.claim is main), None)  # noqa: E731
        return pick(before), pick(after)

    return run


@pytest.fixture(scope="module")
def runs(session_store: Store) -> dict[str, xr.Dataset]:
    scenario = load_scenario(ol.SCENARIO)
    return {
        b: forecast(session_store, scenario, bloc=b, draws=DRAWS, seed=ol.SEED)
        for b in ("US", "EU27")
    }


def _inf(years: xr.DataArray, elements: tuple[str, ...]) -> np.ndarray:
    v = years.sel(element=list(elements)).transpose("draw", "element").values.astype(float)
    return np.where(np.isfinite(v), v, np.inf).max(axis=1)


def _by_year(years: np.ndarray, claimed: int, negated: bool = False) -> tuple[str, float]:
    """The documented rule for a year, from per-draw years (inf: not in the horizon)."""
    p = float(np.mean(years <= claimed))
    if negated:
        return ("pessimistic" if p > 0.75 else "consistent"), p
    low, high = (np.percentile(years, q, method="lower") for q in (25, 75))
    return ("optimistic" if claimed < low else "pessimistic" if claimed > high else "consistent"), p


def _with_demand(ds: xr.Dataset, elements: tuple[str, ...]) -> tuple[str, ...]:
    total = ds["demand"].sum(("draw", "year"))
    return tuple(e for e in elements if float(total.sel(element=e)) > 0)


def _share(ds: xr.Dataset, top: xr.DataArray, year: int) -> np.ndarray:
    sel = {"element": list(MAGNET), "year": year}
    return (100 * top.sel(sel).sum("element") / ds["demand"].sel(sel).sum("element")).values


# -- self-sufficiency ----------------------------------------------------------------------
def test_us_magnets_within_five_years(judge, runs) -> None:
    years = _inf(year_derisked(runs["US"]), MAGNET)
    want, p = _by_year(years, DATE.year + 5)
    before, after = judge("The US will be self-sufficient in magnets within five years.")
    assert before.verdict == "opinion"
    assert after.verdict == want
    assert f"by {DATE.year + 5}) = {p:.2f} ({ol.SCENARIO}, {DRAWS} draws" in after.explanation
    run = after.evidence[0]
    assert run.table == "forecast" and f"draws={DRAWS}" in run.key and f"seed={ol.SEED}" in run.key
    assert "ALONSO2023" in {e.source_id for e in after.evidence}  # the US share of demand


def test_free_of_chinese_rare_earths_means_every_element_with_demand(judge, runs) -> None:
    ds = runs["US"]
    elements = _with_demand(ds, tuple(str(e) for e in ds["element"].values))
    want, p = _by_year(_inf(year_derisked(ds), elements), 2035)
    _, after = judge("The United States will be free of Chinese rare earths by 2035.")
    assert after.verdict == want and f"= {p:.2f}" in after.explanation
    named = after.evidence[0].key.split("elements=")[1].split(", ")[0].split(",")
    assert set(named) == set(elements)


def test_a_denial_before_a_year(judge, runs) -> None:
    want, p = _by_year(_inf(year_derisked(runs["EU27"]), ("Dy",)), 2039, negated=True)
    _, after = judge("Europe will not be independent of China for dysprosium before 2040.")
    assert after.verdict == want and "EU27 de-risked in Dy by 2039" in after.explanation


# -- shares and targets ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "bloc", "value"),
    [
        ("By 2030, 50% of America's rare earth magnet supply will come from outside China.",
         "US", 50.0),
        ("The EU will get 1% of its magnet rare earths from outside China by 2030.", "EU27", 1.0),
    ],
)  # fmt: skip
def test_china_free_share_by_a_year(judge, runs, text: str, bloc: str, value: float) -> None:
    ds = runs[bloc]
    shares = _share(ds, ds["china_free_supply"], 2030)
    low, high = np.percentile(shares, [25, 75])
    want = "optimistic" if value > high else "pessimistic" if value < low else "consistent"
    _, after = judge(text)
    assert after.verdict == want
    assert f"= {float(np.mean(shares >= value)):.2f}" in after.explanation


def test_eu_processing_target(judge, runs) -> None:
    from derisk.forecast.summary import eu_processed

    ds = runs["EU27"]
    own = eu_processed(ds, "EU")  # the bloc's own demand processed at home, per element
    p = float(np.mean(_share(ds, own, 2030) >= 40.0))
    _, after = judge("Europe will meet its 40% processing target by 2030.")
    assert after.verdict == ("optimistic" if p < 0.25 else "consistent")
    assert f"= {p:.2f}" in after.explanation


# -- a supply gap closing ----------------------------------------------------------------------
def test_heavy_rare_earth_shortage_over(judge, runs, session_store: Store) -> None:
    rows = session_store.table("elements")
    heavy = tuple(rows.loc[rows["ree_group"] == "HREE", "symbol"])
    verdicts = []
    for ds in runs.values():
        gap = xr.Dataset({"china_free_supply": ds["supply_available"], "demand": ds["demand"]})
        verdicts.append(_by_year(_inf(year_derisked(gap), _with_demand(ds, heavy)), DATE.year))
    want = "optimistic" if any(v == "optimistic" for v, _ in verdicts) else "consistent"
    if all(v == "pessimistic" for v, _ in verdicts):
        want = "pessimistic"
    before, after = judge("The heavy rare earth shortage is a problem of the past.")
    assert before is None  # verify() skips it: no figure, no year
    assert after.verdict == want
    for bloc, (_, p) in zip(runs, verdicts, strict=True):
        assert f"P({bloc}'s heavy rare earth supply covers demand by {DATE.year}) = {p:.2f}" in (
            after.explanation
        )


# -- plants starting -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "name", "year"),
    [
        ("Caremag is set to begin operations in 2026.", "Caremag (Lacq)", 2026),
        ("The Stillwater magnet plant will start production in 2030.",
         "Stillwater magnet plant", 2030),
        ("Eneabba refinery will come online in 2025.", "Eneabba refinery", 2025),
        ("MP Materials' 10X magnet campus in Northlake, Texas, is expected to start production "
         "in 2028.", "10X magnet campus (Northlake, TX)", 2028),
    ],
)  # fmt: skip
def test_plant_start_against_its_slippage(
    judge, session_store: Store, text: str, name: str, year: int
) -> None:
    row = session_store.table("facilities").set_index("name").loc[name]
    slips = delay_table(session_store)["delay_years"].to_numpy(float)
    first, latest = float(row["announced_start_first_year"]), row["announced_start_latest_year"]
    start = load_scenario(ol.SCENARIO).start_year
    starts = np.maximum(max(first, start) + slips, float(latest) if latest == latest else first)
    low, high = np.percentile(starts, [25, 75])
    want = "optimistic" if year < low else "pessimistic" if year > high else "consistent"
    _, after = judge(text)
    assert after.verdict == want, after.explanation
    assert f"P25-P75 {low:.0f}-{high:.0f}" in after.explanation
    assert {e.table for e in after.evidence} == {"facilities"}
    assert str(row["source_id"]) in {e.source_id for e in after.evidence}


def test_japans_self_sufficiency_by_2030_is_optimistic(judge) -> None:
    _, after = judge("Japan will be self-sufficient in magnets by 2030.")
    assert after.verdict == "optimistic"


def test_a_cancelled_plant_will_not_start(judge, session_store: Store) -> None:
    rows = session_store.table("facilities")
    assert rows.set_index("name").loc["Seadrift heavy & light REE plant", "status"] == "cancelled"
    assert load_scenario(ol.SCENARIO).pipeline.success_probability["cancelled"] == 0
    _, after = judge("Lynas's Seadrift plant will start production in 2026.")
    assert after.verdict == "optimistic" and "cancelled" in after.explanation


# -- left alone ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("China mines about 69% of the world's rare earths.", DATE),  # not a prediction
        ("Heavy rare earths such as dysprosium remain almost entirely processed in China.", DATE),
        ("Lynas's Texas plant will start in 2026.", DATE),  # which plant? Texas is no row
        ("The US will be self-sufficient within five years.", DATE),  # in what?
        ("The US will be self-sufficient in magnets within five years.", None),  # from when?
        ("We believe the US must be self-sufficient in magnets by 2030.", DATE),  # opinion
        ("The US will be self-sufficient in magnets by 2070.", DATE),  # beyond the horizon
    ],
)
def test_unmappable_and_non_predictions_keep_their_verdict(
    judge, text: str, date: dt.date | None
) -> None:
    before, after = judge(text, date)
    assert after == before


def test_reviews_without_predictions_run_no_forecast(
    session_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ol, "outlook", lambda *a, **k: pytest.fail("forecast run"))
    article = article_from_text("China refines about 90% of rare earths. Prices fell in 2024.")
    claims = extract_claims(article, build_lexicon(session_store))
    verdicts = verify(claims, FactBase(session_store), None)
    assert check_predictions(claims, verdicts, session_store, None) is verdicts


def test_one_run_per_bloc_and_store(session_store: Store) -> None:
    assert ol.outlook(session_store, "US") is ol.outlook(session_store, "US")
    # Every bloc has a demand share now (sourced or a flagged estimate): Japan runs too.
    assert ol.outlook(session_store, "JP") is ol.outlook(session_store, "JP")


def test_the_reviewer_lists_an_optimistic_prediction_as_a_slip(session_store: Store) -> None:
    text = "The US will be self-sufficient in magnets within five years."
    critique = Reviewer(session_store).review(article_from_text(text, date=DATE))
    [claim] = [c for c in critique.claims if c.claim.text.startswith("The US will")]
    if claim.verdict in WRONG_VERDICTS:
        assert any(s.startswith("The US will") and claim.verdict in s for s in critique.slips)
    assert claim.verdict in CHECKED_VERDICTS


def test_prediction_verdicts_are_vocabulary() -> None:
    terms = {v.name: v for v in VERDICT_TERMS}
    assert terms["optimistic"].checked and not terms["optimistic"].holds
    assert terms["consistent"].checked and terms["consistent"].holds
    assert terms["pessimistic"].checked and not terms["pessimistic"].holds
    assert "optimistic" in WRONG_VERDICTS and "consistent" not in WRONG_VERDICTS
