"""An upgraded derisk refreshes curated rows on first use and keeps the user's rows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from derisk.data.store import Store, packaged_version


def test_stale_store_is_rebuilt_and_user_rows_survive(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store = Store.open(db)
    src = tmp_path / "src.csv"
    src.write_text("source_id,title,publisher,date,url,accessed_via,reliability,folder,note\n"
                   "my-note,My own estimate,Me,2026,,,,user,\n")
    store.import_file(src, "sources")
    rows = tmp_path / "rows.csv"
    rows.write_text("country,year,value,unit,basis,vintage,estimate,source_id\n"
                    "USA,2026,60000,t REO,oxide,2026,true,my-note\n")
    store.import_file(rows, "mine_production")
    con = duckdb.connect(str(db))
    con.execute("UPDATE _meta SET value = 'older' WHERE key = 'dataset_version'")
    con.execute("DELETE FROM mine_production WHERE origin = 'curated' AND year = 2024")
    con.close()
    assert Store(db).is_stale()

    reopened = Store.open(db)
    assert reopened.meta()["dataset_version"] == packaged_version()
    table = reopened.table("mine_production")
    assert (table["year"] == 2024).sum() > 0  # curated rows restored
    mine = table[table["origin"] == "user"]
    assert list(mine["value"]) == [60000.0] and list(mine["source_id"]) == ["my-note"]
