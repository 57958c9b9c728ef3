"""Plants: a capacity or status is matched to the plant the sentence names, by name.

"Neo's Narva plant, 2,000 t a year" was contradicted by La Rochelle's 4,500 t because
the first facility named in a sentence was taken for every figure in it. The figure is
now matched to the plant mentioned nearest before it (else nearest after), a capacity
claim is not compared with a row that records output ("production, not nameplate") or
vice versa, and a claim in tonnes of element is not compared with tonnes of oxide.

A site name shared by several rows ("Nolans": the mine and the separation plant) stands
for all of them; the claim's stage picks one, and a claim that leaves several is not
compared with any: the site's first row is not the plant the sentence means.

A plant's planned capacity ("Caremag will separate 2,400 t a year") is a stated plan on
record, not a forecast: `is_stated_plan` lets verify.py check such a sentence although
"will" makes it speculative, under stricter terms (a per-year tonnage, the row's basis
and product), and never when it speaks of an expansion or a condition.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from derisk import vocabulary
from derisk.review.checking.checks.production import PART_YEAR
from derisk.review.checking.evidence import Evidence
from derisk.review.checking.facts import FactBase
from derisk.review.checking.match import AMOUNT_TOLERANCE, Result, unmatched
from derisk.vocabulary import FACILITY_SITES

#: Site names the lexicon uses as a key for every row whose name contains them.
_SITES = frozenset(FACILITY_SITES.values())
#: A plan sentence that is about more than the plan on record: a later expansion, a
#: condition, a possibility. Its figure is not the stated capacity.
NOT_THE_PLAN = re.compile(
    r"\b(?:expan\w*|increas\w*|rais\w*|boost\w*|doubl\w*|tripl\w*|grow\w*|reach\w*|"
    r"eventual\w*|ultimate\w*|phase|stage\s+(?:two|2|ii)|second|additional|further|extra|"
    r"could|might|may|would|if|unless|hop\w*|aim\w*|ambition\w*|potential\w*|up\s+to|"
    r"as\s+much\s+as|later)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;:]|\s[-\u2013\u2014]\s|$")
#: A rate stated after the product ("of magnets a year").
PER_YEAR = re.compile(r"\b(?:a|per|each)\s+year\b|\bannual(?:ly)?\b|\bt/yr\b|\btpa\b", re.I)
#: A row unit for the magnet rare earths only: "t/yr NdPr oxide", "t/yr magnet REO".
_MAGNET_REO = re.compile(r"\bnd-?pr\b|\bmagnet\s+(?:t?reo|rare)", re.IGNORECASE)
#: Product words of a row's unit that a claim without a stated basis may name.
#: The downstream stages name their products (metal, alloy, magnet: the facility stages
#: between separation and recycling).
_DOWNSTREAM = vocabulary.FACILITY_STAGES[
    vocabulary.FACILITY_STAGES.index("separation") + 1 : vocabulary.FACILITY_STAGES.index(
        "recycling"
    )
]
_PRODUCTS = (*_DOWNSTREAM, "concentrate", "carbonate")


def facility_rows(rows: pd.DataFrame, key: str, stage: str | None) -> pd.DataFrame:
    """The rows a lexicon facility key stands for, narrowed to the claim's stage.

    A site key (FACILITY_SITES) means every row whose name contains it, as the lexicon
    built it; any other key is one row's name. Several rows left: the claim's stage
    picks among them, and rows of another stage are never kept.
    """
    names = rows["name"].astype(str)
    if key in _SITES:
        found = rows[names.str.lower().str.contains(key.lower(), regex=False)]
    else:
        found = rows[names == key]
    if len(found) > 1 and stage:
        found = found[found["stage"] == stage]
    return found


def _nearest_facility(claim: object) -> str | None:
    """The facility mentioned nearest to the claim's figure (before it first)."""
    text = claim.text  # type: ignore[attr-defined]
    named = [e for e in claim.entities if e.kind == "facility"]  # type: ignore[attr-defined]
    if not named:
        return None
    q = claim.quantity  # type: ignore[attr-defined]
    at = text.find(q.text) if q is not None and q.text else -1
    if at < 0 or len(named) == 1:
        return named[0].key
    if text.count(q.text) > 1:
        # "Silmet separates 3,000 t ..., and its Narva plant has 3,000 t of magnets":
        # the same figure twice cannot be placed, so it is tied to no plant
        return None
    spots = [(text.find(e.name), e.key) for e in named if text.find(e.name) >= 0]
    before = [(p, k) for p, k in spots if p < at]
    if before:
        return max(before)[1]
    return min(spots, key=lambda s: abs(s[0] - at))[1] if spots else named[0].key


