"""Plants outside China as model capacity, typed by what each plant makes.

A row of `facilities` states its capacity in whatever unit its source used (t REO, t NdPr
oxide, t Dy/Tb, t magnets, t concentrate ...). The model needs t of contained element per
year on the right elements: a Dy/Tb circuit adds Dy and Tb, not Nd and Pr; a magnet plant
adds the magnet mix; a rare-earth-free magnet plant adds no rare earths at all (it is
substitution capacity); a company-wide total must not be added on top of its plants. A
capacity stated as magnet elements (magnet REO, NdPr, Dy/Tb) is those elements only: the
ore's co-products (La, Ce ...) are added only to a capacity stated for a whole ore's
rare earths (total or mixed REO, all light-REE products, a mine). A capacity the row's
unit states as a target for a later year ("target by 2030") is reached in that year
(Facility.target_year; model._online_tonnes ramps to it). Each
plant's ore is the USGS composition of its own deposit where the store has it, else of a
deposit of the same ore type, else of its region's representative deposit; the last two
are flagged as assumptions on the plant. Rows that cannot be converted are listed with the
reason, never dropped. docs/METHODS.md ("The pipeline") states every rule used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from derisk.forecast.base_capacity import integrated_metal, reported_output
from derisk.forecast.inputs import (
    MAGNET_RE_CONTENT,
    N_MAGNET,
    OXIDE_TO_ELEMENT,
    REGION_DEPOSIT,
    Facility,
    _oxide_percent,
    region_of,
)
from derisk.forecast.scenario import ELEMENTS, MAGNET_ELEMENTS

#: What a plant makes (Facility.product), and so which elements its capacity sits on.
PRODUCTS = {
    "ore": "mined rare earths in the ore's proportions (all elements)",
    "magnet_mix": "separated or metal magnet rare earths, in the ore's or the stated mix; "
    "co-products only where the capacity is a total REO",
    "ndpr": "Nd and Pr only (light-REE separation lines, NdPr metal); co-products only "
    "where the capacity is all light-REE products",
    "hree": "Dy and Tb only (heavy-REE circuits, heavy-REE mines)",
    "ndfeb": "NdFeB magnets or magnet alloy: the magnet demand mix of Nd, Pr, Dy, Tb",
    "substitute": "rare-earth-free magnets: substitution capacity, no rare-earth supply",
}
MOUNT_WELD = "Mount Weld Central Lanthanide Deposit, Western Australia"
MONAZITE = "Manavalakurichi, Tamil Nadu"
ION_CLAY = "Xinfeng, Jiangxi"
#: The Dy:Tb ratio for a Dy/Tb capacity whose split is not stated and whose own ore has
#: no Dy or Tb figure (e.g. Mountain Pass, USGS "NA"): the ion-adsorption clays, the
#: world's reference heavy-REE feed (assumption).
HREE_REFERENCE = ION_CLAY
#: Light rare earths (La-Sm): the products of a light-REE separation plant.
LIGHT_REE = ("La", "Ce", "Pr", "Nd", "Sm")
#: Plants whose feed is known: (name contains, deposit, assumed, why).
FACILITY_DEPOSIT = (
    ("mountain pass", "Mountain Pass, California", False, "its own mine"),
    ("mt weld", MOUNT_WELD, False, "its own mine"),
    ("lynas malaysia", MOUNT_WELD, False, "separates Mt Weld concentrate"),
    ("seadrift", MOUNT_WELD, True, "designed for Lynas (Mt Weld) feed"),
    (
        "vinton",
        ION_CLAY,
        True,
        "to be fed by Aclara's ionic-clay heavy-REE concentrates, taken as Xinfeng",
    ),
    (
        "nolans",
        "Nolans Bore (Nolans project, Northern Territory)",
        False,
        "its own deposit",
    ),
    (
        "white mesa",
        MONAZITE,
        True,
        "heavy-mineral-sand monazite feed (Chemours, FL/GA) taken as the Indian "
        "beach-sand monazite",
    ),
    (
        "eneabba",
        MONAZITE,
        True,
        "mineral-sands monazite (Eneabba stockpile) taken as the Indian beach-sand monazite",
    ),
    (
        "silmet",
        "Revda, Murmansk Oblast (loparite)",
        True,
        "its historic loparite feed (Lovozero/Revda); its current feed is not in the data",
    ),
)
#: Ore types named in `products`: (words, deposit of that type, why). Always assumptions.
ORE_TYPE_DEPOSIT = (
    ("ionic clay", ION_CLAY, "ionic clay taken as the Xinfeng ion-adsorption profile"),
    ("ion-adsorption", ION_CLAY, "ion-adsorption clay taken as the Xinfeng profile"),
    ("monazite", MONAZITE, "monazite taken as the Manavalakurichi beach-sand monazite"),
    ("bastnaesite", "Mountain Pass, California", "bastnaesite taken as Mountain Pass"),
    ("loparite", "Revda, Murmansk Oblast (loparite)", "loparite taken as Revda"),
)
F = np.array([OXIDE_TO_ELEMENT[e] for e in ELEMENTS])
IDX = {e: i for i, e in enumerate(ELEMENTS)}
ND, PR, DY, TB = (IDX[e] for e in MAGNET_ELEMENTS)
#: Stated element outputs ("200 Dy + 30 Tb + 1,400 NdPr", "Dy+Tb oxides 600 t",
#: "248 t/yr Dy oxide"): labels and what they cover. HREO is not a label: its elements
#: are not named.
LABELS = {
    "NdPr": ("Nd", "Pr"),
    "Dy+Tb": ("Dy", "Tb"),
    "Dy/Tb": ("Dy", "Tb"),
    **{e: (e,) for e in ("Nd", "Pr", "Dy", "Tb", "Sm", "Gd")},
}
_LABEL = r"(NdPr|Dy\+Tb|Dy/Tb|Nd|Pr|Dy|Tb|Sm|Gd)"
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
NUMBER_LABEL = re.compile(_NUM + r"\s*(?:t/yr|t)?\s+" + _LABEL + r"(?![\w+/])")
LABEL_NUMBER = re.compile(r"(?<![\w+/])" + _LABEL + r"\s+oxides?\s+" + _NUM + r"\s*t\b")
GRADE = re.compile(r"grade\s+(\d+(?:\.\d+)?)\s*%\s*T?REO", re.IGNORECASE)
NDPR_SHARE = re.compile(r"NdPr:TREO\s+(\d+(?:\.\d+)?)\s*%")
REE_FREE = re.compile(r"(?<![\w-])(REE|rare[- ]earth)-free", re.IGNORECASE)
FEED = re.compile(r"\bfeed\b|throughput|processed", re.IGNORECASE)
COMPANY_TOTAL = re.compile(r"company total incl\.?\s*([^)]+)\)", re.IGNORECASE)
#: A unit that states its capacity for a later year: "target by 2030", "(by 2026)".
TARGET_YEAR = re.compile(r"\bby\s+(?:end[- ]?)?((?:19|20)\d\d)\b", re.IGNORECASE)
NOT_FOUND = "capacity not found in the source"
ASSUMPTIONS = {
    "facility_deposit": "a plant's ore is its own deposit's USGS composition where the store "
    "has it (FACILITY_DEPOSIT), else a deposit of the ore type its products name "
    "(ORE_TYPE_DEPOSIT: ionic clay -> Xinfeng), else its region's (REGION_DEPOSIT); "
    "the last two are flagged per plant (Facility.deposit_assumed)",
    "ndpr_share": "where only a deposit's Nd+Pr share of TREO is known (Nolans Bore, or a "
    "note's 'NdPr:TREO x%'), Nd:Pr, Dy, Tb and the co-products keep the fallback "
    "profile's proportions, rescaled to that share",
    "hree_split": "a Dy/Tb capacity without a stated split is divided by its ore's Dy:Tb "
    "oxide ratio, or the Xinfeng clays' where its own ore has no Dy/Tb figure",
    "not_stated_basis": "element tonnages whose basis (oxide or metal) is not stated are "
    "taken as oxide, the usual basis of project output figures",
    "magnet_alloy": "NdFeB magnet alloy is counted at the magnets' 29-32.5 wt% RE",
    "company_total": "a company-wide total adds only what exceeds the plants it includes",
    "light_ree_products": "t/yr of separated light-REE products (no basis) are t REO of "
    "the feed's La-Sm fraction (estimate)",
    "ndpr_lines": "an NdPr line separates Nd and Pr only (Dy/Tb need a heavy circuit, a "
    "separate row); its stated NdPr is the whole capacity: the ore's co-products are not "
    "added on top of it (no source states them)",
    "magnet_reo": "a capacity stated as magnet REO is Nd, Pr, Dy and Tb oxide in the ore's "
    "Nd:Pr:Dy:Tb, with no co-products on top (only a total-REO capacity carries them)",
    "target_year": "a capacity the row's unit states for a later year ('target by 2030') "
    "is reached in that year, not at the start: it ramps from the start year to it "
    "(model._online_tonnes); notes are not read for it (their 'by <year>' figures are "
    "often partial or other tonnages)",
}


@dataclass(frozen=True)
class Profile:
    """The ore a plant's capacity is converted by: % of TREO per element (ELEMENTS)."""

    deposit: str
    assumed: bool
    why: str
    oxide_pct: np.ndarray

    @property
    def element(self) -> np.ndarray:
        """t of each element per 100 t of the ore's REO."""
        return self.oxide_pct * F


