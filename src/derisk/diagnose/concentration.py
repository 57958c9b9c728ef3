"""Market concentration by stage, element group and year.

Mining of all rare earths is computed from the USGS country tonnages
(mine_production); every other stage and group from the published country shares
in stage_shares. Where the named producers do not cover the whole market, the
remainder is handled by an explicit, reported convention rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from derisk.data.record import low_reliability, with_record_dates
from derisk.data.schema import GROUPS, STAGES
from derisk.diagnose.metrics import RESIDUAL_CONVENTIONS, hhi, n_effective, top_n_share
from derisk.errors import InputError

FIELDS = [
    "stage",
    "group",
    "year",
    "hhi",
    "top1_country",
    "top1_share",
    "top3_share",
    "china_share",
    "n_effective",
    "residual_convention",
    "basis",
    "as_of",
    "low_reliability",
    "sources",
    "missing",
]
#: Country rows may exceed a rounded world total by this much before a year is rejected.
ROUNDING_TOLERANCE = 0.05
#: Named producers must cover at least this share of the world total.
MIN_COVERAGE = 0.5
CHINA = "CHN"


@dataclass
class Market:
    """Named producers' shares (per cent) for one stage x group x year, and their sources."""

    stage: str
    group: str
    year: int
    shares: dict[str, float]
    sources: set[str]
    top3_evidence: list[float] = field(default_factory=list)
    #: Newest date of record among the rows used (YYYY[-MM[-DD]]); None if all undated.
    as_of: str | None = None
    #: True when any row used is marked low reliability by the reference.
    low_reliability: bool = False
    #: How the shares were obtained: a published share, or computed from tonnages.
    basis: str = "published share"


def _valid_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise InputError(
            f"unknown {name}", column=f"--{name}", expected=" | ".join(allowed), found=value
        )


def concentration(
    store: object,
    stage: str | None = None,
    group: str | None = None,
    year: int | None = None,
    residual: str = "atomistic",
    include_user: bool = True,
    gaps: bool = False,
) -> pd.DataFrame:
    """One record per stage x group x year the data supports, with FIELDS as columns.

    ``df.attrs['notes']`` lists years left out and why (inconsistent or thin data).
    With ``gaps``, a record per stage (and per required scope) that has no dated share
    says in ``missing`` precisely what is missing and what the store holds instead.
    """
    _valid_choice("stage", stage, STAGES)
    _valid_choice("residual", residual, RESIDUAL_CONVENTIONS)
    symbols = set(store.table("elements")["symbol"])  # type: ignore[attr-defined]
    if group is not None and group not in GROUPS and group not in symbols:
        raise InputError(
            "unknown group",
            column="--group",
            expected=f"{', '.join(GROUPS)} or an element symbol",
            found=group,
        )
    notes: list[str] = []
    markets = _all_markets(store, include_user, notes)
    records = [
        _record(m, residual)
        for m in markets
        if (stage is None or m.stage == stage)
        and (group is None or m.group == group)
        and (year is None or m.year == year)
    ]
    if gaps and year is None:
        records += [
            g
            for g in coverage_gaps(store, markets, include_user)
            if stage in (None, g["stage"]) and group in (None, g["group"])
        ]
    frame = pd.DataFrame.from_records(records, columns=FIELDS)
    frame["year"] = frame["year"].astype("Int64")
    frame = frame.sort_values(["stage", "group", "year"], key=_stage_order).reset_index(drop=True)
    frame.attrs["notes"] = [n for n in notes if year is None or f" {year}:" in n]
    return frame


def producer_shares(store: object, include_user: bool = True) -> pd.DataFrame:
    """Each named producer's share (per cent) per stage x group x year, long format."""
    notes: list[str] = []
    markets = _all_markets(store, include_user, notes)
    rows = [
        {"stage": m.stage, "group": m.group, "year": m.year, "country": c, "share": v}
        for m in markets
        for c, v in m.shares.items()
    ]
    return pd.DataFrame.from_records(rows, columns=["stage", "group", "year", "country", "share"])


def _stage_order(col: pd.Series) -> pd.Series:
    if col.name == "stage":
        return col.map({s: i for i, s in enumerate(STAGES)})
    return col


