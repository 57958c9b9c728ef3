"""Ratings: High / Medium / Low on four criteria, each from a few countable signals.

Every rating carries the numbers behind it (``signals``), one sentence naming them
(``reason``) and up to three sentences of the article that drove it (``evidence``). The
thresholds are the module constants below; nothing else decides a level.

Inputs are duck-typed. A *claim* has ``text``, ``checkworthy`` (bool), ``hedge``
("certain", "hedged", "speculative" or "opinion"), ``quantity`` (None or an object with
``unit`` and ``value``), ``quantities`` (a tuple of those), ``year`` (int or None),
``entities`` (objects with ``kind`` and ``name``), ``attribution`` (str or None) and
``metric``. A *verdict* has ``claim`` and ``verdict`` ("supported", "contradicted",
"outdated", "unverifiable" or "opinion"). Missing or malformed attributes are read as
empty, so :func:`rate` never raises on odd input.

Claim Clarity
    ``specific_share`` = checkworthy claims / claims that are not opinion (hedge is not
    "opinion"); ``supported_share`` = supported / checked, where checked verdicts are
    supported, contradicted or outdated. **High** if specific_share >=
    ``CLARITY_SPECIFIC_HIGH`` (0.5) and supported_share >= ``CLARITY_SUPPORTED_HIGH``
    (0.75) with at least ``CLARITY_MIN_CHECKED_HIGH`` (3) checked. **Low** if
    specific_share < ``CLARITY_SPECIFIC_LOW`` (0.25), or supported_share <
    ``CLARITY_SUPPORTED_LOW`` (0.5) with at least ``CLARITY_MIN_CHECKED_LOW`` (2)
    checked. Otherwise **Medium**. An article with no factual claim has specific_share 0
    and is Low.

Financial Transparency
    Money figures are the claims' quantities whose unit is a currency code
    (:data:`CURRENCIES`), counted once per (claim text, unit, value). A figure is
    *complete* when it has scale (a positive number), a period (the claim has a year, or
    its sentence names one: :data:`PERIOD_PATTERN`) and a named party (the claim has an
    attribution, or names an entity that is not an element or element group: a company,
    agency, facility, country or bloc). **High**: at least ``FIN_MIN_FIGURES_HIGH`` (3)
    figures and a complete share >= ``FIN_COMPLETE_SHARE_HIGH`` (2/3). **Low**: no money
    figure. Otherwise **Medium**.

Detail Risk Disclosure
    Which of the seven kinds in :data:`RISK_PATTERNS` (execution, price, policy,
    geopolitical, technology, permitting, financing) the article text names, by regular
    expression. **High** >= ``RISK_HIGH`` (5) kinds, **Medium** >= ``RISK_MEDIUM`` (3),
    **Low** otherwise (0-2).

Investor Usefulness
    Four kinds of decision-useful detail, each counted against a minimum: distinct named
    companies (entities of kind "company") >= ``USEFUL_MIN_COMPANIES`` (2); non-money
    quantities (claims' quantities whose unit is not a currency) >=
    ``USEFUL_MIN_QUANTITIES`` (3); distinct claim years >= ``USEFUL_MIN_YEARS`` (2);
    catalyst kinds named in the text (:data:`CATALYST_PATTERNS`: offtake, commissioning,
    FID, permit approval, first production, contract, price floor, listing) >=
    ``USEFUL_MIN_CATALYSTS`` (1). **High** when all four (``USEFUL_HIGH``) meet their
    minimum, **Medium** when ``USEFUL_MEDIUM`` (2) or 3 do, **Low** otherwise. The number
    of checklist topics the article covers is reported as the signal
    ``topics_covered`` for information; it does not change the level.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from derisk import vocabulary

# --------------------------------------------------------------------------- thresholds
CLARITY_SPECIFIC_HIGH = 0.5
CLARITY_SUPPORTED_HIGH = 0.75
CLARITY_MIN_CHECKED_HIGH = 3
CLARITY_SPECIFIC_LOW = 0.25
CLARITY_SUPPORTED_LOW = 0.5
CLARITY_MIN_CHECKED_LOW = 2
FIN_MIN_FIGURES_HIGH = 3
FIN_COMPLETE_SHARE_HIGH = 2 / 3
RISK_HIGH = 5
RISK_MEDIUM = 3
USEFUL_MIN_COMPANIES = 2
USEFUL_MIN_QUANTITIES = 3
USEFUL_MIN_YEARS = 2
USEFUL_MIN_CATALYSTS = 1
USEFUL_HIGH = 4
USEFUL_MEDIUM = 2
#: Most evidence sentences a rating quotes.
MAX_EVIDENCE = 3

THRESHOLDS: dict[str, float | int] = {
    "CLARITY_SPECIFIC_HIGH": CLARITY_SPECIFIC_HIGH,
    "CLARITY_SUPPORTED_HIGH": CLARITY_SUPPORTED_HIGH,
    "CLARITY_MIN_CHECKED_HIGH": CLARITY_MIN_CHECKED_HIGH,
    "CLARITY_SPECIFIC_LOW": CLARITY_SPECIFIC_LOW,
    "CLARITY_SUPPORTED_LOW": CLARITY_SUPPORTED_LOW,
    "CLARITY_MIN_CHECKED_LOW": CLARITY_MIN_CHECKED_LOW,
    "FIN_MIN_FIGURES_HIGH": FIN_MIN_FIGURES_HIGH,
    "FIN_COMPLETE_SHARE_HIGH": FIN_COMPLETE_SHARE_HIGH,
    "RISK_HIGH": RISK_HIGH,
    "RISK_MEDIUM": RISK_MEDIUM,
    "USEFUL_MIN_COMPANIES": USEFUL_MIN_COMPANIES,
    "USEFUL_MIN_QUANTITIES": USEFUL_MIN_QUANTITIES,
    "USEFUL_MIN_YEARS": USEFUL_MIN_YEARS,
    "USEFUL_MIN_CATALYSTS": USEFUL_MIN_CATALYSTS,
    "USEFUL_HIGH": USEFUL_HIGH,
    "USEFUL_MEDIUM": USEFUL_MEDIUM,
}

CRITERIA = (
    "claim_clarity",
    "financial_transparency",
    "detail_risk_disclosure",
    "investor_usefulness",
)
LEVELS = ("High", "Medium", "Low")
#: Verdicts of claims compared with rows on the same basis (derisk.vocabulary).
CHECKED = vocabulary.CHECKED_VERDICTS
#: Units that make a quantity a money figure: ISO codes and aliases, upper case.
CURRENCIES = vocabulary.MONEY_UNITS
#: Entity kinds that count as a named party for a money figure.
PARTY_KINDS = frozenset({"company", "agency", "facility", "country", "bloc"})
#: A period named in a money figure's sentence, when the claim carries no year.
PERIOD_PATTERN = re.compile(
    r"\b(?:(?:19|20)\d\d|FY ?\d{2,4}|H[12]|Q[1-4]|per (?:year|annum|quarter|month)|"
    r"a year|annual(?:ly)?|yearly|quarterly|over (?:the )?(?:next |past |last )?"
    r"(?:\w+ )?(?:years?|months?|decades?)|since (?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def _risk(*fragments: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(fragments) + r")", re.IGNORECASE)


#: The seven risk kinds and the wording that names each.
RISK_PATTERNS: dict[str, re.Pattern] = {
    "execution": _risk(
        r"delay(?:s|ed)?\b",
        r"cost overruns?",
        r"over budget",
        r"behind schedule",
        r"execution risk",
        r"construction risk",
        r"ramp-?up (?:risk|problems|issues|delays)",
        r"commissioning (?:problems|issues|delays|risk)",
        r"slip(?:ped|page)\b",
        r"taken longer",
        r"take longer",
        r"cost more than",
        r"never reached production",
        r"stumble",
    ),
    "price": _risk(
        r"price (?:risk|volatility|swings?|collapse|crash|falls?|drops?|slump|cycles?|war)",
        r"prices? (?:fell|fall|falls|dropped|drop|collapsed|crashed|slumped|plunged|"
        r"could fall|may fall|might fall)",
        r"volatil\w*",
        r"prices? (?:rose|soared|spiked|jumped|doubled|tripled|surged|rallied)",
        r"price (?:spikes?|surges?|jumps?|shocks?)",
        r"oversupply",
        r"dumping",
        r"price floors?",
        r"weak (?:market|prices)",
        r"fell by",
    ),
    "policy": _risk(
        r"export (?:controls?|bans?|restrictions?|licen[cs]\w*|quotas?|curbs?)",
        r"(?:control|entity|watch) lists?",
        r"licen[cs]es? (?:are |were )?(?:required|needed)",
        r"need(?:s|ed)? (?:a |Chinese )?licen[cs]es?",
        r"dual-use (?:ban|controls?|items)",
        r"curbs? on",
        r"quotas?\b",
        r"tariffs?",
        r"polic(?:y|ies) (?:risk|change|shift|reversal|uncertainty)",
        r"sanctions?",
        r"licensing requirements?",
        r"political risk",
        r"regulat\w+ (?:risk|change|uncertainty)",
        r"subsid(?:y|ies) (?:cut|withdraw|expir)",
    ),
    "geopolitical": _risk(
        r"geopolitic\w*",
        r"trade war",
        r"tensions?\b",
        r"retaliat\w*",
        r"weaponi[sz]\w*",
        r"embargo\w*",
        r"coercion",
        r"leverage\b",
        r"single supplier",
        r"dependence on (?:china|beijing|a single)",
        r"chokepoints?",
        r"national security",
        r"willing to use",
    ),
    "technology": _risk(
        r"technolog\w* risk",
        r"technical(?:ly)? (?:risk|challenges?|difficult\w*|demanding)",
        r"process (?:risk|problems|challenges)",
        r"metallurg\w*",
        r"recovery rates?",
        r"unproven",
        r"scale-?up",
        r"scaling up",
        r"pilot (?:plant|line|scale)s?",
        r"know-how",
        r"skilled (?:operators|workers|labou?r|staff)",
        r"chemistry",
        r"qualification",
    ),
    "permitting": _risk(
        r"permit\w*",
        r"(?:environmental|regulatory) (?:approvals?|review|impact|risk|"
        r"concerns?|opposition)",
        r"social licen[cs]e",
        r"licen[cs]e to operate",
        r"radioactiv\w*",
        r"thorium",
        r"(?<!phoenix )tailings",
        r"community (?:opposition|objections?|concerns?)",
        r"objected",
        r"waste (?:storage|disposal)",
        r"stored safely",
    ),
    "financing": _risk(
        r"financing (?:risk|gap|needs?)",
        r"funding (?:gap|risk|shortfall)",
        r"dilut\w+",
        r"capital rais\w+",
        r"rais(?:e|ing) (?:capital|money|funds|equity)",
        r"debt\b",
        r"balance sheet",
        r"cash (?:burn|runway)",
        r"cost of capital",
        r"underfunded",
        r"access to (?:finance|capital|funding)",
        r"money to finish",
        r"(?:fund|finance) (?:construction|the build)",
    ),
}
RISK_KINDS: tuple[str, ...] = tuple(RISK_PATTERNS)

#: Catalysts an investor can date and watch for.
CATALYST_PATTERNS: dict[str, re.Pattern] = {
    "offtake": re.compile(r"\boff-?takes?\b", re.IGNORECASE),
    "commissioning": re.compile(r"\bcommission(?:ing|ed)\b", re.IGNORECASE),
    "FID": re.compile(r"\b(?i:final investment decision)\b|\bFIDs?\b"),
    "permit approval": re.compile(
        r"\bpermits? (?:approval|granted|awarded|issued)|\b(?:approval|grant) of (?:the |its |a )?"
        r"permits?\b|\bpermits? (?:was|were|is|are|has been|have been) "
        r"(?:granted|approved|issued)\b|\benvironmental approval\b",
        re.IGNORECASE,
    ),
    "first production": re.compile(
        r"\bfirst (?:production|output|ore|concentrate|oxides?|metal|magnets?|shipments?|"
        r"deliver(?:y|ies))\b",
        re.IGNORECASE,
    ),
    "contract": re.compile(r"\bcontracts?\b|\b(?:supply|binding) agreements?\b", re.IGNORECASE),
    "price floor": re.compile(r"\bprice floors?\b", re.IGNORECASE),
    "listing": re.compile(
        r"\blisting\b|\bipo\b|\binitial public offering\b|\blisted on\b", re.IGNORECASE
    ),
}

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'“(A-Z0-9])|\n\s*\n|\n(?=\s*[-*•])")


@dataclass(frozen=True)
class Rating:
    criterion: str
    level: str
    signals: dict[str, float | int | str]
    reason: str
    evidence: tuple[str, ...]


# --------------------------------------------------------------------------- reading input
def _attr(obj: object, name: str, default: object = None) -> object:
    try:
        return getattr(obj, name, default)
    except Exception:  # a property that raises is read as missing
        return default


def _str(value: object) -> str:
    if value is None:
        return ""
    try:
        return str(value)
    except Exception:
        return ""


def _items(value: object) -> list:
    if value is None or isinstance(value, str | bytes):
        return []
    try:
        return list(value)  # type: ignore[call-overload]
    except TypeError:
        return []


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _year(value: object) -> int | None:
    number = _number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def _quantities(claim: object) -> list[object]:
    found = _items(_attr(claim, "quantities"))
    main = _attr(claim, "quantity")
    if main is not None and not any(q is main or q == main for q in found):
        found.insert(0, main)
    return found


def _unit(quantity: object) -> str:
    return _str(_attr(quantity, "unit")).strip()


def _is_money(quantity: object) -> bool:
    return _unit(quantity).upper() in CURRENCIES


def _entities(claim: object) -> list[object]:
    return _items(_attr(claim, "entities"))


def _text(claim: object) -> str:
    return " ".join(_str(_attr(claim, "text")).split())


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _at_least(value: float, threshold: float) -> bool:
    """value >= threshold, tolerant of float rounding (2/3 of 3 is exactly at 2/3)."""
    return value >= threshold - 1e-9


def _pick(*groups: Iterable[str]) -> tuple[str, ...]:
    picked: dict[str, None] = {}
    for group in groups:
        for text in group:
            if text and len(picked) < MAX_EVIDENCE:
                picked.setdefault(text, None)
    return tuple(picked)


@functools.lru_cache(maxsize=64)
def _lower_case_twin(pattern: re.Pattern) -> re.Pattern | None:
    """An IGNORECASE pattern written in lower case, compiled without the flag: it finds
    the same matches in the lower-cased text several times faster. None otherwise."""
    if pattern.flags & re.IGNORECASE and not re.search(r"(?<!\\)[A-Z]", pattern.pattern):
        return re.compile(pattern.pattern)
    return None


def _first_sentences(text: str, patterns: dict[str, re.Pattern]) -> dict[str, str]:
    """For each pattern that matches ``text``, the sentence (whitespace collapsed) holding
    its first match. One search of the whole text per pattern."""
    lower = text.lower()
    same_offsets = len(lower) == len(text)
    found: dict[str, str] = {}
    starts: list[int] | None = None
    for kind, pattern in patterns.items():
        twin = _lower_case_twin(pattern) if same_offsets else None
        match = twin.search(lower) if twin is not None else pattern.search(text)
        if match is None:
            continue
        if starts is None:
            starts = [0] + [m.end() for m in _SENTENCE_SPLIT.finditer(text)]
        at = bisect.bisect_right(starts, match.start()) - 1
        end = starts[at + 1] if at + 1 < len(starts) else len(text)
        found[kind] = " ".join(text[starts[at] : end].split())
    return found


def _plural(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


# --------------------------------------------------------------------------- criteria
def _claim_clarity(claims: list, verdicts: list) -> Rating:
    factual = [c for c in claims if _str(_attr(c, "hedge")) != "opinion"]
    specific = [c for c in factual if _attr(c, "checkworthy") is True]
    vague = [c for c in factual if _attr(c, "checkworthy") is not True]
    checked = [v for v in verdicts if _str(_attr(v, "verdict")) in CHECKED]
    supported = [v for v in checked if _str(_attr(v, "verdict")) == "supported"]
    wrong = [v for v in checked if _str(_attr(v, "verdict")) != "supported"]
    specific_share = _share(len(specific), len(factual))
    supported_share = _share(len(supported), len(checked))

    low_specific = specific_share < CLARITY_SPECIFIC_LOW
    low_support = (
        len(checked) >= CLARITY_MIN_CHECKED_LOW and supported_share < CLARITY_SUPPORTED_LOW
    )
    if low_specific or low_support:
        level = "Low"
    elif (
        _at_least(specific_share, CLARITY_SPECIFIC_HIGH)
        and _at_least(supported_share, CLARITY_SUPPORTED_HIGH)
        and len(checked) >= CLARITY_MIN_CHECKED_HIGH
    ):
        level = "High"
    else:
        level = "Medium"

    first = (
        f"{len(specific)} of {_plural(len(factual), 'factual claim')} are specific and checkable"
    )
    if checked:
        second = f"{len(supported)} of {len(checked)} checked claims are supported by the dataset"
    else:
        second = "none could be checked against the dataset"
    reason = f"{first}; {second}."
    wrong_texts = [_text(_attr(v, "claim")) for v in wrong]
    vague_texts = [_text(c) for c in vague]
    supported_texts = [_text(_attr(v, "claim")) for v in supported]
    if level == "High":
        evidence = _pick(supported_texts)
    elif level == "Low" and low_support:
        evidence = _pick(wrong_texts, vague_texts)
    elif level == "Low":
        evidence = _pick(vague_texts, wrong_texts)
    else:
        evidence = _pick(wrong_texts, vague_texts)
    signals: dict[str, float | int | str] = {
        "factual_claims": len(factual),
        "specific_claims": len(specific),
        "specific_share": round(specific_share, 3),
        "checked": len(checked),
        "supported": len(supported),
        "contradicted_or_outdated": len(wrong),
        "supported_share": round(supported_share, 3) if checked else "n/a",
    }
    return Rating("claim_clarity", level, signals, reason, evidence)


def _financial_transparency(claims: list) -> Rating:
    figures: dict[tuple[str, str, float | None], tuple[bool, bool, bool]] = {}
    for claim in claims:
        text = _text(claim)
        period = _year(_attr(claim, "year")) is not None or bool(PERIOD_PATTERN.search(text))
        party = bool(_str(_attr(claim, "attribution")).strip()) or any(
            _str(_attr(e, "kind")) in PARTY_KINDS and _str(_attr(e, "name")).strip()
            for e in _entities(claim)
        )
        for quantity in _quantities(claim):
            if not _is_money(quantity):
                continue
            value = _number(_attr(quantity, "value"))
            scale = value is not None and value > 0
            figures.setdefault((text, _unit(quantity).upper(), value), (scale, period, party))
    n = len(figures)
    complete = [key for key, flags in figures.items() if all(flags)]
    incomplete = [key for key, flags in figures.items() if not all(flags)]
    share = _share(len(complete), n)
    if n == 0:
        level = "Low"
    elif n >= FIN_MIN_FIGURES_HIGH and _at_least(share, FIN_COMPLETE_SHARE_HIGH):
        level = "High"
    else:
        level = "Medium"
    if n == 0:
        reason = "No money figures: the article states no amount in a currency."
    else:
        reason = (
            f"{_plural(n, 'money figure')}, {len(complete)} complete (with scale, a period "
            "and a named party)."
        )
    missing = Counter()
    for key in incomplete:
        scale, period, party = figures[key]
        missing["scale"] += not scale
        missing["period"] += not period
        missing["named party"] += not party
    if missing and n:
        gaps = ", ".join(f"{k} ({v})" for k, v in missing.items() if v)
        reason = reason[:-1] + f"; missing: {gaps}."
    if level == "High":
        evidence = _pick(key[0] for key in complete)
    else:
        evidence = _pick((key[0] for key in incomplete), (key[0] for key in complete))
    signals: dict[str, float | int | str] = {
        "money_figures": n,
        "complete_figures": len(complete),
        "complete_share": round(share, 3),
        "currencies": ", ".join(sorted({key[1] for key in figures})) or "none",
        "without_period": missing.get("period", 0),
        "without_named_party": missing.get("named party", 0),
        "without_scale": missing.get("scale", 0),
    }
    return Rating("financial_transparency", level, signals, reason, evidence)


def _detail_risk_disclosure(article_text: str) -> Rating:
    named = _first_sentences(article_text, RISK_PATTERNS)
    n = len(named)
    level = "High" if n >= RISK_HIGH else "Medium" if n >= RISK_MEDIUM else "Low"
    absent = [k for k in RISK_KINDS if k not in named]
    listed = ", ".join(named) if named else "none"
    reason = f"Names {n} of {len(RISK_KINDS)} risk kinds ({listed})"
    reason += f"; not named: {', '.join(absent)}." if absent else "."
    signals: dict[str, float | int | str] = {
        "risk_kinds_named": n,
        "named": ", ".join(named) or "none",
        "not_named": ", ".join(absent) or "none",
    }
    return Rating("detail_risk_disclosure", level, signals, reason, _pick(named.values()))


def _investor_usefulness(article_text: str, claims: list, topics: list) -> Rating:
    companies: dict[str, str] = {}
    quantities: dict[tuple[str, str, float | None], str] = {}
    years: dict[int, str] = {}
    for claim in claims:
        text = _text(claim)
        for entity in _entities(claim):
            name = _str(_attr(entity, "name")).strip()
            if _str(_attr(entity, "kind")) == "company" and name:
                companies.setdefault(name.lower(), text)
        for quantity in _quantities(claim):
            if _unit(quantity) and not _is_money(quantity):
                key = (text, _unit(quantity), _number(_attr(quantity, "value")))
                quantities.setdefault(key, text)
        year = _year(_attr(claim, "year"))
        if year is not None:
            years.setdefault(year, text)
    catalysts = _first_sentences(article_text, CATALYST_PATTERNS)
    counts = {
        "companies": (len(companies), USEFUL_MIN_COMPANIES),
        "quantities": (len(quantities), USEFUL_MIN_QUANTITIES),
        "years": (len(years), USEFUL_MIN_YEARS),
        "catalysts": (len(catalysts), USEFUL_MIN_CATALYSTS),
    }
    met = [k for k, (n, minimum) in counts.items() if n >= minimum]
    short = [k for k in counts if k not in met]
    score = len(met)
    level = "High" if score >= USEFUL_HIGH else "Medium" if score >= USEFUL_MEDIUM else "Low"
    reason = (
        f"{score} of 4 kinds of investor detail meet their minimum: "
        f"{_plural(len(companies), 'named company', 'named companies')}, "
        f"{_plural(len(quantities), 'non-money quantity', 'non-money quantities')}, "
        f"{_plural(len(years), 'dated year')}, {_plural(len(catalysts), 'catalyst')}"
        + (f" ({', '.join(catalysts)})" if catalysts else "")
    )
    reason += f"; short on {', '.join(short)}." if short else "."
    covered = sum(1 for t in _items(topics) if _attr(t, "covered") is True)
    signals: dict[str, float | int | str] = {
        "companies": len(companies),
        "quantities": len(quantities),
        "years": len(years),
        "catalysts": len(catalysts),
        "catalyst_kinds": ", ".join(catalysts) or "none",
        "kinds_met": score,
        "topics_covered": covered,
    }
    evidence = _pick(catalysts.values(), companies.values(), quantities.values())
    return Rating("investor_usefulness", level, signals, reason, evidence)


def rate(article_text: str, claims: list, verdicts: list, topics: list) -> dict[str, Rating]:
    """The four ratings, keyed by criterion in :data:`CRITERIA` order."""
    claims = _items(claims)
    verdicts = _items(verdicts)
    text = article_text if isinstance(article_text, str) else _str(article_text)
    return {
        "claim_clarity": _claim_clarity(claims, verdicts),
        "financial_transparency": _financial_transparency(claims),
        "detail_risk_disclosure": _detail_risk_disclosure(text),
        "investor_usefulness": _investor_usefulness(text, claims, _items(topics)),
    }