@dataclass
class Converted:
    """A row's capacity in the model's terms, before it becomes a Facility."""

    low: float
    high: float
    product: str
    share: np.ndarray | None  # None: the magnet demand mix, set by load_inputs
    basis: str
    #: The ore composition the conversion actually used (None: none, e.g. magnets or an
    #: output stated element by element); recorded on the Facility.
    profile: Profile | None = None
    #: Source ids the conversion used besides the row's own (e.g. reported output).
    sources: tuple[str, ...] = ()


def ore_profiles(store: object) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Full USGS element profiles, and deposits known only by their Nd+Pr % of TREO."""
    full = {d: v for d, v in _oxide_percent(store).items() if v[:N_MAGNET].sum() > 0}
    comp = store.table("deposit_composition")  # type: ignore[attr-defined]
    ndpr = comp[(comp["element"] == "Nd+Pr") & comp["value"].notna()]
    return full, {r.deposit: float(r.value) for r in ndpr.itertuples() if r.deposit not in full}


def _rescale_ndpr(pct: np.ndarray, target: float) -> np.ndarray:
    """The profile with Nd+Pr at ``target`` % of TREO, the rest in its own proportions."""
    out = pct.copy()
    ndpr, total = pct[[ND, PR]].sum(), pct.sum()
    out[[ND, PR]] *= target / ndpr
    rest = [i for i in range(len(ELEMENTS)) if i not in (ND, PR)]
    out[rest] *= (total - target) / (total - ndpr)
    return out


def facility_profile(
    row: pd.Series, region: str, full: dict[str, np.ndarray], ndpr_only: dict[str, float]
) -> Profile:
    """The deposit that stands for a plant's ore, and whether that is an assumption."""
    name, products = str(row["name"]).lower(), str(row["products"]).lower()
    fallback = REGION_DEPOSIT.get(region, REGION_DEPOSIT["ROW"])
    found = next(((d, a, w) for key, d, a, w in FACILITY_DEPOSIT if key in name), None)
    if found is None:
        found = next(((d, True, w) for words, d, w in ORE_TYPE_DEPOSIT if words in products), None)
    if found is None:
        found = (fallback, True, f"no deposit named: {region}'s representative ore")
    deposit, assumed, why = found
    if deposit in ndpr_only:
        pct = _rescale_ndpr(full[fallback], ndpr_only[deposit])
        why += f"; only its Nd+Pr ({ndpr_only[deposit]:g} % of TREO) is tabulated, the "
        why += f"other elements in {fallback} proportions"
        return Profile(deposit, True, why, pct)
    pct = full[deposit]
    stated = NDPR_SHARE.search(str(row["note"]))
    if stated:
        pct = _rescale_ndpr(pct, float(stated.group(1)))
        why += f"; Nd+Pr rescaled to the note's NdPr:TREO {stated.group(1)} %"
    return Profile(deposit, assumed, why, pct)