def _record(market: Market, residual: str) -> dict:
    shares = market.shares
    value = hhi(shares.values(), residual)  # type: ignore[arg-type]
    top1 = max(shares, key=shares.__getitem__)
    top3 = top_n_share(shares.values(), 3)
    # A published top-3 total (e.g. IEA "China+Malaysia+Australia") beats our partial sum.
    top3 = max([top3, *market.top3_evidence])
    return {
        "stage": market.stage,
        "group": market.group,
        "year": market.year,
        "hhi": round(value, 1),
        "top1_country": top1,
        "top1_share": round(shares[top1], 2),
        "top3_share": round(min(top3, 100.0), 2),
        "china_share": round(shares[CHINA], 2) if CHINA in shares else None,
        "n_effective": None if n_effective(value) is None else round(n_effective(value), 2),
        "residual_convention": residual,
        "basis": market.basis,
        "as_of": market.as_of,
        "low_reliability": market.low_reliability,
        "sources": ";".join(sorted(market.sources)),
    }


def _country_kinds(store: object) -> dict[str, str]:
    countries = store.table("countries")  # type: ignore[attr-defined]
    return dict(zip(countries["code"], countries["kind"], strict=True))


def mining_markets(store: object, include_user: bool, notes: list[str]) -> list[Market]:
    """Mining of all rare earths (REE, t REO) from the USGS country table."""
    rows = store.table("mine_production", include_user=include_user)  # type: ignore[attr-defined]
    rows = _dated(store, "mine_production", rows[rows["value"].notna()])
    kinds = _country_kinds(store)
    markets = []
    for year, block in rows.groupby("year"):
        named = block[block["country"].map(kinds) == "country"]
        world = block.loc[block["country"] == "WLD", "value"]
        other = float(block.loc[block["country"] == "OTH", "value"].sum())
        parts = float(named["value"].sum()) + other
        total = float(world.iloc[0]) if len(world) else parts
        if named.empty or total <= 0:
            continue
        if parts > total * (1 + ROUNDING_TOLERANCE):
            notes.append(
                f"mining REE {int(year)}: country rows add to {parts:,.0f} t REO, more than the "
                f"world total {total:,.0f}; the series come from different compilers, so no "
                "shares are computed for this year"
            )
            continue
        total = max(total, parts)  # USGS world totals are rounded; never divide by less.
        if named["value"].sum() < MIN_COVERAGE * total:
            notes.append(
                f"mining REE {int(year)}: named countries cover under "
                f"{MIN_COVERAGE:.0%} of the world total; left out"
            )
            continue
        shares = {
            c: 100.0 * v / total for c, v in zip(named["country"], named["value"], strict=True)
        }
        sources = {s.strip() for ids in block["source_id"] for s in ids.split(";")}
        others = sorted(s for s in sources if not s.startswith("usgs"))
        if others:
            notes.append(
                f"mining REE {int(year)}: combines USGS rows with other compilers or secondary "
                f"sources ({', '.join(others)}); their China figures may use another basis"
            )
        markets.append(
            Market(
                "mining",
                "REE",
                int(year),
                shares,
                sources,
                [],
                *_record_of(block),
                basis="computed from USGS country tonnages (t REO)",
            )  # fmt: skip
        )
    return markets


