"""The back-cast runs the forecast engine on 2015-2024 and compares it with history."""

from __future__ import annotations

import numpy as np
import pytest

from derisk.data.store import Store
from derisk.forecast import backcast as backcast_module
from derisk.forecast.backcast import START, backcast, magnet_driver, world_mine


@pytest.fixture(scope="module")
def frame(session_store: Store):
    return backcast(session_store)


def test_every_year_is_reported_and_gaps_are_not_filled(frame, session_store: Store) -> None:
    driver = magnet_driver(session_store)
    assert list(frame["year"]) == list(range(START, 2025))
    missing = frame[~frame["year"].isin(driver.index)]
    assert (missing["status"] == "no driver data").all()
    assert missing["model_mine_t_reo"].isna().all()
    tested = frame[frame["status"] == "back-cast"]
    assert len(tested) >= 4


def test_errors_follow_from_the_engine_and_the_stored_series(frame, session_store) -> None:
    mine = world_mine(session_store)
    driver = magnet_driver(session_store)
    rows = frame[frame["status"] != "no driver data"]
    for row in rows.itertuples():
        expected = 100 * (row.model_mine_t_reo - mine[row.year]) / mine[row.year]
        assert abs(row.mine_error_pct - expected) < 0.06
        assert row.observed_cn_magnet_t == driver[row.year]
    assert frame.attrs["mape_mine_pct"] == pytest.approx(rows["mine_error_pct"].abs().mean())


def test_the_engine_follows_the_historical_driver(monkeypatch, session_store: Store) -> None:
    """Raise one year's recorded magnet output and the engine mines more that year only."""
    real = magnet_driver(session_store)
    raised = real.copy()
    raised[2019] *= 1.5
    monkeypatch.setattr(backcast_module, "magnet_driver", lambda store: raised)
    bumped = backcast(session_store).set_index("year")["model_mine_t_reo"]
    monkeypatch.setattr(backcast_module, "magnet_driver", lambda store: real)
    base = backcast(session_store).set_index("year")["model_mine_t_reo"]
    assert bumped[2019] > 1.3 * base[2019]
    np.testing.assert_allclose(bumped.drop(2019).dropna(), base.drop(2019).dropna())