def _per_magnet(element: np.ndarray) -> np.ndarray:
    """Shares per t of magnet REE: magnet elements sum to 1, co-products on top."""
    magnet = element[:N_MAGNET].sum()
    return element / magnet if magnet else np.zeros_like(element)


def _magnet_only(share: np.ndarray) -> np.ndarray:
    """A share with its co-products removed: a capacity stated as magnet elements."""
    out = share.copy()
    out[N_MAGNET:] = 0.0
    return out


def _ndpr_share(profile: Profile) -> np.ndarray:
    """Nd and Pr in the ore's ratio (sum 1); Dy, Tb and the co-products 0."""
    element = _magnet_only(profile.element)
    element[[DY, TB]] = 0.0
    return element / element[[ND, PR]].sum()


def _dy_tb_ratio(profile: Profile, full: dict[str, np.ndarray]) -> tuple[np.ndarray, Profile]:
    """Dy and Tb oxide fractions (sum 1) for an unsplit Dy/Tb tonnage, and the ore used."""
    pct = profile.oxide_pct
    if not profile.assumed and pct[DY] > 0 and pct[TB] > 0:
        used = profile
    else:
        why = f"Dy:Tb of the ion-adsorption clays: {profile.deposit} "
        why += "is itself an assumption" if profile.assumed else "has no Dy/Tb figure"
        used = Profile(HREE_REFERENCE, True, why, full[HREE_REFERENCE])
    ratio = used.oxide_pct[[DY, TB]] / used.oxide_pct[[DY, TB]].sum()
    return ratio, used