def _dated(store: object, table: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with their date of record and low-reliability mark (derisk.data.record)."""
    out = with_record_dates(store, table, rows)
    out["_low"] = low_reliability(store, out)
    return out


def _record_of(rows: pd.DataFrame) -> tuple[str | None, bool]:
    """The newest date of record among rows, and whether any is low reliability."""
    starts = rows["_recorded_start"].dropna()
    as_of = rows.loc[starts.index[starts.argmax()], "recorded"] if len(starts) else None
    return as_of, bool(rows["_low"].any())


#: The IEA's 2024 magnet-REE supply table names these regions (and 'Rest of world').
IEA_REGIONS = {"China": "CHN", "Myanmar": "MMR", "Australia": "AUS", "United States": "USA",
               "Malaysia": "MYS"}  # fmt: skip
IEA_STAGES = {"mining": "mining", "refining": "separation"}


def iea_markets(store: object, include_user: bool) -> list[Market]:
    """Magnet-REE mining and refining shares computed from the IEA's observed tonnages.

    The IEA Critical Minerals Data Explorer gives 2024 magnet-REE supply by region in kt
    of element; each region's share is its tonnage over the stated world total. It is
    the only dated 2024 figure for separation (no published 2024 share was found).
    """
    rows = store.table("demand_projections", include_user=include_user)  # type: ignore[attr-defined]
    label = rows["element_or_group"].astype(str)
    rows = rows[label.str.startswith("magnet REE supply - ") & (rows["scenario"] == "observed "
                "(base year)") & rows["value"].notna()]  # fmt: skip
    rows = _dated(store, "demand_projections", rows)
    markets = []
    for (source, year), block in rows.groupby(["source_id", "year"]):
        for word, stage in IEA_STAGES.items():
            part = block[block["element_or_group"].str.contains(f" - {word} - ", regex=False)]
            region = part["element_or_group"].str.rsplit(" - ", n=1).str[-1]
            total = part.loc[region == "total", "value"]
            named = part[region.isin(list(IEA_REGIONS))]
            if total.empty or named.empty or float(total.iloc[0]) <= 0:
                continue
            shares = {
                IEA_REGIONS[r.rsplit(" - ", 1)[-1]]: 100.0 * float(v) / float(total.iloc[0])
                for r, v in zip(named["element_or_group"], named["value"], strict=True)
            }
            markets.append(
                Market(
                    stage,
                    "magnet",
                    int(year),
                    shares,
                    {str(source)},
                    [],
                    *_record_of(part),
                    basis=f"computed from {source} regional tonnages (kt element)",
                )  # fmt: skip
            )
    return markets


def _all_markets(store: object, include_user: bool, notes: list[str]) -> list[Market]:
    """Every market; a published share wins over one computed for the same cell."""
    published = mining_markets(store, include_user, notes) + share_markets(store, include_user)
    taken = {(m.stage, m.group, m.year) for m in published}
    derived = [
        m for m in iea_markets(store, include_user) if (m.stage, m.group, m.year) not in taken
    ]
    return published + derived


def share_markets(store: object, include_user: bool) -> list[Market]:
    """Every other stage x group x year from published country shares of world output."""
    rows = store.table("stage_shares", include_user=include_user)  # type: ignore[attr-defined]
    rows = rows[
        (rows["measure"] == "share")
        & rows["year"].notna()
        & ~rows["projection"].astype(bool)
        & rows["group"].notna()
        & rows["qualifier"].isin(["=", "~"])
        & ~((rows["stage"] == "mining") & (rows["group"] == "REE"))  # from mine_production
    ]
    rows = _dated(store, "stage_shares", rows)
    kinds = _country_kinds(store)
    markets = []
    for (stage, group, year), block in rows.groupby(["stage", "group", "year"]):
        # Newest vintage first; an undated source ('n.d.') ranks below every dated one.
        order = block["vintage"].where(block["vintage"].str.match(r"^\d{4}$"), "0000")
        block = block.assign(_order=order).sort_values("_order", ascending=False, kind="stable")
        named = block[block["country"].map(kinds) == "country"]
        named = named.drop_duplicates("country")  # newest vintage wins for a country
        if named.empty:
            continue
        composite = block[block["country"].str.count(r"\+") == 2]
        shares = dict(zip(named["country"], named["value"].astype(float), strict=True))
        used = pd.concat([named, composite])
        sources = {s.strip() for ids in used["source_id"] for s in ids.split(";")}
        markets.append(
            Market(
                str(stage),
                str(group),
                int(year),
                shares,
                sources,
                [float(v) for v in composite["value"]],
                *_record_of(used),
            )
        )
    return markets


#: Scopes a reader expects at every stage even when no dated share exists: heavy rare
#: earths are their own scope at separation (China's near-monopoly there is the point).
REQUIRED_SCOPES = (("separation", "HREE"),)


def coverage_gaps(store: object, markets: list[Market], include_user: bool) -> list[dict]:
    """Records for stages (and required scopes) with no dated share of world output."""
    have = {(m.stage, m.group) for m in markets}
    stages = {m.stage for m in markets}
    rows = store.table("stage_shares", include_user=include_user)  # type: ignore[attr-defined]
    wanted = [(s, None) for s in STAGES if s not in stages]
    wanted += [(s, g) for s, g in REQUIRED_SCOPES if (s, g) not in have]
    out = []
    for stage, group in wanted:
        held = rows[(rows["stage"] == stage) & ((rows["group"] == group) if group else True)]
        out.append({**dict.fromkeys(FIELDS), "stage": stage, "group": group,
                    "sources": ";".join(sorted(set(held["source_id"]))),
                    "missing": _missing_text(stage, group, held)})  # fmt: skip
    return out


def _missing_text(stage: str, group: str | None, held: pd.DataFrame) -> str:
    scope = f"{group} " if group else ""
    text = f"no dated {scope}share of world {stage} output is on record"
    undated = held[(held["measure"] == "share") & held["year"].isna()]
    if len(undated):
        figures = "; ".join(
            f"{r.value_text}% {r.country} ({r.source_id}, {r.vintage})"
            for r in undated.itertuples()
        )
        return f"{text}; undated figures only (no year stated): {figures}"
    if len(held):
        figures = "; ".join(
            f"{r.element_or_group} {r.value_text} {r.unit} ({r.country}, "
            f"{'' if pd.isna(r.year) else int(r.year)}, {r.source_id})"
            for r in held.itertuples()
        )
        return f"{text}; the store holds only: {figures}"
    return text
