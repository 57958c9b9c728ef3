"""A bloc's dependence on China, including dependence hidden upstream.

Ore mined in the US but separated in China is Chinese-dependent from the
separation stage on. We rarely know where each tonne was routed, so the method
reports two bounds (docs/METHODS.md, "Bloc dependency"):

- ``dependency_low``: non-Chinese processors take non-Chinese feed first
  (best routing); only the part of their feed that the narrowest non-Chinese
  upstream stage cannot supply is Chinese.
- ``dependency_high``: every processor buys feed at the world mix (pro-rata).

The bloc's *direct* sourcing from China at a stage comes from bloc evidence
(bloc_sourcing) where the dataset has it, else from the world market mix.
"""

from __future__ import annotations

import pandas as pd

from derisk.data.blocs import resolve_bloc
from derisk.data.schema import STAGES
from derisk.diagnose.concentration import concentration, producer_shares
from derisk.errors import InputError
from derisk.vocabulary import HEADLINE_GROUPS

FIELDS = [
    "bloc",
    "stage",
    "group",
    "year",
    "china_share_world",
    "bloc_share_world",
    "direct_china_share",
    "direct_basis",
    "dependency_low",
    "dependency_high",
    "missing",
    "sources",
]
DEFAULT_GROUPS = HEADLINE_GROUPS


def _latest_china_shares(conc: pd.DataFrame, year: int | None) -> dict[tuple[str, str], dict]:
    """China's latest world share per (stage, group), no later than ``year``."""
    rows = conc[conc["china_share"].notna()]
    if year is not None:
        rows = rows[rows["year"] <= year]
    latest = rows.sort_values("year").groupby(["stage", "group"]).tail(1)
    return {(r.stage, r.group): r._asdict() for r in latest.itertuples(index=False)}


def _direct_share(evidence: pd.DataFrame, stage: str, group: str) -> tuple[float, str, str] | None:
    """Bloc evidence for a stage: a share of supply, or import share x import reliance.

    A '>' figure (e.g. '>90') is used at its bound, so the result reads 'at least'.
    """
    for g in (group, "REE"):
        rows = evidence[(evidence["stage"] == stage) & (evidence["group"] == g)]
        rows = rows.sort_values("year")
        found = _direct_from(rows)
        if found is not None:
            if g != group:
                found = (found[0], f"{found[1]}; evidence for all REE applied to {group}", found[2])
            return found
    return None


def _direct_from(rows: pd.DataFrame) -> tuple[float, str, str] | None:
    """The newest share of supply, else the newest import share x net import reliance."""
    supply = rows[rows["measure"] == "share_of_supply"]
    if len(supply):
        r = supply.iloc[-1]
        return float(r["value"]), f"bloc evidence ({r['value_text']}, {r['year']})", r["source_id"]
    imports = rows[rows["measure"] == "share_of_imports"]
    reliance = rows[rows["measure"] == "import_reliance"]
    if len(imports) and len(reliance):
        i, n = imports.iloc[-1], reliance.iloc[-1]
        share = float(i["value"]) * float(n["value"]) / 100.0
        basis = (
            f"bloc evidence, derived: China {i['value_text']}% of imports x "
            f"{n['value_text']}% net import reliance ({n['year']})"
        )
        return share, basis, f"{i['source_id']};{n['source_id']}"
    return None


def dependency(
    store: object,
    bloc: str,
    group: str | None = None,
    year: int | None = None,
    include_user: bool = True,
) -> pd.DataFrame:
    """Dependency bounds per stage and group for one bloc; percentages 0-100.

    A bloc that includes China is refused: its "dependency on China" would count China's
    own output as foreign supply, a number no analyst could use.
    """
    code = resolve_bloc(store, bloc)
    refuse_china(store, code)
    conc = concentration(store, group=None, year=None, include_user=include_user)
    china = _latest_china_shares(conc, year)
    evidence = store.table("bloc_sourcing", include_user=include_user)  # type: ignore[attr-defined]
    evidence = evidence[evidence["bloc"] == code]
    if year is not None:
        evidence = evidence[evidence["year"] <= year]
    members = store.table("bloc_members", include_user=include_user)  # type: ignore[attr-defined]
    member_set = set(members.loc[members["bloc"] == code, "country"])
    shares = producer_shares(store, include_user=include_user)
    shares = shares[shares["country"].isin(member_set)]
    groups = [group] if group else list(DEFAULT_GROUPS)
    records = []
    for g in groups:
        records.extend(_chain(code, g, china, evidence, shares, year))
    return pd.DataFrame.from_records(records, columns=FIELDS)