def stated_oxides(text: str) -> list[tuple[str, float]]:
    """Element outputs a text states, as (label, t): '200 Dy + 30 Tb', 'Dy+Tb oxides 600 t'."""
    found = [(lab, num) for num, lab in NUMBER_LABEL.findall(text)]
    found += LABEL_NUMBER.findall(text)
    if not any(set(LABELS[lab]) & set(MAGNET_ELEMENTS) for lab, _ in found):
        return []  # co-products alone give no magnet-REE capacity to carry them
    return [(lab, float(num.replace(",", ""))) for lab, num in found]


def _expand(
    stated: list[tuple[str, float]], profile: Profile, full: dict[str, np.ndarray]
) -> tuple[np.ndarray, list[str], Profile | None]:
    """t oxide per element (ELEMENTS) from stated labels; NdPr and Dy+Tb split by an ore.

    Also returns notes on the splits and the ore used (NdPr's ore before Dy+Tb's).
    """
    oxide, notes, used = np.zeros(len(ELEMENTS)), [], None
    for label, tonnes in stated:
        members = [IDX[e] for e in LABELS[label]]
        if len(members) == 1:
            oxide[members[0]] += tonnes
            continue
        if label == "NdPr":
            ratio, used = profile.oxide_pct[members] / profile.oxide_pct[members].sum(), profile
            notes.append(f"NdPr at {profile.deposit}'s Nd:Pr")
        else:
            ratio, ore = _dy_tb_ratio(profile, full)
            used = used or ore
            notes.append(f"Dy:Tb {ratio[0]:.3f}:{ratio[1]:.3f} as {ore.deposit}")
        oxide[members] += tonnes * ratio
    return oxide, notes, used