def is_stated_plan(claim: object) -> bool:
    """Whether a speculative sentence states a named plant's planned capacity.

    "will separate 2,400 t a year" repeats a plan the company has put on record, so it
    is checked like a present-tense capacity; opinion, a figure that is not per year and
    talk of expansion or conditions ("could", "up to", "a second line") stay unchecked.
    """
    if getattr(claim, "hedge", "") != "speculative":
        return False
    if getattr(claim, "metric", "") not in ("capacity", "production", "other"):
        return False  # "will separate / make X t a year" reads as production or other
    q = getattr(claim, "quantity", None)
    if q is None or q.unit != "t" or q.bound is not None:
        return False
    if not any(e.kind == "facility" for e in getattr(claim, "entities", ())):
        return False
    text = claim.text  # type: ignore[attr-defined]
    at = text.find(q.text) if q.text else -1
    if at < 0:
        return False
    # Up to the end of the figure's clause: "..., with JOGMEC committing up to EUR110m"
    # is about the money, not the plant's plan.
    end = _CLAUSE_END.search(text, at + len(q.text))
    clause = text[: end.start() if end else len(text)]
    # "1,000 tonnes of magnets a year": the rate may follow the product, out of the figure
    per_year = getattr(q, "per", None) == "year" or PER_YEAR.search(clause[at:])
    return bool(per_year) and not NOT_THE_PLAN.search(clause)


def check_facility(claim: object, facts: FactBase, article_date: dt.date | None) -> Result | None:
    key = _nearest_facility(claim)
    if key is None:
        return None
    stage = getattr(claim, "stage", None)
    product = _product_named(claim)
    found = facts.memo(
        ("facility", key, stage, product), lambda: _facility_row(facts, key, stage, product)
    )
    if found is None:
        return None
    r, ev = found
    q = claim.quantity  # type: ignore[attr-defined]
    if is_stated_plan(claim):
        return _plan(claim, q, r, ev, article_date) if pd.notna(r["value"]) else None
    if q is not None and q.unit == "t" and pd.notna(r["value"]):
        return _capacity(claim, q, r, ev, article_date)
    said = status_said(claim.text.lower())  # type: ignore[attr-defined]
    if said is None:
        return None
    if said == r["status"]:
        return "supported", (ev,), f"status on record: {r['status']} (as of {r['as_of']})"
    as_of = _as_of(r)
    if article_date is not None and as_of is not None and as_of > article_date:
        return unmatched((ev,), f"article says {said}; the status on record ({r['status']}) "
                         f"dates from {r['as_of']}, after the article")  # fmt: skip
    return "contradicted", (ev,), f"article says {said}; on record: {r['status']}"


def status_said(text: str) -> str | None:
    if re.search(r"\b(operat|began|begun|started|commission|opened|producing)", text):
        return "operating"
    if re.search(r"under construction|being built|\b(?:is|are|still) building\b", text):
        return "construction"
    if re.search(r"cancel|scrapp|abandon", text):
        return "cancelled"
    return None


def _as_of(r: dict) -> dt.date | None:
    match = re.match(r"(\d{4})-(\d{2})", str(r.get("as_of") or ""))
    return dt.date(int(match[1]), int(match[2]), 1) if match else None


def _capacity(
    claim: object, q: object, r: dict, ev: Evidence, article_date: dt.date | None
) -> Result:
    """A tonnage for the named plant, on the row's basis (capacity vs output, oxide vs
    element) or unverifiable."""
    unit = str(r["unit"]).lower()
    text = claim.text.lower()  # type: ignore[attr-defined]
    claims_capacity = getattr(claim, "metric", None) == "capacity" or "capacit" in text
    row_output = "production" in unit and "not nameplate" in unit
    if claims_capacity and row_output and not re.search(r"produc|output|mined", text):
        return unmatched((ev,), f"article gives a capacity; the row records output ({r['unit']})")
    if PART_YEAR.search(claim.text) and "t/yr" in unit:  # type: ignore[attr-defined]
        # "NdPr output in the December quarter fell to 1,904 t" is not a year's capacity
        why = f"article gives a part-year figure; the row is per year ({r['unit']})"
        return unmatched((ev,), why)
    if getattr(q, "basis", None) == "element" and r.get("basis") == "oxide":
        return unmatched((ev,), "article gives tonnes of element; the row holds tonnes of oxide")
    return _compare(q, r, ev, article_date)


