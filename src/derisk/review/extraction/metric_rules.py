"""The metric rule table: `MetricRule`, the conditions a rule needs (`_NEEDS`) and
`METRIC_RULES`, tried in order to give a claim its metric."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from derisk.review.extraction.lexicon import Entity
from derisk.review.extraction.quantities import Quantity
from derisk.review.extraction.quantity_patterns import _I, _WORD_NUM, NOT_A_MODIFIER


@dataclass(frozen=True)
class MetricRule:
    """A sentence gets ``metric`` when ``pattern`` matches and ``needs`` holds."""

    metric: str
    pattern: re.Pattern[str]
    needs: str  # a key of _NEEDS
    words: str  # what the rule looks for, in words (for docs and the report)
    #: lower-case substrings one of which any match of ``pattern`` contains; a cheap test
    #: that skips the regex on most sentences (empty: always run it)
    hints: tuple[str, ...] = ()


def _rule(
    metric: str, pattern: str, needs: str, words: str, hints: tuple[str, ...] = ()
) -> MetricRule:
    return MetricRule(metric, re.compile(pattern, _I), needs, words, hints)


_NEEDS: dict[str, Callable[[tuple[Entity, ...], Sequence[Quantity]], bool]] = {
    "nothing": lambda ents, qs: True,
    "percent": lambda ents, qs: any(q.unit == "percent" for q in qs),
    "money": lambda ents, qs: any(len(q.unit) == 3 and q.unit.isupper() for q in qs),
    "money+agency": lambda ents, qs: (
        any(len(q.unit) == 3 and q.unit.isupper() for q in qs)
        and any(e.kind == "agency" for e in ents)
    ),
    "price": lambda ents, qs: any("/" in q.unit for q in qs),
    "facility|company": lambda ents, qs: any(e.kind in ("facility", "company") for e in ents),
    "mass|no percent": lambda ents, qs: (
        any(q.unit == "t" for q in qs) or not any(q.unit == "percent" for q in qs)
    ),
    "element count": lambda ents, qs: any(q.unit == "count" for q in qs),
    "percent+company": lambda ents, qs: (
        any(q.unit == "percent" for q in qs)
        and sum(e.kind in ("company", "facility") for e in ents) >= 2
    ),
    "percent+bloc": lambda ents, qs: (
        any(q.unit == "percent" for q in qs) and any(e.kind == "bloc" for e in ents)
    ),
}

#: Controls with a status ("the October 2025 controls remain in force"): a policy claim
#: even with no entity or number, judged on the status on record at the article's date.
_CONTROL_STATUS = re.compile(
    r"\bcontrols?\b[^.]{0,60}\b(?:in\s+force|in\s+effect|in\s+place|suspend\w*|lift\w*|"
    r"paus\w*)|\b(?:19|20)\d\d\s+(?:export\s+)?controls\b",
    _I,
)

#: Metric rules, tried in order; the first whose pattern matches (and whose condition
#: holds) sets ``Claim.metric``. A sentence that matches none gets "other" when it has a
#: quantity, else None.
METRIC_RULES: tuple[MetricRule, ...] = (
    _rule(
        "price_floor",
        r"price\s+floor|floor\s+price|minimum\s+price|price\s+guarantee",
        "nothing",
        "price floor, floor price, minimum price, price guarantee",
        ("floor", "minimum", "guarantee"),
    ),
    _rule("quota", r"\bquotas?\b", "nothing", "quota", ("quota",)),
    # Percentages that are not shares of world output: each has its own fact table (or
    # none), and comparing them with stage_shares gave false "contradicted" verdicts.
    _rule(
        "ownership",
        r"\bstakes?\b|\bowns?\b|\bowned\b|\bholds?\b|\bheld\b|\bsharehold|\bownership\b",
        "percent+company",
        "stake, owns, holds, shareholder, ownership + a percentage and two companies/sites",
        ("stake", "own", "hold", "held", "shareholder"),
    ),
    _rule(
        "target",
        r"\btargets?\b|\bbenchmarks?\b|\bcap\b|\bceiling\b|\bgoals?\b|\baims?\b|\bCRMA\b|"
        r"Critical\s+Raw\s+Materials\s+Act|\bno\s+more\s+than\b",
        "percent+bloc",
        "target, benchmark, cap, ceiling, goal, aim, CRMA, no more than + a percentage and a bloc",
        ("target", "benchmark", "cap", "ceiling", "goal", "aim", "crma", "critical", "more"),
    ),
    _rule(
        "target",
        r"\bby\s+20[3-5]\d\b",
        "percent+bloc",
        "a percentage for a bloc by a year from 2030",
        ("by 20",),
    ),
    _rule(
        "target",
        r"\btargets?\b|\bCRMA\b|Critical\s+Raw\s+Materials\s+Act|\bbinding\s+benchmark",
        "percent",
        "target, CRMA, binding benchmark + a percentage",
        ("target", "crma", "critical", "binding"),
    ),
    _rule(
        "policy_event",
        r"\bexport\s+(?:controls?|bans?|restrictions?|licen[cs](?:e|es|ing)|curbs?|"
        r"permits?)\b|\brestrict(?:s|ed|ing|ions?)?\b|\bembargo|\bban(?:s|ned|ning)?\b|"
        r"\blicen[cs](?:e|es|ing)\b|\btariffs?\b|\bsanction|\bstockpil|\bentity\s+list\b|"
        r"\bsuspend(?:s|ed|ing)?\b\s+(?:exports|shipments)|\bcontrol\s+list\b",
        "nothing",
        "export control/ban/restriction/licence/curb, restrict, embargo, ban, licence, "
        "tariff, sanction, stockpile, entity list, control list",
        (
            "export",
            "restrict",
            "embargo",
            "ban",
            "licen",
            "tariff",
            "sanction",
            "stockpil",
            "entity",
            "suspend",
            "control",
        ),
    ),
    _rule(
        "policy_event",
        _CONTROL_STATUS.pattern,
        "nothing",
        "controls ... in force/in effect/in place/suspended/lifted/paused, 'October 2025 controls'",
        ("control",),
    ),
    _rule(
        "funding",
        r"\bfund(?:s|ed|ing)?\b|\bgrants?\b|\bloans?\b|\baward(?:s|ed)?\b|"
        r"\binvest(?:s|ed|ing|ment|ments)?\b|\bequity\b|\bstake\b|\bfinanc(?:e|ed|ing)\b|"
        r"\bsubsid|\btax\s+credits?\b|\bDPA\b|\bTitle\s+III\b|\bbacked\b|\bbacking\b",
        "nothing",
        "fund, grant, loan, award, invest(ment), equity, stake, financing, subsidy, "
        "tax credit, DPA / Title III, backed",
        (
            "fund",
            "grant",
            "loan",
            "award",
            "invest",
            "equity",
            "stake",
            "financ",
            "subsid",
            "credit",
            "dpa",
            "title",
            "backed",
            "backing",
        ),
    ),
    _rule("funding", r".", "money+agency", "an amount of money and a named agency"),
    _rule(
        "market_size",
        r"\bmarket\b[^.]{0,40}\b(?:worth|valued|size)\b|\bmarket\s+(?:size|value\s+of)\b",
        "money",
        "market worth/valued/size + an amount of money",
        ("market",),
    ),
    _rule(
        "other",
        r"\bshares?\s+(?:of|in)\s+(?:\S+\s+){0,6}?(?:rose|fell|jumped|surged|climbed|dropped|"
        r"slumped|soared|gained|lost|tumbled|rallied|slid|sank|plunged)\b|\bshare\s+price\b|"
        r"\bstock\s+(?:price|market)\b|\bmarket\s+(?:value|cap(?:itali[sz]ation)?)\b|"
        r"\b(?:stock|shares)\s+(?:rose|fell|jumped|surged|climbed|dropped|rallied|slid)\b",
        "nothing",
        "share price, shares of X rose/fell, stock price, market cap (not checked)",
        ("share", "stock", "market"),
    ),
    _rule(
        "price",
        r"\bpric(?:e|es|ed|ing)\b|\bper\s+(?:kg|kilogram|tonne)\b|/kg\b",
        "nothing",
        "price, priced, per kg, /kg",
        ("pric", "per", "/kg"),
    ),
    _rule("price", r".", "price", "a money-per-mass quantity"),
    _rule(
        "growth",
        r"\b(?:grow|grew|grown|rose|rise[ns]?|rising|increas\w*|climb\w*|jump\w*|fell|fall\w*|"
        r"drop\w*|declin\w*|up|down)\s+(?:by\s+)?(?:about\s+|around\s+|nearly\s+|some\s+)?"
        r"\d[\d.,]*\s*(?:%|per\s?cent)|%\s+(?:a|per)\s+year\b|\bCAGR\b|\bgrowth\s+(?:rate\s+)?of\b|"
        r"\byear-on-year\b|\by/y\b|\bannual\s+growth\b|\bcompound\s+annual\b",
        "percent",
        "grew/rose/fell (by) N%, N% a year, CAGR, growth of, year-on-year",
        (
            "grow",
            "grew",
            "rose",
            "ris",
            "increas",
            "climb",
            "jump",
            "fell",
            "fall",
            "drop",
            "declin",
            "up",
            "down",
            "year",
            "cagr",
            "y/y",
        ),
    ),
    _rule(
        "import_share",
        r"\bimports?\b|\bimported\b|\brelian|\bdependen|\bdepends?\b|"
        r"\b(?:its|their)\s+(?:rare|supply|supplies|magnets|needs|demand|consumption)",
        "percent",
        "imports, reliance, dependence, its/their supply + a percentage",
        ("import", "relian", "dependen", "depend", "its", "their"),
    ),
    _rule(
        "reserves",
        r"\breserves\b|\bore\s+reserves?\b|\bresources?\s+of\b",
        "mass|no percent",
        "reserves, ore reserve, resources of + a tonnage or no percentage",
        ("reserve", "resource"),
    ),
    _rule(
        "share",
        r"\bshare\b|%\s+of\b|\bper\s?cent\s+of\b|\b(?:thirds?|half|quarters?|fifths?)\s+of\b|"
        r"\bout\s+of\s+(?:ten|10|five|5|four|4|three|3)\b|\bcontrol(?:s|led|ling)?\b(?!\s+list)|"
        r"\bdominat|\baccount(?:s|ed|ing)?\s+for\b|\bmonopol|\bmakes?\s+up\b|\bmade\s+up\b",
        "nothing",
        "share, % of, per cent of, half/third/quarter of, N out of ten, control(s), "
        "dominat-, account for, monopoly, make up",
        (
            "share",
            "%",
            "cent",
            "third",
            "half",
            "quarter",
            "fifth",
            "out",
            "control",
            "dominat",
            "account",
            "monopol",
            "make",
            "made",
        ),
    ),
    _rule(
        "share",
        r"\bsuppl(?:y|ies|ied)\b|\brelian|\bdependen|\bdepends?\b|\bimport(?:s|ed)?\b|"
        r"\bsourc(?:e|es|ed)\b",
        "percent",
        "supply, reliance, depend, import, source + a percentage",
        ("suppl", "relian", "depend", "import", "sourc"),
    ),
    _rule(
        "facility_status",
        r"\bopen(?:s|ed)\b|\b(?:to|will)\s+open\b|\bcommission(?:s|ed|ing)?\b|"
        r"\b(?:began|begun|begin|begins|start(?:s|ed)?)\s+(?:commercial\s+)?(?:production"
        r"|producing|operations?|operating|output|construction)\b|\bcame\s+online\b|"
        r"\bcome\s+online\b|\bonline\b|\bunder\s+construction\b|\bbroke\s+ground\b|"
        r"\bdelay(?:s|ed)?\b|\bpostpone|\bcancel(?:l)?ed\b|\bscrapped\b|\bshelved\b|"
        r"\bsuspended\b|\bhalted\b|\bshut\b|\bclosed\b|\bclosure\b|\bmothball|"
        r"\brestart(?:s|ed)?\b|\boperational\b|\bramp(?:s|ed|ing)?\s+up\b|"
        r"\bfirst\s+(?:production|output|shipment)\b|\bcare\s+and\s+maintenance\b|\bidled?\b",
        "facility|company",
        "opened, commissioned, began/started production or operations, came online, under "
        "construction, broke ground, delayed, postponed, cancelled, scrapped, shelved, "
        "suspended, halted, shut, closed, mothballed, restarted, operational, ramp up, "
        "first production, care and maintenance, idle + a named facility or company",
        (
            "open",
            "commission",
            "began",
            "begun",
            "begin",
            "start",
            "online",
            "construction",
            "broke",
            "delay",
            "postpone",
            "cancel",
            "scrapped",
            "shelved",
            "suspended",
            "halted",
            "shut",
            "closed",
            "closure",
            "mothball",
            "restart",
            "operational",
            "ramp",
            "first",
            "care",
            "idle",
        ),
    ),
    _rule(
        "capacity",
        r"\bcapacit(?:y|ies)\b|\bnameplate\b|\b(?:tonnes?|tons?|t)\s+(?:per|a)\s+(?:year|annum)"
        r"\b|\btpa\b|\bt/yr\b|\bper\s+annum\b",
        "nothing",
        "capacity, nameplate, tonnes per year, tpa, t/yr, per annum",
        ("capacit", "nameplate", "year", "annum", "tpa", "t/yr"),
    ),
    _rule(
        "production",
        r"\bproduc(?:e|es|ed|ing|tion|er|ers)\b|\boutput\b|\bmined\b|\bextract(?:s|ed|ion)?\b"
        r"|\brefined\b|\bprocessed\b|\bseparated\b",
        "nothing",
        "produce, production, producer, output, mined, extracted, refined, processed",
        ("produc", "output", "mined", "extract", "refined", "processed", "separated"),
    ),
    _rule(
        "demand",
        r"\bdemand\b|\bconsum(?:e|es|ed|ption|ing)\b",
        "nothing",
        "demand, consumption, consume",
        ("demand", "consum"),
    ),
    _rule(
        "element_count",
        r"\b(?:\d+|" + _WORD_NUM + r")\s+(?:[\w-]+\s+){0,3}?(?:rare[- ]earths?|elements|REEs"
        r"|metals|minerals)\b" + NOT_A_MODIFIER,
        "element count",
        "N elements, N rare earths, N REEs, N metals (with a count quantity)",
        ("earth", "element", "ree", "metal", "mineral"),
    ),
    _rule("share", r".", "percent", "any other percentage"),
)