def _product_of(element: np.ndarray, stage: str) -> str:
    """The product type a stated output implies: which magnet elements it puts tonnes on."""
    on = {MAGNET_ELEMENTS[i] for i in range(N_MAGNET) if element[i] > 0}
    if on <= {"Dy", "Tb"}:
        return "hree"
    if on <= {"Nd", "Pr"}:
        return "ndpr"
    return "ore" if stage == "mining" else "magnet_mix"


def _from_stated(
    stated: list[tuple[str, float]],
    row: pd.Series,
    profile: Profile,
    full: dict[str, np.ndarray],
    treo: float | None = None,
) -> Converted:
    """Capacity on the elements a source names, at oxide->element factors.

    Given a TREO total (``treo``), the REO not named is spread over the non-magnet
    elements in the ore's proportions; unnamed magnet elements stay 0 (as USGS 'NA').
    """
    oxide, notes, used = _expand(stated, profile, full)
    if treo is not None and treo > oxide.sum():
        used = profile
        co = profile.oxide_pct.copy()
        co[:N_MAGNET] = 0.0
        oxide += (treo - oxide.sum()) * co / co.sum()
    element = oxide * F
    magnet = float(element[:N_MAGNET].sum())
    named = " + ".join(f"{t:,.0f} {lab}" for lab, t in stated)
    basis = "; ".join([f"stated {named} t/yr (oxide) x oxide->element", *notes])
    if treo is not None:
        basis += f"; rest of {treo:,.0f} t REO as co-products in {profile.deposit}'s mix"
    product = _product_of(element, row["stage"])
    return Converted(magnet, magnet, product, element / magnet, basis, used)


def _skip_reason(row: pd.Series) -> str | None:
    """Why a row is not plant capacity at all, before its unit is read (None: go on)."""
    unit, products = str(row["unit"]), str(row["products"]).lower()
    if row["country"] == "CHN":
        return "in China: China's capacity is calibrated as the swing supplier, not summed"
    if row["stage"] == "recycling":
        return "recycling plant: secondary supply comes from the end-of-life stock model"
    if FEED.search(unit):
        return f"capacity is feed throughput ('{unit}'), not output; product content not given"
    if "mrec" in unit.lower():
        return "t/yr MREC (mixed rare earth carbonate) with no REO content for that tonnage"
    if "pre-separation" in products:
        return (
            "pre-separation plant (mixed carbonate): not separation capacity; the model has "
            "no cracking stage and the plant that separates its output is counted"
        )
    return None


def _less_included(row: pd.Series, rows: pd.DataFrame) -> tuple[float, str] | str:
    """A company-wide total minus the company's own plants it includes (or a reason)."""
    key = COMPANY_TOTAL.search(str(row["unit"])).group(1).strip()  # type: ignore[union-attr]
    same = rows[
        (rows["company"] == row["company"])
        & (rows["stage"] == row["stage"])
        & (rows["name"] != row["name"])
        & rows["name"].str.lower().str.contains(key.lower(), regex=False)
        & rows["value"].notna()
    ]
    if same.empty:
        return f"company total incl. {key}, but no row for {key} to subtract"
    less = float(same["value"].sum())
    net = float(row["value"]) - less
    if net <= 0:
        return f"company total ({row['value']:,.0f}) does not exceed its plants ({less:,.0f})"
    names = ", ".join(same["name"])
    text = f"company total {row['value']:,.0f} - {less:,.0f} ({names}, own row) = {net:,.0f}"
    return net, text


def _ndpr_factor(profile: Profile) -> float:
    """t Nd+Pr element per t NdPr oxide at the ore's Nd:Pr."""
    w = profile.oxide_pct[[ND, PR]] / profile.oxide_pct[[ND, PR]].sum()
    return float(w @ F[[ND, PR]])


