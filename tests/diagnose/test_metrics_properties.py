"""Properties of the concentration metrics, and of concentration() on the packaged store."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derisk.data.store import Store
from derisk.diagnose.concentration import FIELDS, concentration
from derisk.diagnose.metrics import RESIDUAL_CONVENTIONS, hhi, n_effective, top_n_share

EPS = 1e-6


@st.composite
def shares(draw: st.DrawFn, max_total: float = 100.0, min_size: int = 0) -> list[float]:
    """Non-negative shares (per cent) adding to at most ``max_total``."""
    weights = draw(st.lists(st.floats(0, 1, allow_nan=False), min_size=min_size, max_size=12))
    total = draw(st.floats(0, max_total))
    if sum(weights) == 0:
        return weights
    scaled = [total * w / sum(weights) for w in weights]
    return [min(s, 100.0) for s in scaled]


@st.composite
def shares_over_100(draw: st.DrawFn) -> list[float]:
    weights = draw(st.lists(st.floats(0.01, 1), min_size=1, max_size=12))
    total = draw(st.floats(100.01, 1000))
    return [total * w / sum(weights) for w in weights]


@given(shares(), st.sampled_from(RESIDUAL_CONVENTIONS))
def test_hhi_lies_between_0_and_10000(values: list[float], convention: str) -> None:
    assert -EPS <= hhi(values, convention) <= 10_000 + EPS


@given(st.data(), shares(), st.sampled_from(RESIDUAL_CONVENTIONS))
def test_hhi_ignores_the_order_of_producers(
    data: st.DataObject, values: list[float], convention: str
) -> None:
    shuffled = data.draw(st.permutations(values))
    assert hhi(shuffled, convention) == pytest.approx(hhi(values, convention), rel=1e-9, abs=EPS)


@given(shares())
def test_single_residual_convention_is_at_least_atomistic(values: list[float]) -> None:
    assert hhi(values, "single") >= hhi(values, "atomistic")


@given(shares())
def test_single_convention_adds_the_residual_as_one_producer(values: list[float]) -> None:
    residual = max(0.0, 100 - sum(values))
    assert hhi(values, "single") == pytest.approx(hhi([*values, residual]), rel=1e-9, abs=EPS)


@pytest.mark.parametrize("convention", RESIDUAL_CONVENTIONS)
def test_single_producer_with_everything_gives_10000(convention: str) -> None:
    assert hhi([100.0], convention) == 10_000
    assert hhi([100.0, 0.0, 0.0], convention) == 10_000


@given(st.integers(1, 50))
def test_equal_producers_give_n_effective_equal_to_their_number(k: int) -> None:
    value = hhi([100.0 / k] * k)
    assert value == pytest.approx(10_000 / k)
    assert n_effective(value) == pytest.approx(k)


@given(shares())
def test_top_n_share_is_monotone_in_n_and_at_most_100(values: list[float]) -> None:
    tops = [top_n_share(values, n) for n in range(len(values) + 2)]
    assert tops[0] == 0
    assert all(a <= b + EPS for a, b in zip(tops, tops[1:], strict=False))
    assert tops[-1] <= 100 + EPS
    assert tops[-1] == pytest.approx(sum(values), rel=1e-9, abs=EPS)
    if values:
        assert tops[1] == max(values)


@given(shares_over_100(), st.sampled_from(RESIDUAL_CONVENTIONS))
def test_shares_adding_to_more_than_100_raise(values: list[float], convention: str) -> None:
    with pytest.raises(ValueError):
        hhi(values, convention)
    with pytest.raises(ValueError):
        top_n_share(values, 1)


@pytest.mark.parametrize("bad", [[-1.0, 50.0], [math.nan], [math.inf]])
def test_negative_or_non_finite_shares_raise(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        hhi(bad)


def test_unknown_residual_convention_raises() -> None:
    with pytest.raises(ValueError):
        hhi([50.0], "bogus")  # type: ignore[arg-type]


@given(shares(min_size=1), st.sampled_from(RESIDUAL_CONVENTIONS))
def test_n_effective_is_10000_over_hhi(values: list[float], convention: str) -> None:
    value = hhi(values, convention)
    if value <= 0:
        assert n_effective(value) is None
    else:
        assert n_effective(value) == pytest.approx(10_000 / value)


def test_n_effective_is_undefined_for_zero_hhi() -> None:
    assert n_effective(0.0) is None


# -- concentration() on the packaged data --------------------------------------------------
@pytest.fixture(scope="module", params=RESIDUAL_CONVENTIONS)
def records(request: pytest.FixtureRequest, session_store: Store) -> tuple[str, list[dict]]:
    frame = concentration(session_store, residual=request.param)
    assert list(frame.columns) == FIELDS
    assert len(frame) > 0
    return request.param, frame.to_dict("records")


def test_concentration_records_have_exactly_the_documented_fields(
    records: tuple[str, list[dict]],
) -> None:
    _, rows = records
    assert all(list(r) == FIELDS for r in rows)


def test_concentration_records_are_internally_consistent(
    records: tuple[str, list[dict]],
) -> None:
    convention, rows = records
    for r in rows:
        where = f"{r['stage']}/{r['group']}/{r['year']}"
        for name in ("top1_share", "top3_share"):
            assert 0 <= r[name] <= 100, where
        assert r["top1_share"] <= r["top3_share"] <= 100, where
        assert 0 < r["hhi"] <= 10_000, where
        if r["china_share"] is not None and not math.isnan(r["china_share"]):
            assert 0 <= r["china_share"] <= r["top1_share"], where
        # hhi is rounded to 0.1 and n_effective to 0.01
        assert r["n_effective"] == pytest.approx(10_000 / r["hhi"], abs=0.011, rel=1e-4), where
        assert r["hhi"] >= r["top1_share"] ** 2 - 1, where  # the top producer alone
        assert r["residual_convention"] == convention, where
        assert r["sources"], where
