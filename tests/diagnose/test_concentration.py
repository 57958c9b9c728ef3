"""Concentration on the packaged data, recomputed here from the packaged CSVs.

The method is the one concentration.py documents for mining: country tonnages from
mine_production over max(world total, countries + OTH); a year whose country rows
exceed the world total by more than the rounding tolerance is left out with a note.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass

import pytest

from derisk.data.curate import CURATED_DIR
from derisk.data.store import Store
from derisk.diagnose.concentration import (
    MIN_COVERAGE,
    ROUNDING_TOLERANCE,
    concentration,
)
from derisk.errors import InputError


def _packaged(name: str) -> list[dict[str, str]]:
    with (CURATED_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass
class MiningYear:
    world: float | None
    named: dict[str, float]
    other: float
    sources: set[str]

    @property
    def parts(self) -> float:
        return sum(self.named.values()) + self.other

    @property
    def consistent(self) -> bool:
        return self.world is None or self.parts <= self.world * (1 + ROUNDING_TOLERANCE)

    @property
    def total(self) -> float:
        return self.parts if self.world is None else max(self.world, self.parts)

    @property
    def shares(self) -> dict[str, float]:
        return {c: 100 * v / self.total for c, v in self.named.items()}


def mining_years_from_csv() -> dict[int, MiningYear]:
    kinds = {c["code"]: c["kind"] for c in _packaged("countries")}
    years: dict[int, MiningYear] = defaultdict(lambda: MiningYear(None, {}, 0.0, set()))
    for r in _packaged("mine_production"):
        if r["value"] == "":
            continue
        year, value = years[int(r["year"])], float(r["value"])
        year.sources |= {s.strip() for s in r["source_id"].split(";")}
        if r["country"] == "WLD":
            year.world = value
        elif r["country"] == "OTH":
            year.other += value
        elif kinds[r["country"]] == "country":
            year.named[r["country"]] = value
    return dict(years)


MINING = mining_years_from_csv()


def one(store: Store, **kw: object) -> dict:
    frame = concentration(store, stage="mining", group="REE", **kw)
    assert len(frame) == 1, frame
    return frame.iloc[0].to_dict()


def test_mining_2024_matches_the_hand_computation(session_store: Store) -> None:
    year = MINING[2024]
    assert year.consistent and "CHN" in year.named
    shares = year.shares
    ranked = sorted(shares.values(), reverse=True)

    got = one(session_store, year=2024)

    assert got["china_share"] == pytest.approx(shares["CHN"], abs=0.005)
    assert got["hhi"] == pytest.approx(sum(s**2 for s in shares.values()), abs=0.05)
    assert got["top1_country"] == max(shares, key=shares.__getitem__)
    assert got["top1_share"] == pytest.approx(ranked[0], abs=0.005)
    assert got["top3_share"] == pytest.approx(sum(ranked[:3]), abs=0.005)
    assert got["sources"] == ";".join(sorted(year.sources))
    assert got["residual_convention"] == "atomistic"


def test_single_residual_convention_gives_a_higher_or_equal_hhi_and_says_so(
    session_store: Store,
) -> None:
    shares = MINING[2024].shares
    residual = max(0.0, 100 - sum(shares.values()))
    atomistic = one(session_store, year=2024)
    single = one(session_store, year=2024, residual="single")
    assert single["residual_convention"] == "single"
    assert single["hhi"] >= atomistic["hhi"]
    expected = sum(s**2 for s in shares.values()) + residual**2
    assert single["hhi"] == pytest.approx(expected, abs=0.05)
    assert single["china_share"] == atomistic["china_share"]


def test_single_convention_is_never_below_atomistic_for_any_market(session_store: Store) -> None:
    key = ["stage", "group", "year"]
    low = concentration(session_store).set_index(key)
    high = concentration(session_store, residual="single").set_index(key)
    assert list(low.index) == list(high.index)
    assert (high["hhi"] >= low["hhi"]).all()
    assert set(high["residual_convention"]) == {"single"}


def test_2010_mining_is_left_out_with_a_note(session_store: Store) -> None:
    assert not MINING[2010].consistent  # the reason, read from the packaged rows
    frame = concentration(session_store, stage="mining", year=2010)
    assert frame[frame["group"] == "REE"].empty
    notes = frame.attrs["notes"]
    assert any("mining" in n and "2010" in n for n in notes), notes


def test_every_mining_year_is_computed_by_the_documented_method_or_explained(
    session_store: Store,
) -> None:
    frame = concentration(session_store, stage="mining", group="REE")
    got = {int(r["year"]): r for r in frame.to_dict("records")}
    notes = " ".join(frame.attrs["notes"])
    for number, year in sorted(MINING.items()):
        covered = sum(year.named.values()) >= MIN_COVERAGE * year.total
        if year.named and year.total > 0 and year.consistent and covered:
            assert number in got, f"{number} missing"
            if "CHN" in year.named:
                assert got[number]["china_share"] == pytest.approx(year.shares["CHN"], abs=0.005), (
                    number
                )
            expected_hhi = sum(s**2 for s in year.shares.values())
            assert got[number]["hhi"] == pytest.approx(expected_hhi, abs=0.05), number
        else:
            assert number not in got, number
            assert f" {number}:" in f" {notes}", f"{number} left out without a note"


@pytest.mark.parametrize(
    "kwargs", [{"stage": "smelting"}, {"residual": "half"}, {"group": "Unobtainium"}]
)
def test_unknown_choices_are_rejected(session_store: Store, kwargs: dict) -> None:
    with pytest.raises(InputError):
        concentration(session_store, **kwargs)