def _by_ndpr(value: float, low: str, stage: str, profile: Profile) -> Converted:
    """NdPr oxide, NdPr-equivalent or NdPr metal capacity."""
    dep = profile.deposit
    if "metal" in low:
        share = _ndpr_share(profile)
        return Converted(
            value, value, "ndpr", share, f"NdPr metal as metal; Nd:Pr as {dep}", profile
        )
    element = value * _ndpr_factor(profile)
    if stage == "mining":
        magnet = profile.element[:N_MAGNET]
        total = element / (magnet[[ND, PR]].sum() / magnet.sum())
        basis = f"NdPr-eq. oxide x Nd/Pr factors / NdPr share of {dep}'s magnet REE"
        return Converted(total, total, "ore", _per_magnet(profile.element), basis, profile)
    share = _ndpr_share(profile)
    basis = f"NdPr oxide x Nd/Pr oxide->element at {dep}'s Nd:Pr (Nd, Pr only, no co-products)"
    return Converted(element, element, "ndpr", share, basis, profile)


def _by_reo(value: float, low: str, stage: str, profile: Profile) -> Converted:
    """Total REO (or magnet REO) by the ore's magnet-REE share and oxide factors.

    A total REO carries the ore's co-products per t of magnet REE; a magnet REO is the
    magnet elements only (ASSUMPTIONS["magnet_reo"]).
    """
    dep = profile.deposit
    pct = profile.oxide_pct
    if "magnet reo" in low:
        element = value * float(pct[:N_MAGNET] / pct[:N_MAGNET].sum() @ F[:N_MAGNET])
        basis = f"magnet REO x oxide->element in {dep}'s Nd:Pr:Dy:Tb (no co-products)"
        share = _magnet_only(_per_magnet(profile.element))
        return Converted(element, element, "magnet_mix", share, basis, profile)
    element = value * float(profile.element[:N_MAGNET].sum()) / 100.0
    product = "ore" if stage == "mining" else "magnet_mix"
    basis = f"REO x {dep}'s magnet-REE element share ({element / value:.3f} t/t REO)"
    return Converted(element, element, product, _per_magnet(profile.element), basis, profile)


def _by_light_ree(value: float, profile: Profile) -> Converted:
    """t of separated light-REE products taken as t REO of the feed's La-Sm fraction."""
    pct = profile.oxide_pct.copy()
    light = [IDX[e] for e in LIGHT_REE]
    pct[[i for i in range(len(ELEMENTS)) if i not in light]] = 0.0
    element = pct / pct.sum() * value * F
    magnet = float(element[:N_MAGNET].sum())
    basis = f"t/yr light-REE products = t REO of {profile.deposit}'s La-Sm (estimate)"
    return Converted(magnet, magnet, "ndpr", element / magnet, basis, profile)


def _by_unit(row: pd.Series, rows: pd.DataFrame, profile: Profile) -> Converted | str:
    """Capacity from the row's value and unit, or a reason; a company total nets its plants."""
    value = float(row["value"])
    if not COMPANY_TOTAL.search(str(row["unit"])):
        return _unit_rules(row, value, profile)
    less = _less_included(row, rows)
    if isinstance(less, str):
        return less
    out = _unit_rules(row, less[0], profile)
    if isinstance(out, Converted):
        out.basis = f"{less[1]}; {out.basis}"
    return out