def _compare(q: object, r: dict, ev: Evidence, article_date: dt.date | None) -> Result:
    """The claimed tonnage against the row's value or stored range; a row printed after
    the article can support it but never refute it."""
    value = float(r["value"])
    low, high = r.get("value_low"), r.get("value_high")
    lo = float(low) if pd.notna(low) else value
    hi = float(high) if pd.notna(high) else value
    said = float(q.value)  # type: ignore[attr-defined]
    agrees = lo * (1 - AMOUNT_TOLERANCE) <= said <= hi * (1 + AMOUNT_TOLERANCE)
    explanation = f"article: {q.text}; data for {r['name']}: {r['value_text']} {r['unit']}"  # type: ignore[attr-defined]
    if agrees:
        return "supported", (ev,), explanation
    recorded = r.get("record_start")
    if article_date is not None and isinstance(recorded, dt.date) and recorded > article_date:
        return unmatched((ev,), f"{explanation}; the row's source is dated after the article")
    return "contradicted", (ev,), explanation


def _plan(claim: object, q: object, r: dict, ev: Evidence, article_date: dt.date | None) -> Result:
    """A planned per-year capacity against the row's stated capacity: same unit, same
    basis and product, the whole plant; status (planned or operating) does not matter."""
    unit = str(r["unit"])
    head = unit.split("(")[0].lower()  # "t/yr separated REO (600 HREO + 800 NdPr)"
    if not head.startswith("t/yr") or "not nameplate" in unit.lower():
        return unmatched((ev,), f"the row does not hold a capacity in t/yr ({unit})")
    if re.search(r"\btotal\b|\bincl", unit, re.IGNORECASE):  # 10X: "company total incl. ..."
        return unmatched((ev,), f"the row holds a total over several plants ({unit})")
    basis = getattr(q, "basis", None)
    if basis == "REO":
        same = bool(re.search(r"\bt?reo\b", head))
    elif basis == "magnet_ree":
        same = bool(_MAGNET_REO.search(head))
    elif basis == "element":
        same = r.get("basis") == "element"
    else:
        text = claim.text.lower()  # type: ignore[attr-defined]
        same = any(p in head and p in text for p in _PRODUCTS)
    if same and not _same_subject(claim, head):
        return unmatched((ev,), f"article: {q.text} of part of the output; the row holds "  # type: ignore[attr-defined]
                         f"the plant's {unit}")  # fmt: skip
    if not same:
        return unmatched((ev,), f"article: {q.text} ({basis or 'basis not stated'}); the row "  # type: ignore[attr-defined]
                         f"holds {unit}: not the same basis or product")  # fmt: skip
    return _compare(q, r, ev, article_date)


#: Groups that are part of a plant's magnet output: NdPr and the magnet rare earths.
_MAGNET_PART = frozenset({"ndpr", vocabulary.GROUP_KEY["magnet"]})


def _same_subject(claim: object, head: str) -> bool:
    """A claim about NdPr, heavy rare earths or one element is about part of a plant's
    output: it is compared only with a row whose unit is that part (NdPr oxide)."""
    for e in getattr(claim, "entities", ()):
        if e.kind == "group" and e.key in _MAGNET_PART:
            if not _MAGNET_REO.search(head):
                return False
        elif e.kind == "element" or (e.kind == "group" and e.key != "all_ree"):
            return False
    return True


def _product_named(claim: object) -> str | None:
    """The one element or group a claim names ("10,500 t a year of NdPr"), as written."""
    named = [e.name for e in getattr(claim, "entities", ()) if e.kind in ("element", "group")]
    return named[0] if len(named) == 1 else None


def _facility_row(
    facts: FactBase, key: str, stage: str | None, product: str | None = None
) -> tuple[dict, Evidence] | None:
    """The one row the key and stage pick; none when they leave several.

    A site with several lines at one stage (Lynas Malaysia: the NdPr line and the heavy
    REE circuits) is narrowed by the product the claim names, when exactly one line's
    products or capacity unit name it.
    """
    rows = facility_rows(facts.tables["facilities"], key, stage)
    if len(rows) > 1 and product:
        said = (rows["products"].fillna("") + " " + rows["unit"].fillna("")).str.lower()
        one = rows[said.str.contains(rf"\b{re.escape(product.lower())}\b", regex=True)]
        rows = one if len(one) == 1 else rows
    if len(rows) != 1:
        return None
    r = rows.iloc[0].to_dict()
    ev = facts.ev(
        "facilities",
        f"name={r['name']}",
        f"status {r['status']}; {r['value_text']} {r['unit']}; announced {r['announced_start']}; "
        f"actual {r['actual_start']}",
        r["source_id"],
    )
    return r, ev
