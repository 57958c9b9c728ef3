"""The back-cast compares the model's demand -> mining link with USGS history."""

from __future__ import annotations

import math

from derisk.data.store import Store
from derisk.forecast.backcast import backcast, magnet_driver, world_mine


def test_backcast_errors_follow_from_the_stored_series(session_store: Store) -> None:
    frame = backcast(session_store)
    driver, mine = magnet_driver(session_store), world_mine(session_store)
    anchor = frame.loc[frame["status"].str.startswith("anchor"), "year"].item()
    assert frame.loc[frame["year"] == anchor, "error_pct"].item() == 0
    tested = frame[frame["status"] == "back-cast"]
    assert len(tested) >= 1
    for row in tested.itertuples():
        model = mine[anchor] * driver[row.year] / driver[anchor]
        assert math.isclose(row.model_mine_t_reo, round(model), abs_tol=1)
        assert math.isclose(
            row.error_pct, round(100 * (model - mine[row.year]) / mine[row.year], 1), abs_tol=0.05
        )
    missing = frame[frame["status"] == "no driver data"]
    assert missing["model_mine_t_reo"].isna().all()
    assert frame.attrs["mape_pct"] == tested["error_pct"].abs().mean()