def _unit_rules(row: pd.Series, value: float, profile: Profile) -> Converted | str:
    """The unit rules, in order (docs/METHODS.md, "The pipeline")."""
    unit, stage = str(row["unit"]), str(row["stage"])
    low = unit.lower()
    ndpr_basis = "metal" in low or "oxide" in low or "equivalent" in low
    if "ndpr" in low and (ndpr_basis or low.startswith("t/yr ndpr")):
        return _by_ndpr(value, low, stage, profile)
    if re.search(r"\bt?reo\b|rare earth oxides?", low):
        return _by_reo(value, low, stage, profile)
    if "concentrate" in low:
        grade = GRADE.search(str(row["note"]))
        if grade is None:
            return "t/yr concentrate with no REO grade in the source"
        out = _by_reo(value * float(grade.group(1)) / 100.0, "reo", stage, profile)
        out.basis = f"concentrate x {grade.group(1)} % REO (note); {out.basis}"
        return out
    if "ndfeb" in low or "magnet" in low or (stage == "magnet" and low.startswith("t/yr")):
        lo, hi = MAGNET_RE_CONTENT
        basis = f"NdFeB x {lo * 100:g}-{hi * 100:g} wt% RE, magnet demand mix"
        return Converted(value * lo, value * hi, "ndfeb", None, basis)
    if "metal" in low:
        share = _per_magnet(profile.element)
        share[N_MAGNET:] = 0.0
        basis = f"RE metal as metal in {profile.deposit}'s magnet-REE mix"
        return Converted(value, value, "magnet_mix", share, basis, profile)
    light = "light ree" in str(row["products"]).lower()
    if stage == "separation" and low.strip() == "t/yr" and light:
        return _by_light_ree(value, profile)
    return f"unit '{unit}' states no product basis (t/yr of what, or which elements, not given)"


def _unique(stated: list[tuple[str, float]]) -> bool:
    labels = [lab for lab, _ in stated]
    return bool(stated) and len(labels) == len(set(labels))


def convert(
    row: pd.Series, rows: pd.DataFrame, profile: Profile, full: dict[str, np.ndarray]
) -> Converted | str:
    """A row's capacity on its elements, or why it cannot be converted.

    Element outputs the row states win over its unit: in the unit or products when they
    add up to the row's value (Vinton, Caremag); a bare Dy/Tb unit (Carina, Mountain Pass
    HREE); in the note when the value is missing or not convertible (Norra Karr, Donald),
    or is a TREO total (Kvanefjeld) - each element named once, else the note is ambiguous.
    """
    value, unit = row["value"], str(row["unit"])
    if pd.notna(value):
        for text in (unit, str(row["products"])):
            stated = stated_oxides(text)
            if stated and abs(sum(t for _, t in stated) - value) <= 0.01 * value:
                return _from_stated(stated, row, profile, full)
        bare = re.search(r"\bDy([+/])Tb\b", unit)
        if bare:
            out = _from_stated([(f"Dy{bare.group(1)}Tb", float(value))], row, profile, full)
            if row["basis"] == "not_stated":
                out.basis += " (basis not stated: taken as oxide)"
            return out
    by_unit = _by_unit(row, rows, profile) if pd.notna(value) else NOT_FOUND
    noted = stated_oxides(str(row["note"]))
    if not _unique(noted):
        return by_unit
    if isinstance(by_unit, str):
        out = _from_stated(noted, row, profile, full)
        out.basis += f" from the note (row: {by_unit}); basis taken as oxide"
        return out
    if re.search(r"\bt?reo\b", unit.lower()) and "magnet reo" not in unit.lower():
        return _from_stated(noted, row, profile, full, treo=float(value))
    return by_unit


def _skip_text(row: pd.Series, reason: str) -> str:
    return f"{row['name']} ({row['country']}, {row['stage']}, {row['status']}): {reason}"


def _year(value: object) -> float:
    return float(value) if pd.notna(value) else float("nan")


def _facility(
    row: pd.Series, region: str, conv: Converted, profile: Profile | None, unit: str
) -> Facility:
    """The model's record of a converted row; profile None where no ore is involved."""
    scale_low = row["value_low"] / row["value"] if pd.notna(row["value_low"]) else 1.0
    scale_high = row["value_high"] / row["value"] if pd.notna(row["value_high"]) else 1.0
    share = np.zeros(len(ELEMENTS)) if conv.share is None else conv.share
    stated = f"{row['value_text']} {row['unit']}" if pd.notna(row["value"]) else "no value"
    target = _target_year(row)
    ramp = f"; stated for {target:.0f}: ramps to it from its start" if np.isfinite(target) else ""
    return Facility(
        name=row["name"],
        region=region,
        stage="metal" if row["stage"] == "alloy" else row["stage"],
        status=row["status"],
        capacity_low=float(conv.low * scale_low),
        capacity_high=float(conv.high * scale_high),
        element_share=share,
        announced=_year(row["announced_start_first_year"]),
        actual=_year(row["actual_start_year"]),
        source_id=";".join((str(row["source_id"]), *conv.sources)),
        product=conv.product,
        deposit=profile.deposit if profile else "",
        deposit_assumed=bool(profile and profile.assumed),
        deposit_note=profile.why if profile else "",
        basis=f"{stated}: {conv.basis}{ramp}",
        unit=unit,
        target_year=target,
    )


