"""The headline uses the newest dated figure per stage and scope, with its date of record.

Issue 10: the magnet headline was China 90% from 2017 although newer figures were held;
separation rested on a 2023 news piece; metal said "no data" without saying what was
missing; China's dependency on China was computed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import write_csv
from derisk.cli.main import app
from derisk.data.record import with_record_dates
from derisk.data.store import Store
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency
from derisk.diagnose.elements import element_scope
from derisk.diagnose.summary import stage_summary
from derisk.errors import InputError

SHARES_HEADER = [
    "stage", "measure", "element_or_group", "group", "country", "year", "projection",
    "value", "value_text", "qualifier", "value_low", "value_high", "unit", "basis",
    "vintage", "estimate", "source_id", "note",
]  # fmt: skip


def _cli_json(store_path: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(app, [*args, "--db", str(store_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _newest_dated_share_year(store: Store, stage: str, group: str) -> int | None:
    rows = store.table("stage_shares")
    rows = rows[(rows["stage"] == stage) & (rows["group"] == group)
                & (rows["measure"] == "share") & rows["year"].notna()
                & ~rows["projection"].astype(bool)]  # fmt: skip
    return int(rows["year"].max()) if len(rows) else None


def test_every_stage_has_a_dated_figure_from_2024_or_says_what_is_missing(
    built_store_path: Path,
) -> None:
    records = _cli_json(built_store_path, "diagnose", "concentration")
    by_stage: dict[str, list[dict]] = {}
    for r in records:
        by_stage.setdefault(r["stage"], []).append(r)
    for stage in ("mining", "separation", "magnet"):
        dated = [r for r in by_stage[stage] if r["year"] is not None]
        newest = max(dated, key=lambda r: r["year"])
        assert newest["year"] >= 2024, stage
        assert newest["as_of"], f"{stage}: newest figure has no date of record"
    (metal,) = by_stage["metal"]
    assert metal["china_share"] is None and metal["year"] is None
    assert "no dated share of world metal output" in metal["missing"]
    assert "smm-2022-prnd-jul" in metal["missing"]  # what the store holds instead


def test_the_magnet_headline_is_the_newest_dated_share_and_keeps_its_reliability_mark(
    session_store: Store,
) -> None:
    summary = stage_summary(session_store)
    magnet = summary[(summary["stage"] == "magnet") & (summary["group"] == "magnet")]
    (row,) = magnet.to_dict("records")
    assert row["year"] == _newest_dated_share_year(session_store, "magnet", "magnet")
    assert row["year"] != 2017
    shares = with_record_dates(session_store, "stage_shares")
    used = shares[shares["source_id"] == row["sources"]]
    assert row["as_of"] in set(used["recorded"])
    # The 2024 figure comes from a blog the reference marks as low reliability.
    assert row["low_reliability"] and "low reliability" in row["coverage"]


def test_computed_iea_shares_are_tonnage_over_the_stated_total(session_store: Store) -> None:
    rows = session_store.table("demand_projections")
    rows = rows[rows["scenario"] == "observed (base year)"]

    def kt(label: str) -> float:
        return float(rows.loc[rows["element_or_group"] == label, "value"].iloc[0])

    conc = concentration(session_store, stage="separation", group="magnet", year=2024)
    (row,) = conc.to_dict("records")
    expected = 100 * kt("magnet REE supply - refining - China") / kt(
        "magnet REE supply - refining - total"
    )
    assert row["china_share"] == pytest.approx(expected, abs=0.01)
    assert row["basis"].startswith("computed from IEA_CMDE2025")
    assert row["as_of"] == "2025-05-21"


def test_heavy_rare_earths_have_their_own_scope_at_separation(session_store: Store) -> None:
    summary = stage_summary(session_store)
    heavy = summary[(summary["stage"] == "separation") & (summary["group"] == "HREE")]
    assert len(heavy) == 1
    row = heavy.iloc[0]
    if row["china_share"] is None or row["china_share"] != row["china_share"]:
        # Only undated figures are on record: they are listed, never used as newest.
        assert "undated figures only" in row["missing"]
        assert "tkww-2025-hree" in row["missing"]


def test_an_undated_figure_never_becomes_the_headline(fresh_store: Store, tmp_path: Path) -> None:
    before = stage_summary(fresh_store)
    csv = write_csv(tmp_path / "undated.csv", SHARES_HEADER, [[
        "magnet", "share", "NdFeB (test, undated)", "magnet", "CHN", "", "false",
        50, "50", "=", "", "", "percent", "share", "2026", "false", "usgs-mcs-2026-ree", "test",
    ]])  # fmt: skip
    fresh_store.import_file(csv, "stage_shares")
    after = stage_summary(fresh_store)
    pick = ["stage", "group", "year", "china_share", "sources"]
    assert after[pick].equals(before[pick])


def test_a_dated_user_figure_newer_than_the_curated_one_becomes_the_headline(
    fresh_store: Store, tmp_path: Path
) -> None:
    csv = write_csv(tmp_path / "dated.csv", SHARES_HEADER, [[
        "magnet", "share", "NdFeB (test, 2025)", "magnet", "CHN", 2025, "false",
        88, "88", "=", "", "", "percent", "share", "2026", "false", "usgs-mcs-2026-ree", "test",
    ]])  # fmt: skip
    fresh_store.import_file(csv, "stage_shares")
    summary = stage_summary(fresh_store)
    row = summary[(summary["stage"] == "magnet") & (summary["group"] == "magnet")].iloc[0]
    assert (row["year"], row["china_share"], row["as_of"]) == (2025, 88.0, "2026")


def test_china_has_no_dependency_on_china(session_store: Store) -> None:
    with pytest.raises(InputError) as err:
        dependency(session_store, "CN")
    assert "includes China" in str(err.value) and "US" in str(err.value.expected)
    assert len(dependency(session_store, "US"))  # other blocs still work


@pytest.mark.parametrize(
    ("symbol", "first_groups", "absent"),
    [("Dy", ("Dy", "HREE"), "magnet"), ("Tb", ("Tb", "HREE"), "magnet"),
     ("Nd", ("Nd", "magnet"), "HREE"), ("La", ("La", "LREE"), "magnet")],
)  # fmt: skip
def test_an_element_is_shown_with_its_own_group(
    session_store: Store, symbol: str, first_groups: tuple[str, str], absent: str
) -> None:
    scope = element_scope(session_store, symbol)
    assert scope.groups[:2] == first_groups and absent not in scope.groups and scope.mined


def test_promethium_is_not_mined(session_store: Store) -> None:
    scope = element_scope(session_store, "Pm")
    assert not scope.mined and scope.groups == () and "not mined" in scope.note