def dependency_blocs(store: object) -> list[str]:
    """The blocs a dependency on China is computed for: those without China."""
    members = store.table("bloc_members")  # type: ignore[attr-defined]
    with_china = set(members.loc[members["country"] == "CHN", "bloc"])
    return sorted(set(members["bloc"]) - with_china)


def refuse_china(store: object, code: str) -> None:
    """InputError when the bloc includes China: dependency on China is about other blocs."""
    others = dependency_blocs(store)
    if code not in others:
        raise InputError(
            f"bloc {code} includes China: its dependency on China is not computed",
            column="bloc",
            expected="a bloc without China: " + " | ".join(others),
            found=code,
        )


def _chain(
    bloc: str,
    group: str,
    china: dict,
    evidence: pd.DataFrame,
    member_shares: pd.DataFrame,
    year: int | None,
) -> list[dict]:
    upstream_free: list[float] = []  # non-Chinese world share at each measured upstream stage
    missing: list[str] = []
    records = []
    for stage in STAGES:
        found = china.get((stage, group))
        basis_note = ""
        if found is None and group != "REE":
            found = china.get((stage, "REE"))
            basis_note = "; world share for all REE used (no figure for this group)"
        if found is None:
            missing.append(stage)
            records.append(_empty(bloc, stage, group, year))
            continue
        c = float(found["china_share"]) / 100.0
        direct = _direct_share(evidence, stage, group)
        if direct is None:
            d, basis, direct_sources = c, "world market mix (no bloc evidence)", ""
        else:
            d, basis, direct_sources = direct[0] / 100.0, direct[1], direct[2]
        n_here = 1.0 - c
        if upstream_free:
            narrowest = min(upstream_free)
            prorata_free = 1.0
            for free in upstream_free:
                prorata_free *= free
            u_low = 0.0 if n_here <= 0 else max(0.0, 1.0 - narrowest / n_here)
            u_high = 1.0 - prorata_free
        else:
            u_low = u_high = 0.0
        note = ""
        if missing:
            note = (
                f"no China share for {', '.join(missing)} upstream: skipped, so both "
                "bounds may understate"
            )
        sources = ";".join(filter(None, [found["sources"], direct_sources]))
        records.append(
            {
                "bloc": bloc,
                "stage": stage,
                "group": group,
                "year": int(found["year"]),
                "china_share_world": round(100 * c, 2),
                "bloc_share_world": _bloc_share(member_shares, stage, found),
                "direct_china_share": round(100 * d, 2),
                "direct_basis": basis + basis_note,
                "dependency_low": round(100 * (d + (1 - d) * u_low), 2),
                "dependency_high": round(100 * (d + (1 - d) * u_high), 2),
                "missing": note,
                "sources": ";".join(sorted(set(sources.split(";")))),
            }
        )
        upstream_free.append(n_here)
    return records


def _bloc_share(member_shares: pd.DataFrame, stage: str, found: dict) -> float:
    """Members' combined share of world output in the market the China share came from.

    Shown so users see the bloc's own capacity; it does not enter the bounds, because the
    dataset has no bloc consumption to set it against.
    """
    rows = member_shares[
        (member_shares["stage"] == stage)
        & (member_shares["group"] == found["group"])
        & (member_shares["year"] == found["year"])
    ]
    return round(float(rows["share"].sum()), 2)


def _empty(bloc: str, stage: str, group: str, year: int | None) -> dict:
    limit = "" if year is None else f" up to {year}"
    return {
        "bloc": bloc,
        "stage": stage,
        "group": group,
        "year": None,
        "china_share_world": None,
        "bloc_share_world": None,
        "direct_china_share": None,
        "direct_basis": "",
        "dependency_low": None,
        "dependency_high": None,
        "missing": f"no China share for {stage} ({group}) in the data{limit}",
        "sources": "",
    }