def _target_year(row: pd.Series) -> float:
    """The year a row's unit states its capacity for ("target by 2030"), else NaN.

    Only the unit is read: it qualifies the row's own value, while a note's "by <year>"
    is often another tonnage or a partial one (ASSUMPTIONS["target_year"]).
    """
    found = TARGET_YEAR.search(str(row["unit"])) if pd.notna(row["value"]) else None
    return float(found.group(1)) if found else float("nan")


def plant_pipeline(store: object) -> tuple[list[Facility], list[Facility], list[str]]:
    """Rows of `facilities` as rare-earth plants, substitution plants, and skipped rows.

    Every row lands in exactly one of the three, so nothing is dropped silently. The
    plants also hold the metal lines of integrated magnet plants (base_capacity), marked
    `derived`, which have no row of their own.
    """
    rows = store.table("facilities")  # type: ignore[attr-defined]
    shares = store.table("stage_shares")  # type: ignore[attr-defined]
    full, ndpr_only = ore_profiles(store)
    regions = region_of(store)
    plants, substitutes, skipped = [], [], []
    for _, row in rows.iterrows():
        reason = _skip_reason(row)
        region = regions.get(row["country"], "ROW")
        if reason is None and REE_FREE.search(str(row["products"])):
            if pd.isna(row["value"]):
                reason = f"rare-earth-free plant: {NOT_FOUND}"
            else:
                value = float(row["value"])
                conv = Converted(value, value, "substitute", None, "t/yr REE-free magnets")
                substitutes.append(_facility(row, region, conv, None, "t/yr REE-free magnets"))
                continue
        profile = None if reason else facility_profile(row, region, full, ndpr_only)
        conv = reason or convert(row, rows, profile, full)  # type: ignore[arg-type]
        if isinstance(conv, str):
            conv = _from_reported(row, conv, shares, region, full, ndpr_only)
        if isinstance(conv, str):
            skipped.append(_skip_text(row, conv))
            continue
        plants.append(_facility(row, region, conv, conv.profile, "t magnet-REE element/yr"))
    return plants + integrated_metal(plants, rows), substitutes, skipped


def _from_reported(
    row: pd.Series,
    reason: str,
    shares: pd.DataFrame,
    region: str,
    full: dict[str, np.ndarray],
    ndpr_only: dict[str, float],
) -> Converted | str:
    """A skipped row's reported Dy+Tb output as its capacity (base_capacity), or the reason."""
    if row["country"] == "CHN" or row["stage"] == "recycling":
        return reason
    reported = reported_output(row, shares)
    if reported is None:
        return reason
    profile = facility_profile(row, region, full, ndpr_only)
    out = _from_stated([(reported.label, reported.tonnes)], row, profile, full)
    out.basis = f"{reported.basis}; {out.basis} (row: {reason})"
    out.sources = reported.source_ids
    return out


def profile_sources(store: object, plants: list[Facility]) -> list[str]:
    """Source ids of the deposit compositions the plants were converted by."""
    comp = store.table("deposit_composition")  # type: ignore[attr-defined]
    used = {p.deposit for p in plants if p.deposit} | {HREE_REFERENCE}
    used |= {REGION_DEPOSIT.get(p.region, REGION_DEPOSIT["ROW"]) for p in plants if p.deposit}
    return sorted(set(comp.loc[comp["deposit"].isin(used), "source_id"].astype(str)))
