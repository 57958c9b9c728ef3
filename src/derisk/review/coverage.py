"""Coverage: the topics a serious piece on rare-earth de-risking should address.

The checklist is :data:`TOPICS`, twelve topics. A topic counts as *addressed* when the
article contains at least ``min_hits`` distinct keyword phrases of that topic. Matching
is word-boundary aware and case-insensitive (``KEYWORDS``), except for the few symbols
that are also ordinary words or letters, which must be written as shown (``SYMBOLS``:
``Dy``, ``Tb``, ``EV``/``EVs``, ``EU``/``US``/``U.S.``/``UK`` before a capacity noun,
and "less/lower/reduced Dy or Nd content/use"). Distinct means distinct after
lower-casing and collapsing hyphens and spaces, so "ramp-up" and "ramp up" are one hit.
:func:`addressed` refines the count to tell a discussion from a passing mention (a
phrase that recurs in two sentences counts for a two-phrase topic; one sentence naming
the heavy rare earths, or "demand" used only as the base of a share, does not count).

Keywords by topic (regular-expression fragments; ``(?:a|b)`` means either):

- ``allied_capacity`` (1 hit): named producers and projects outside China, counted only
  when a capacity word (capacity, production, output, mine, plant, refinery, separation,
  processing, tonnes, supply, project ...) follows in the same sentence, because naming a
  company ("an equity investment in MP Materials") is not discussing capacity (Lynas,
  MP Materials, Mountain Pass, Iluka, Eneabba, Arafura, Nolans, Solvay, La Rochelle,
  Neo Performance, Silmet, Carester/Caremag, Energy Fuels, White Mesa, Ucore,
  USA Rare Earth, Vulcan Elements, Noveon, e-VAC, VACUUMSCHMELZE, Serra Verde,
  Pensana, Longonjo, Rainbow Rare Earths, Phalaborwa, Aclara, LKAB, REEtec, Mkango,
  HyProMag, Less Common Metals, Shin-Etsu, Mt/Mount Weld, Kalgoorlie, Gebeng,
  Australian Strategic Materials, Hastings, Torngat, Saskatchewan Research Council);
  the phrases "outside China", "ex-China", "non-Chinese", "allied supply/capacity/
  producers/countries/nations/partners", "friend-shoring", "Western supply/
  producers/capacity/mines/refineries"; and an allied country or adjective (Australia,
  Canada, Japan, Malaysia, Vietnam, Brazil, Estonia, France, Europe, EU, US, United
  States, American, Korea, India, Saudi, Greenland ...) followed within three words by
  mine, mining, refinery, plant, project, producer, production, capacity, separation,
  processing, facility or supply.
- ``midstream`` (2): separation/separated/separates/separating, "to/will/can ...
  separate" (the verb, not the adjective "a separate issue"), refining/refinery/refiner/
  refined, processing/processor, midstream, solvent extraction, metallisation,
  metal-making, metal or alloy production/plant, oxide to metal, magnet
  manufacturing/making/production/makers/plants/factories.
- ``heavy_vs_light`` (1): heavy rare earth(s), heavies, HREE, LREE, light rare
  earth(s), medium/heavy, dysprosium, terbium, Dy, Tb, yttrium, ionic clay(s),
  ion-adsorption.
- ``recycling`` (1): recycle/recycled/recycling/recyclers/recyclability, urban mining,
  end-of-life, secondary supply/sources/feedstock/production, circular(ity/economy),
  scrap, swarf, magnet recovery/reuse, e-waste, remanufacturing.
- ``substitution`` (1): substitute/substitution, rare-earth-free, REE-free,
  magnet-free, induction motor, externally/electrically excited, EESM, iron nitride,
  ferrite (magnets), thrifting, grain boundary diffusion, reduce(d)/less/lower
  rare earth/dysprosium/terbium/Dy/Nd content/use/usage/intensity/loading,
  alternative(s) to rare earths/magnets/neodymium/NdFeB, less dysprosium/terbium/heavy
  rare earths, without/free of/zero rare earths/dysprosium/terbium/(permanent) magnets.
- ``stockpiles`` (1): stockpile/stockpiled/stockpiling, strategic reserve(s)/stock(s)/
  inventory, Project Vault, buffer stock(s), emergency reserve(s). Geological
  "reserves" do not count.
- ``financing`` (2): finance/financing/financier, fund/funding/funded, loan(s),
  grant(s), equity, investment(s)/invested, capex, capital expenditure/cost(s),
  raise(d) capital/funds/money/equity/debt, debt, subsidy/subsidies/subsidise,
  tax credit(s), DPA Title III, Office of Strategic Capital, EXIM, DFC, OSC, LPO,
  Loan Programs Office, Export-Import Bank, final investment decision.
- ``permitting_esg`` (1): permit/permits/permitting, environmental(ly), ESG,
  radioactive/radioactivity, thorium, tailings (not "Phoenix Tailings"), wastewater,
  pollution/polluted/pollutants, toxic, social licence, community opposition/
  consultation/concern(s), impact assessment(s), regulatory/environmental/government
  approval(s), indigenous, land rights.
- ``timelines`` (1): timeline(s), timetable(s), behind/ahead of/on (the/its) schedule,
  run(ning)/ran late or behind,
  delay(s)/delayed/delaying, slip/slipped/slippage, lead time(s), ramp-up, ramping up,
  commissioning/commissioned, come/came online or on stream, take(s)/took ... years or
  decade(s), years to build/develop/permit/bring, deadline(s), milestone(s); and talk of a
  horizon or dates ahead: horizon(s), time frame(s), a ten-year (etc.) plan/window/outlook,
  "by 2030", "by the end of the decade", "within a decade", "over the next five years",
  scheduled/targeted/expected/slated for ...
- ``china_policy`` (1): export control(s), export ban(s)/restriction(s)/licence(s)/
  licensing/quota(s), quota(s), MOFCOM, Ministry of Commerce, embargo(es), licensing
  regime/requirement(s)/system, dual-use, technology (export) ban(s), Announcement No.
  N, Rare Earth Management Regulations, weaponise/weaponize, Beijing's/China's
  ... policy/policies/control(s)/curbs/restrictions/leverage/retaliation.
- ``demand`` (2): demand, consumption, electric vehicle(s), EV(s), wind turbine(s)/
  power/energy/farm(s), end use(s), (humanoid) robot(s)/robotics, drone(s), defence/
  military applications/demand/use(s), hard disk drive(s).
- ``prices`` (1): price(s)/priced/pricing (not a "share price" or "stock price", nor
  a market "pricing in" an outcome), price floor(s), per kilogram/kg/tonne/ton,
  volatile/volatility, spot market/price(s).

For each omitted topic, :class:`CoverageFacts` says why it matters with figures read
from the store at run time (nothing is typed in): which rows it reads is documented on
each ``_why_*`` method. Every figure in a ``why`` sentence appears verbatim in the
``value`` of one of its :class:`~derisk.review.evidence.Evidence` items. Where a figure
is computed here (a count, a sum, a median) the Evidence is an *aggregate*: its key
states the filter, its value the result, its ``source_id`` lists the ids of every row
that entered it (joined by ``;``), and its note says that derisk computed it. When the
store has no row for a topic, ``why`` says so (:data:`NO_FIGURE`) and the evidence is
empty.

Facts are built once per store (``CoverageFacts.for_store`` caches them; the cache is
invalidated when the store file changes), so ``coverage()`` on an article is only the
keyword search: :class:`KeywordMatcher` scans the text once for words that can begin a
keyword and tries each topic's precompiled pattern only there (about 1 ms for 1,000
words), with the same hits as the documented ``Topic.pattern`` (:func:`find_hits`).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from derisk.data.schema import spec
from derisk.review.evidence import Evidence, SourceIndex

try:  # CPython's pattern parser, used only to find the words a keyword can start on
    from re import _constants as _const
    from re import _parser
except ImportError:  # pragma: no cover - another Python: every topic falls back to a full scan
    _const = _parser = None  # type: ignore[assignment]

#: The wording used when the store holds no row for a topic.
NO_FIGURE = "the dataset has no figure for it"
#: Note carried by every aggregate Evidence (a figure derisk computed from several rows).
AGGREGATE_NOTE = (
    "computed by derisk review from the rows listed in source_id; not printed by any one source"
)
#: Example rows quoted alongside an aggregate.
MAX_EXAMPLES = 2
#: Funders summed for the financing topic: DoD first, then the other US lenders if present.
#: Rows whose funder is written "DoW" (Department of War, DoD's secondary name since
#: September 2025) are the same department and are summed with it.
DOD_FUNDER = re.compile(r"\bDo[DW]\b")
OTHER_FUNDERS: tuple[tuple[str, re.Pattern], ...] = (
    ("DOE", re.compile(r"\bDOE\b")),
    ("EXIM", re.compile(r"\bEXIM\b")),
    ("DFC", re.compile(r"\bDFC\b")),
)
#: Funding rows that restate other rows (e.g. "US DoD (aggregate)") are not summed again.
AGGREGATE_ROW = re.compile(r"aggregate", re.IGNORECASE)
#: Instruments that are commitments rather than disbursements.
CONDITIONAL = re.compile(r"conditional|letters? of interest|\bLOI\b|non-binding", re.IGNORECASE)
PERMIT_TEXT = re.compile(r"\bpermit|\benvironment", re.IGNORECASE)
STOCKPILE_TEXT = re.compile(r"stockpil", re.IGNORECASE)
DEMAND_GROUP = "magnet REEs (Nd+Pr+Dy+Tb) - total demand"


# --------------------------------------------------------------------------- topics
@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    pattern: re.Pattern
    min_hits: int = 1


@dataclass(frozen=True)
class TopicResult:
    topic: str
    label: str
    covered: bool
    hits: tuple[str, ...]
    why: str | None
    evidence: tuple[Evidence, ...]
    #: False when the article has no reason to cover the topic (review.scope): it is
    #: then never listed under What's Missing.
    in_scope: bool = True


_ALLIED_PLACES = (
    r"australia|australian|canada|canadian|japan|japanese|malaysia|malaysian|vietnam|"
    r"vietnamese|brazil|brazilian|estonia|estonian|france|french|europe|european|"
    r"united states|american|korea|korean|india|indian|saudi|greenland|norway|"
    r"norwegian|sweden|swedish|united kingdom|british|africa|african|angola|allied"
)
_CAPACITY_NOUNS = (
    r"mines?|mining|refiner(?:y|ies)|plants?|projects?|producers?|production|capacity|"
    r"separation|processing|facilit(?:y|ies)|supply|supplies"
)
_THEN_CAPACITY = rf"(?:'s)?(?:[\s-]+[\w-]+){{0,3}}?[\s-]+(?:{_CAPACITY_NOUNS})"

#: Producers and projects outside China. Naming one is not discussing allied capacity
#: ("a $400 million investment in MP Materials"): a name counts only with a capacity word
#: after it in the same sentence ("Lynas's Kalgoorlie plant", "MP Materials produced
#: 45,000 t").
_ALLIED_NAMES = "|".join(
    (
        r"lynas",
        r"mp materials",
        r"mountain pass",
        r"iluka",
        r"eneabba",
        r"arafura",
        r"nolans",
        r"solvay",
        r"la rochelle",
        r"neo performance(?: materials)?",
        r"silmet",
        r"carester",
        r"caremag",
        r"energy fuels",
        r"white mesa",
        r"ucore",
        r"usa rare earth",
        r"vulcan elements",
        r"noveon",
        r"e-vac",
        r"vacuumschmelze",
        r"serra verde",
        r"pensana",
        r"longonjo",
        r"rainbow rare earths",
        r"phalaborwa",
        r"aclara",
        r"lkab",
        r"reetec",
        r"mkango",
        r"hypromag",
        r"less common metals",
        r"shin-etsu",
        r"mt\.?\s+weld",
        r"mount weld",
        r"kalgoorlie",
        r"gebeng",
        r"australian strategic materials",
        r"hastings technology metals",
        r"torngat",
        r"saskatchewan research council",
    )
)
_NAME_CAPACITY = (
    r"capacity|production|produc(?:e|es|ed|ing|ers?)|output|mines?|mining|refiner(?:y|ies)|"
    r"plants?|facilit(?:y|ies)|separation|processing|tonnes|tons|tpa|expan\w+|ramp\w*|"
    r"supply|supplies|projects?"
)

#: Case-insensitive keyword fragments, written in lower case.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "allied_capacity": (
        # the name only, when a capacity word follows in the same sentence (a look-ahead,
        # so the hit is the name and never overlaps another keyword)
        rf"(?:{_ALLIED_NAMES})(?=[^.!?\n]{{0,80}}?\b(?:{_NAME_CAPACITY})\b)",
        r"outside (?:of )?china",
        r"ex-china",
        r"non-chinese",
        r"non-china",
        r"allied (?:supply|capacity|producers?|countries|nations|partners)",
        r"friend-?shoring",
        r"western (?:supply|producers?|capacity|supply chains?|mines?|refiner(?:y|ies))",
        rf"(?:{_ALLIED_PLACES}){_THEN_CAPACITY}",
    ),
    "midstream": (
        # the verb too ("the bloc separates little", "the plant will separate 2,400 t"),
        # but not the adjective ("a separate issue"): "separate" only after a modal or "to"
        r"separat(?:ion|ions|ed|es|ing)",
        r"(?:to|will|would|can|could|must|should) separate",
        r"refin(?:ing|ery|eries|er|ers|ed)",
        r"process(?:ing|ors?)",
        r"midstream",
        r"solvent extraction",
        r"metalli[sz]ation",
        r"metal-making",
        r"(?:metal|alloy) (?:production|plants?|making)",
        r"oxides? (?:to|into) metals?",
        r"magnet (?:manufactur\w*|making|production|makers?|plants?|factor(?:y|ies))",
    ),
    "heavy_vs_light": (
        r"heavy rare[- ]earths?(?: elements?)?",
        r"heavies",
        r"hrees?",
        r"lrees?",
        r"light rare[- ]earths?(?: elements?)?",
        r"medium(?:/| and |-)heavy",
        r"dysprosium",
        r"terbium",
        r"yttrium",
        r"ionic clays?",
        r"ion-adsorption",
    ),
    "recycling": (
        r"recycl(?:e|es|ed|ing|ers?|ability)",
        r"urban mining",
        r"end-of-life",
        r"end of life",
        r"secondary (?:supply|sources?|feedstock|production)",
        r"circular(?:ity| economy)?",
        r"scrap",
        r"swarf",
        r"magnet (?:recovery|reuse)",
        r"e-waste",
        r"remanufactur\w*",
    ),
    "substitution": (
        r"substitut(?:e|es|ed|ion|ions|ing)",
        r"rare[- ]earth[- ]free",
        r"ree-free",
        r"magnet-free",
        r"induction motors?",
        r"(?:externally|electrically)[- ]excited",
        r"eesm",
        r"iron[- ]nitride",
        r"ferrite(?: magnets?)?",
        r"thrifting",
        r"grain[- ]boundary diffusion",
        r"(?:reduce|reduced|reducing|less|lower) (?:rare[- ]earth|dysprosium|terbium|"
        r"heavy rare[- ]earth) (?:content|use|usage|intensity|loading)",
        r"less (?:dysprosium|terbium|heavy rare[- ]earths?)",
        r"(?:without|free of|zero) (?:rare[- ]earths?|dysprosium|terbium|heavy rare[- ]earths?|"
        r"permanent magnets?|magnets)",
        r"alternatives? to (?:rare[- ]earths?|magnets|neodymium|ndfeb)",
    ),
    "stockpiles": (
        r"stockpil(?:e|es|ed|ing)",
        r"strategic (?:reserves?|stocks?|inventor(?:y|ies))",
        r"project vault",
        r"buffer stocks?",
        r"emergency reserves?",
    ),
    "financing": (
        r"financ(?:e|es|ed|ing|ier|iers)",
        r"fund(?:ing|ed)?",
        r"loans?",
        r"grants?",
        r"equity",
        r"investments?",
        r"invested",
        r"capex",
        r"capital (?:expenditure|costs?)",
        r"rais(?:e|ed|es|ing) (?:capital|funds|money|equity|debt)",
        r"debt",
        r"subsid(?:y|ies|ise|ize|ised|ized)",
        r"tax credits?",
        r"dpa title iii",
        r"office of strategic capital",
        r"exim",
        r"dfc",
        r"osc",
        r"lpo",
        r"loan programs office",
        r"export-import bank",
        r"final investment decision",
    ),
    "permitting_esg": (
        r"permit(?:s|ting)?",
        r"environmental(?:ly)?",
        r"esg",
        r"radioactiv(?:e|ity)",
        r"thorium",
        r"(?<!phoenix )tailings",
        r"wastewater",
        r"pollut(?:ion|ed|ing|ants?)",
        r"toxic",
        r"social licen[cs]e",
        r"community (?:opposition|consultation|concerns?)",
        r"impact assessments?",
        r"(?:regulatory|environmental|government) approvals?",
        r"indigenous",
        r"land rights",
    ),
    "timelines": (
        r"timelines?",
        r"timetables?",
        r"(?:behind|ahead of|on) (?:the |its |their )?schedule",
        r"(?:run|runs|running|ran) (?:late|behind)",
        r"delay(?:s|ed|ing)?",
        r"slip(?:s|ped|page|ping)?",
        r"lead[- ]times?",
        r"ramp[- ]?up",
        r"ramping up",
        r"commission(?:ing|ed)",
        r"(?:come|comes|came|coming) (?:online|on[- ]stream|on line)",
        r"(?:take|takes|took|taking) (?:\w+ ){0,2}(?:years|decades?)",
        r"years to (?:build|develop|permit|bring)",
        r"deadlines?",
        r"milestones?",
        # talking about a horizon or dates ahead is discussing timelines
        r"horizons?",
        r"time[- ]?frames?",
        r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|"
        r"multi)[- ]years? (?:plan|programme|program|window|outlook|timeframe)",
        r"by (?:the )?(?:mid-|early |late |end[- ](?:of )?)?(?:20\d\d|the end of the decade)",
        r"within (?:a|the next|\w+) (?:years?|decades?)",
        r"over the (?:next|coming) (?:\w+ )?(?:years?|decades?)",
        r"(?:scheduled|targeted|expected|slated) (?:for|in|to (?:start|begin|open)) \w+",
    ),
    "china_policy": (
        r"export controls?",
        r"export (?:bans?|restrictions?|licen[cs](?:e|es|ing)|quotas?)",
        r"quotas?",
        r"mofcom",
        r"ministry of commerce",
        r"embargo(?:es|ed)?",
        r"licensing (?:regime|requirements?|system)",
        r"dual-use",
        r"(?:technology|tech) (?:export )?bans?",
        r"announcement no\.? ?\d+",
        r"rare earth management regulations",
        r"weaponi[sz](?:e|es|ed|ing|ation)",
        r"(?:beijing|china)(?:'s)? (?:\w+ ){0,2}(?:policy|policies|controls?|curbs|"
        r"restrictions|leverage|retaliation)",
    ),
    "demand": (
        r"demand",
        r"consumption",
        r"electric vehicles?",
        r"wind (?:turbines?|power|energy|farms?)",
        r"end[- ]uses?",
        r"(?:humanoid )?robot(?:s|ics)?",
        r"drones?",
        r"(?:defen[cs]e|military) (?:applications|demand|uses?)",
        r"hard disk drives?",
    ),
    "prices": (
        # a company's share or stock price is not a rare-earth price, nor is a market
        # "pricing in" an outcome
        r"(?<!share )(?<!stock )(?<!share-)(?:pric(?:e|es|ed)|pricing(?! in\b))",
        r"price floors?",
        r"per (?:kilogram|kg|tonne|ton)",
        r"volatil(?:e|ity)",
        r"spot (?:market|prices?)",
    ),
}
#: Case-sensitive fragments (symbols and short acronyms that are also ordinary words).
SYMBOLS: dict[str, tuple[str, ...]] = {
    "allied_capacity": (rf"(?:EU|U\.S\.|US|UK)(?i:{_THEN_CAPACITY})",),
    "heavy_vs_light": (r"Dy", r"Tb"),
    "substitution": (
        r"(?i:reduce|reduced|reducing|less|lower) (?:Dy|Nd) "
        r"(?i:content|use|usage|intensity|loading)",
    ),
    "demand": (r"EVs?",),
}


def _compile(key: str) -> re.Pattern:
    """The documented pattern: keywords case-insensitive, symbols case-sensitive."""
    parts = list(KEYWORDS[key]) + [f"(?-i:{s})" for s in SYMBOLS.get(key, ())]
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


TOPICS: tuple[Topic, ...] = (
    Topic(
        "allied_capacity",
        "Allied capacity (Australia, Canada, EU, Japan, Malaysia, US ...)",
        _compile("allied_capacity"),
    ),
    Topic(
        "midstream",
        "Midstream: separation, refining, metal and magnet making",
        _compile("midstream"),
        # One passing "mining and refining" does not address the midstream: two distinct
        # midstream words are needed (calibrated on shared/review_examples, usnews).
        min_hits=2,
    ),
    Topic(
        "heavy_vs_light",
        "Heavy vs light rare earths (Dy, Tb vs Nd, Pr)",
        _compile("heavy_vs_light"),
    ),
    Topic("recycling", "Recycling and secondary supply", _compile("recycling")),
    Topic(
        "substitution",
        "Substitution and thrifting (rare-earth-free motors, less Dy/Tb)",
        _compile("substitution"),
    ),
    Topic("stockpiles", "Stockpiles and strategic reserves", _compile("stockpiles")),
    Topic(
        "financing",
        "Financing (public and private money, its terms)",
        _compile("financing"),
        min_hits=2,
    ),
    Topic("permitting_esg", "Permitting and environmental (ESG) risk", _compile("permitting_esg")),
    Topic("timelines", "Project timelines and delays", _compile("timelines")),
    Topic(
        "china_policy",
        "China's policy levers (export controls, quotas)",
        _compile("china_policy"),
    ),
    Topic("demand", "Demand outlook (EVs, wind, magnets)", _compile("demand"), min_hits=2),
    Topic("prices", "Prices and price volatility", _compile("prices")),
)
TOPIC_KEYS: tuple[str, ...] = tuple(t.key for t in TOPICS)
_NORMALISE = re.compile(r"[\s\-]+")


def _phrase(matched: str) -> str:
    return _NORMALISE.sub(" ", matched.lower()).strip()


def find_hits(topic: Topic, text: str) -> tuple[str, ...]:
    """The distinct phrases of ``topic.pattern`` in ``text`` (lower-cased, hyphens and
    runs of spaces as one space), in order of first use. This is the reference matcher;
    :func:`coverage` uses :data:`MATCHER`, which finds the same phrases faster."""
    seen: dict[str, None] = {}
    for match in topic.pattern.finditer(text):
        seen.setdefault(_phrase(match.group(0)), None)
    return tuple(seen)


# ------------------------------------------------------------------ fast matching
_HEAD = 3  # a word's key: its first three characters (or the whole word if shorter)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _extend(states: set[tuple[str, bool]], chars: Iterable[str]) -> set[tuple[str, bool]]:
    out = set()
    for prefix, _ in states:
        for ch in chars:
            if _is_word(ch):
                grown = prefix + ch
                out.add((grown, len(grown) >= _HEAD))
            else:
                out.add((prefix, True))  # the first word ended
    return out


def _in_chars(items: list) -> list[str] | None:
    chars: list[str] = []
    for op, av in items:
        if op is _const.LITERAL:
            chars.append(chr(av))
        elif op is _const.RANGE and av[1] - av[0] <= 40:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        elif op is _const.CATEGORY and av is _const.CATEGORY_SPACE:
            chars.append(" ")
        else:
            return None
    return chars


def _walk(ops: list, states: set[tuple[str, bool]]) -> set[tuple[str, bool]] | None:
    """Possible (first-word prefix, complete) pairs after matching ``ops``; None if the
    parsed pattern uses something this walk does not model."""
    for op, av in ops:
        done = {s for s in states if s[1]}
        open_ = states - done
        if not open_:
            return states
        if op is _const.LITERAL:
            new = _extend(open_, chr(av))
        elif op is _const.IN:
            chars = _in_chars(av)
            if chars is None:
                return None
            new = _extend(open_, chars)
        elif op is _const.BRANCH:
            new = set()
            for alternative in av[1]:
                found = _walk(list(alternative), open_)
                if found is None:
                    return None
                new |= found
        elif op is _const.SUBPATTERN:
            found = _walk(list(av[-1]), open_)
            if found is None:
                return None
            new = found
        elif op in (_const.MAX_REPEAT, _const.MIN_REPEAT):
            low, high, sub = av
            new, current = set(), open_
            for times in range(_HEAD + 1):
                if times >= low:
                    new |= current
                if times == high:
                    break
                stepped = _walk(list(sub), current)
                if stepped is None:
                    return None
                current = stepped
            else:
                new |= current
        elif op in (_const.AT, _const.ASSERT, _const.ASSERT_NOT):
            new = open_
        else:
            return None
        states = done | new
    return states


def _heads(fragment: str) -> set[str] | None:
    """The lower-cased keys of the words a match of ``fragment`` can start on."""
    if _parser is None:
        return None
    try:
        parsed = _parser.parse(fragment, 0)
    except (re.error, ValueError, TypeError):
        return None
    states = _walk(list(parsed), {("", False)})
    if states is None:
        return None
    heads = {prefix.lower() for prefix, _ in states}
    return None if "" in heads else heads


def _trie(heads: list[str]) -> str:
    """One regex for a set of word keys, as a trie (one character test per level). A key
    shorter than three characters is a whole word, so it must end at a word boundary."""
    tree: dict = {}
    for head in heads:
        node = tree
        for ch in head:
            node = node.setdefault(ch, {})
        node[""] = len(head) < _HEAD

    def emit(node: dict) -> str:
        options = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            options.append(r"\b" if node[""] else "")
        if len(options) == 1:
            return options[0]
        return "(?:" + "|".join(options) + ")"

    return emit(tree)


class KeywordMatcher:
    """All topics' keywords found with one scan of the article.

    A scan of the lower-cased text finds every word whose key (its first three
    characters) can begin some keyword; each topic's pattern is then tried only at
    those words. Keywords (``KEYWORDS``) are matched on the lower-cased text without
    IGNORECASE, symbols (``SYMBOLS``) on the original text. Matches are taken left to
    right without overlap, exactly as ``finditer`` takes them, so the hits equal
    :func:`find_hits` with the documented ``Topic.pattern`` (tests check this). A
    fragment whose first word cannot be worked out falls back to a full scan.
    """

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        self.patterns: dict[tuple[str, str], re.Pattern] = {}
        self.dispatch: dict[str, list[tuple[str, str]]] = {}
        self.ungated: list[tuple[str, str]] = []
        for topic in topics:
            for kind, fragments in (
                ("words", KEYWORDS.get(topic.key, ())),
                ("symbols", SYMBOLS.get(topic.key, ())),
            ):
                if not fragments:
                    continue
                target = (topic.key, kind)
                self.patterns[target] = re.compile(r"\b(?:" + "|".join(fragments) + r")\b")
                heads: set[str] | None = set()
                for fragment in fragments:
                    found = _heads(fragment)
                    if found is None:
                        heads = None
                        break
                    heads |= found
                if heads is None:
                    self.ungated.append(target)
                    continue
                for head in heads:
                    self.dispatch.setdefault(head, []).append(target)
        self.gate = re.compile(r"\b" + _trie(sorted(self.dispatch))) if self.dispatch else None
        self.topics = tuple(t.key for t in topics)

    def find(self, text: str) -> dict[str, tuple[str, ...]]:
        """Topic key -> distinct phrases, in order of first use."""
        lower = text.lower()
        found: dict[str, list[tuple[int, str]]] = {key: [] for key in self.topics}
        if len(lower) != len(text):  # a case change altered offsets: scan in full
            for (key, kind), pattern in self.patterns.items():
                source = lower if kind == "words" else text
                found[key] += [(m.start(), m.group(0)) for m in pattern.finditer(source)]
        else:
            candidates: dict[tuple[str, str], list[int]] = {}
            for m in self.gate.finditer(lower) if self.gate is not None else ():
                for target in self.dispatch[m.group(0)]:
                    candidates.setdefault(target, []).append(m.start())
            for target, positions in candidates.items():
                pattern = self.patterns[target]
                source = lower if target[1] == "words" else text
                end = -1
                for pos in positions:
                    if pos < end:
                        continue
                    m = pattern.match(source, pos)
                    if m:
                        found[target[0]].append((pos, m.group(0)))
                        end = max(m.end(), pos + 1)
            for key, kind in self.ungated:
                source = lower if kind == "words" else text
                found[key] += [
                    (m.start(), m.group(0)) for m in self.patterns[(key, kind)].finditer(source)
                ]
        hits = {}
        for key, matches in found.items():
            seen: dict[str, None] = {}
            for _, phrase in sorted(matches):
                seen.setdefault(_phrase(phrase), None)
            hits[key] = tuple(seen)
        return hits


MATCHER = KeywordMatcher(TOPICS)


# ------------------------------------------------------------ passing mentions
#: Topics that one sentence naming them does not address: naming the heavy rare earths
#: once ("controls on seven medium and heavy rare earths") is not weighing how the heavy
#: and light elements differ. They need two distinct phrases or two sentences.
ONE_SENTENCE_IS_PASSING = frozenset({"heavy_vs_light"})
#: Topic -> its generic words. A topic whose hits are all generic words is addressed only
#: when one of their sentences speaks of a trend (:data:`OUTLOOK`): "10% of annual EU
#: consumption" or "20% of its demand met through recycling" uses demand as the base of
#: a share; "demand will double" or "demand from EV makers" discusses it.
GENERIC_HITS: dict[str, frozenset[str]] = {"demand": frozenset({"demand", "consumption"})}
OUTLOOK = re.compile(
    r"\b(?:grow\w*|rise|rises|rising|rose|surg\w+|soar\w*|doubl\w+|tripl\w+|forecast\w*|"
    r"outlook|expect\w*|project(?:ed|ions?)|boom\w*|increas\w+|climb\w*|jump\w*|fall|falls|"
    r"fell|falling|declin\w+|slump\w*|strong\w*|weak\w*|outstrip\w*|outpac\w+)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


def _sentences_with(topic: Topic, text: str) -> list[str]:
    """The sentences (split at . ! ? and blank lines) with a keyword of ``topic``."""
    return [s for s in _SENTENCE_END.split(text) if topic.pattern.search(s)]


def addressed(topic: Topic, hits: tuple[str, ...], text: str) -> bool:
    """Whether the article addresses ``topic``, given its distinct keyword ``hits``.

    The keyword rule (``min_hits`` distinct phrases), with three refinements, each about
    telling a discussion from a passing mention:

    - a topic that needs two phrases is also addressed when one phrase recurs in two
      sentences: an article that comes back to "processing" discusses processing;
    - a topic in :data:`ONE_SENTENCE_IS_PASSING` named by one phrase in one sentence is
      not addressed;
    - a topic whose only hits are its :data:`GENERIC_HITS` is addressed only when one of
      their sentences speaks of a trend (:data:`OUTLOOK`).
    """
    if not hits:
        return False
    sentences: list[str] | None = None
    if len(hits) >= topic.min_hits:
        covered = True
    else:
        sentences = _sentences_with(topic, text)
        covered = topic.min_hits > 1 and len(sentences) >= 2
    if covered and topic.key in ONE_SENTENCE_IS_PASSING and len(hits) == 1:
        sentences = sentences if sentences is not None else _sentences_with(topic, text)
        covered = len(sentences) >= 2
    generic = GENERIC_HITS.get(topic.key)
    if covered and generic is not None and set(hits) <= generic:
        sentences = sentences if sentences is not None else _sentences_with(topic, text)
        covered = any(OUTLOOK.search(s) for s in sentences)
    return covered


def coverage(text: str, store: object, facts: CoverageFacts | None = None) -> list[TopicResult]:
    """One result per topic in :data:`TOPICS` order; omitted topics carry ``why`` and evidence.

    A topic is covered when the article addresses it (:func:`addressed`)."""
    if facts is None:
        facts = CoverageFacts.for_store(store)
    found = MATCHER.find(text or "")
    results = []
    for topic in TOPICS:
        hits = found[topic.key]
        covered = addressed(topic, hits, text or "")
        if covered:
            why, evidence = None, ()
        else:
            why, evidence = facts.why(topic.key)
        results.append(TopicResult(topic.key, topic.label, covered, hits, why, evidence))
    return results


# --------------------------------------------------------------------------- helpers
def _present(value: object) -> bool:
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def _text(value: object) -> str:
    return str(value).strip() if _present(value) else ""


def _int(value: object) -> int | None:
    if not _present(value):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _number(value: float) -> str:
    """A number as stored: no trailing '.0', thousands separators for large sums."""
    if float(value).is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:,}" if abs(value) >= 10_000 else f"{value:g}"


def _figure(row: object) -> str:
    """``value_text`` (as printed) with its unit; falls back to ``value``."""
    text = _text(getattr(row, "value_text", None))
    if not text or text == "NA":
        value = getattr(row, "value", None)
        text = _number(float(value)) if _present(value) else text  # type: ignore[arg-type]
    unit = _text(getattr(row, "unit", None))
    return f"{text} {unit}".strip() if unit and unit != "text" else text


def _pct(row: object) -> str:
    """The figure for the why sentence: '87 %' for a percent row, else value and unit."""
    if _text(getattr(row, "unit", None)) == "percent":
        return f"{_text(row.value_text)} %"  # type: ignore[attr-defined]
    return _figure(row)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _key(table: str, row: object) -> str:
    parts = []
    for column in spec(table).key:
        value = getattr(row, column, None)
        if _present(value):
            parts.append(f"{column}={value}")
    return ", ".join(parts)


def _join_ids(ids: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for cell in ids:
        for part in str(cell).split(";"):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return ";".join(seen)


def _sentence_with(pattern: re.Pattern, text: str) -> str:
    """The clause of ``text`` (split at ';' and sentence ends) that matches ``pattern``."""
    for clause in re.split(r";\s*|(?<=\.)\s+", text):
        if pattern.search(clause):
            return clause.strip().rstrip(".")
    return text.strip().rstrip(".")


def _no_figure(topic_key: str, searched: str) -> tuple[str, tuple[Evidence, ...]]:
    label = next(t.label for t in TOPICS if t.key == topic_key)
    return (f"{label} matters to any de-risking case, but {NO_FIGURE} ({searched}).", ())


Why = tuple[str, tuple[Evidence, ...]]


# --------------------------------------------------------------------------- facts
class CoverageFacts:
    """The dataset facts behind each topic's ``why``, computed once per store."""

    _cache: dict[object, CoverageFacts] = {}

    def __init__(self, store: object) -> None:
        self._store = store
        self._sources = SourceIndex(store)
        self._tables: dict[str, pd.DataFrame] = {}
        builders: dict[str, Callable[[], Why]] = {
            "allied_capacity": self._why_allied_capacity,
            "midstream": self._why_midstream,
            "heavy_vs_light": self._why_heavy_vs_light,
            "recycling": self._why_recycling,
            "substitution": self._why_substitution,
            "stockpiles": self._why_stockpiles,
            "financing": self._why_financing,
            "permitting_esg": self._why_permitting_esg,
            "timelines": self._why_timelines,
            "china_policy": self._why_china_policy,
            "demand": self._why_demand,
            "prices": self._why_prices,
        }
        self._why: dict[str, Why] = {key: builders[key]() for key in TOPIC_KEYS}
        self._tables.clear()

    @classmethod
    def for_store(cls, store: object) -> CoverageFacts:
        """Cached facts for ``store``; rebuilt when the store's file has changed."""
        key = _cache_key(store)
        facts = cls._cache.get(key)
        if facts is None:
            facts = cls(store)
            if len(cls._cache) >= 8:
                cls._cache.clear()
            cls._cache[key] = facts
        return facts

    def why(self, topic_key: str) -> Why:
        """(sentence, evidence) for a topic key; raises KeyError for an unknown key."""
        return self._why[topic_key]

    # -- plumbing -------------------------------------------------------------
    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = self._store.table(name)  # type: ignore[attr-defined]
        return self._tables[name]

    def _row_evidence(
        self, table: str, row: object, value: str, note: str | None = None
    ) -> Evidence:
        if note is None and bool(getattr(row, "estimate", False) is True):
            note = "flagged as an estimate in the dataset"
        return self._sources.evidence(table, _key(table, row), value, str(row.source_id), note)  # type: ignore[attr-defined]

    def _aggregate(self, table: str, key: str, value: str, source_ids: Iterable[str]) -> Evidence:
        return self._sources.evidence(table, key, value, _join_ids(source_ids), AGGREGATE_NOTE)

    # -- topics ---------------------------------------------------------------
    def _why_midstream(self) -> Why:
        """stage_shares, country CHN, measure share, group REE, not a projection, with a
        year: the latest mining row against the latest separation row."""
        ss = self._table("stage_shares")
        base = ss[
            (ss["country"] == "CHN")
            & (ss["measure"] == "share")
            & (ss["group"] == "REE")
            & ~ss["projection"].astype(bool)
            & ss["year"].notna()
            & ss["value_text"].notna()
        ]
        parts, evidence = [], []
        for stage, wording in (("mining", "mined"), ("separation", "separated")):
            rows = base[base["stage"] == stage]
            if rows.empty:
                parts.append(None)
                continue
            latest = rows[rows["year"] == rows["year"].max()].sort_values("source_id")
            first = next(latest.itertuples())
            values = list(dict.fromkeys(_pct(r) for r in latest.itertuples()))
            parts.append(f"{wording} {' or '.join(values)} of all rare earths in {first.year}")
            for r in latest.itertuples():
                evidence.append(
                    self._row_evidence(
                        "stage_shares", r, f"{_figure(r)} ({r.element_or_group}, {r.year})"
                    )
                )
        if not evidence:
            return _no_figure("midstream", "no dated China mining or separation share")
        mined, separated = parts
        if mined and separated:
            why = (
                f"The chokepoint sits after the mine: China {mined} but {separated} "
                "(stage_shares), so a piece that stops at mining misses where control is."
            )
        elif mined:
            why = f"China {mined}; for its separation share {NO_FIGURE}."
        else:
            why = f"China {separated}; for its mining share {NO_FIGURE}."
        return why, tuple(evidence)

    def _why_heavy_vs_light(self) -> Why:
        """stage_shares rows for CHN whose group is HREE or whose label starts 'HREE'
        (China's heavy-REE refining share), plus the count of operating facilities
        outside China marked heavy_ree = yes."""
        ss = self._table("stage_shares")
        rows = ss[
            (ss["country"] == "CHN")
            & ((ss["group"] == "HREE") | ss["element_or_group"].astype(str).str.startswith("HREE"))
            & ss["value_text"].notna()
        ].sort_values(["stage", "element_or_group"])
        evidence = []
        quoted = []
        for r in rows.itertuples():
            year = _int(r.year)
            when = str(year) if year else "no reference year"
            quoted.append(f"{_pct(r)} ({r.element_or_group}, {when})")
            evidence.append(
                self._row_evidence(
                    "stage_shares", r, f"{_figure(r)} ({r.element_or_group}, {when})"
                )
            )
        fac = self._table("facilities")
        heavy = fac[
            (fac["country"] != "CHN") & (fac["status"] == "operating") & (fac["heavy_ree"] == "yes")
        ]
        if not evidence:
            return _no_figure("heavy_vs_light", "no China heavy-REE refining row")
        why = (
            "Heavy rare earths (Dy, Tb) are the tighter market: the dataset puts China's share "
            f"of heavy-REE refining at {' and '.join(quoted)}"
        )
        if not heavy.empty:
            n = len(heavy)
            value = f"{n} operating facilities outside China marked heavy_ree = yes"
            why += f", and lists only {value}"
            evidence.append(
                self._aggregate(
                    "facilities",
                    "country != CHN, status = operating, heavy_ree = yes (count)",
                    value,
                    heavy["source_id"],
                )
            )
        return why + ".", tuple(evidence)

    def _why_allied_capacity(self) -> Why:
        """facilities outside China: counts by status, operating counts by stage, and the
        largest operating separation and magnet plants (by stated capacity) as examples."""
        fac = self._table("facilities")
        out = fac[fac["country"] != "CHN"]
        if out.empty:
            return _no_figure("allied_capacity", "no facility outside China")
        by_status = Counter(out["status"])
        status_order = ("operating", "construction", "planned", "cancelled")
        statuses = [s for s in status_order if by_status.get(s)] + sorted(
            s for s in by_status if s not in status_order
        )
        wording = {"construction": "under construction"}
        status_text = ", ".join(f"{by_status[s]} {wording.get(s, s)}" for s in statuses)
        operating = out[out["status"] == "operating"]
        by_stage = Counter(operating["stage"])
        stage_text = ", ".join(f"{stage} {n}" for stage, n in by_stage.most_common())
        head = f"{len(out)} facilities outside China ({status_text})"
        value = head + (f"; operating by stage: {stage_text}" if stage_text else "")
        evidence = [
            self._aggregate(
                "facilities",
                "country != CHN (count by status; operating by stage)",
                value,
                out["source_id"],
            )
        ]
        examples = []
        for stage in ("separation", "magnet"):
            rows = operating[(operating["stage"] == stage) & operating["value"].notna()]
            if rows.empty:
                continue
            r = next(rows.sort_values(["value", "name"], ascending=[False, True]).itertuples())
            text = f"{r.name} ({r.company}, {r.country}, {_figure(r)})"
            examples.append(text)
            evidence.append(self._row_evidence("facilities", r, f"{text}, status {r.status}"))
        why = f"Allied supply is real but small: the dataset lists {value}."
        if examples:
            why = why[:-1] + f"; for example {' and '.join(examples[:MAX_EXAMPLES])}."
        return why, tuple(evidence)

    def _why_recycling(self) -> Why:
        """recycling_substitution category recycling_rate (end-of-life rows first, latest
        year first); else lifetimes_recycling eol_recycling_rate_pct for scope world. Plus
        the first benchmark whose target mentions recycling, as the policy contrast."""
        evidence, why = [], None
        rs = self._table("recycling_substitution")
        rates = rs[(rs["category"] == "recycling_rate") & rs["value_text"].notna()].copy()
        if not rates.empty:
            rates["_eol"] = rates["item"].str.contains(r"end-of-life|EOL", case=False, regex=True)
            rates["_year"] = rates["year"].fillna(0)
            r = next(
                rates.sort_values(
                    ["_eol", "_year", "item"], ascending=[False, False, True]
                ).itertuples()
            )
            year = _int(r.year)
            when = f", {year}" if year else ""
            value = f"{_figure(r)} ({r.item}{when})"
            evidence.append(self._row_evidence("recycling_substitution", r, value))
            why = f"Recycling barely feeds supply yet: {r.item} is {_figure(r)}"
            why += f" ({year})" if year else ""
        else:
            lr = self._table("lifetimes_recycling")
            rows = lr[lr["eol_recycling_rate_pct"].notna()]
            world = rows[rows["scope"] == "world"]
            rows = world if not world.empty else rows
            if not rows.empty:
                r = next(rows.sort_values("product_or_flow").itertuples())
                pct = _number(float(r.eol_recycling_rate_pct))
                value = f"{pct} % end-of-life recycling rate ({r.product_or_flow}, {r.scope})"
                evidence.append(
                    self._row_evidence("lifetimes_recycling", r, value, _text(r.note) or None)
                )
                why = (
                    "Recycling barely feeds supply yet: the end-of-life recycling rate for "
                    f"{r.product_or_flow} is {pct} %"
                )
        if why is None:
            return _no_figure("recycling", "no end-of-life recycling rate")
        bm = self._table("benchmarks")
        targets = bm[bm["target"].str.contains("recycl", case=False) & bm["value_text"].notna()]
        if not targets.empty:
            t = next(
                targets.assign(_d=targets["deadline_year"].fillna(9999))
                .sort_values(["_d", "jurisdiction"])
                .itertuples()
            )
            deadline = _int(t.deadline_year)
            by = f" by {deadline}" if deadline else ""
            evidence.append(
                self._row_evidence(
                    "benchmarks", t, f"{t.value_text} ({t.jurisdiction}: {t.target}{by})"
                )
            )
            why += f", against the {t.jurisdiction} target of {t.value_text} from recycling{by}"
        return why + ".", tuple(evidence)

    def _why_substitution(self) -> Why:
        """recycling_substitution rows in category substitution (count and the two most
        recent), plus the first thrifting row as the Dy/Tb-saving route."""
        rs = self._table("recycling_substitution")
        subs = rs[rs["category"] == "substitution"].copy()
        evidence = []
        if subs.empty:
            return _no_figure("substitution", "no substitution rows")
        subs["_year"] = subs["year"].fillna(0)
        value = f"{len(subs)} substitution cases in recycling_substitution"
        evidence.append(
            self._aggregate(
                "recycling_substitution",
                "category = substitution (count)",
                value,
                subs["source_id"],
            )
        )
        examples = []
        for r in (
            subs.sort_values(["_year", "item"], ascending=[False, True])
            .head(MAX_EXAMPLES)
            .itertuples()
        ):
            year = _int(r.year)
            text = f"{r.item} ({_figure(r)}" + (f", {year})" if year else ")")
            examples.append(text)
            evidence.append(self._row_evidence("recycling_substitution", r, text))
        why = (
            f"Design changes can cut exposure: the dataset records {value}, most recently "
            f"{'; and '.join(examples)}"
        )
        thrift = rs[(rs["category"] == "thrifting") & rs["value_text"].notna()]
        if not thrift.empty:
            t = next(thrift.sort_values("item").itertuples())
            text = f"{t.item}: {_figure(t)}"
            evidence.append(self._row_evidence("recycling_substitution", t, text))
            why += f". Thrifting also counts: {text}"
        return why + ".", tuple(evidence)

    def _why_stockpiles(self) -> Why:
        """events of type stockpile or whose summary/note mentions stockpiling, plus
        benchmarks whose target/note does: the count and the latest event."""
        ev = self._table("events")
        mask = (ev["type"] == "stockpile") | ev["summary"].str.contains("stockpil", case=False)
        mask = mask | ev["note"].fillna("").str.contains("stockpil", case=False)
        events = ev[mask]
        bm = self._table("benchmarks")
        bmask = bm["target"].str.contains("stockpil", case=False) | bm["note"].fillna(
            ""
        ).str.contains("stockpil", case=False)
        benches = bm[bmask]
        if events.empty and benches.empty:
            return _no_figure("stockpiles", "no event or benchmark mentions stockpiles")
        evidence = []
        n = len(events) + len(benches)
        value = (
            f"{n} rows mentioning stockpiles ({_count(len(events), 'event')}, "
            f"{_count(len(benches), 'benchmark')})"
        )
        evidence.append(
            self._aggregate(
                "events",
                "events: type = stockpile or summary/note mentions 'stockpil'; "
                "benchmarks: target/note mentions 'stockpil' (count)",
                value,
                list(events["source_id"]) + list(benches["source_id"]),
            )
        )
        why = f"Buffers are part of de-risking: the dataset holds {value}"
        if not events.empty:
            latest = next(
                events.sort_values(["year", "date"], ascending=[False, False]).itertuples()
            )
            text = f"{latest.date} {latest.actor}: {latest.summary}"
            evidence.append(self._row_evidence("events", latest, text))
            why += f"; the latest is {text}"
        return why.rstrip(".") + ".", tuple(evidence)

    def _sum_funding(
        self, rows: pd.DataFrame, label: str, key: str
    ) -> tuple[str, str, Evidence] | None:
        """(core, extras, evidence): 'N <label> awards summing to USD X' per currency over
        rows with a money amount; extras count conditional commitments and rows without
        an amount. Rows restating an aggregate are left out."""
        rows = rows[
            ~rows["funder"].str.contains(AGGREGATE_ROW)
            & ~rows["instrument"].fillna("").str.contains(AGGREGATE_ROW)
        ]
        money = rows[(rows["basis"] == "money") & rows["value"].notna()]
        if money.empty:
            return None
        cores, extras = [], []
        for unit, group in sorted(money.groupby("unit"), key=lambda kv: (-len(kv[1]), kv[0])):
            total = _number(float(group["value"].sum()))
            cores.append(f"{len(group)} {label} awards summing to {unit} {total}")
            cond = int(group["instrument"].fillna("").str.contains(CONDITIONAL).sum())
            if cond:
                extras.append(f"{cond} of the {unit} awards conditional or letters of interest")
        no_amount = int(((rows["basis"] == "money") & rows["value"].isna()).sum())
        if no_amount:
            extras.append(f"{no_amount} more without an amount")
        core, extra = " and ".join(cores), "; ".join(extras)
        value = core + (f" ({extra})" if extra else "")
        evidence = self._aggregate(
            "funding",
            f"{key}, basis = money, value present, excluding aggregate rows "
            "(count and sum by unit)",
            value,
            money["source_id"],
        )
        return core, extra, evidence

    def _why_financing(self) -> Why:
        """funding rows whose funder contains 'DoD' (then 'DOE', 'EXIM', 'DFC'): count and
        sum of the money amounts by currency, rows restating aggregates left out."""
        fund = self._table("funding")
        found = []
        for name, pattern in (("DoD/DoW", DOD_FUNDER), *OTHER_FUNDERS):
            summed = self._sum_funding(
                fund[fund["funder"].str.contains(pattern)], name, f"funder contains '{name}'"
            )
            if summed:
                found.append((name, *summed))
        if not found:
            return _no_figure("financing", "no DoD, DOE, EXIM or DFC funding rows")
        sentences = []
        others = found
        if found[0][0] == "DoD/DoW":
            _, core, extra, _ = found[0]
            sentences.append(
                f"the dataset holds {core}, the sum of the awards in the dataset, not an "
                "official cumulative total" + (f" ({extra})" if extra else "")
            )
            others = found[1:]
        if others:
            listed = "; ".join(
                core + (f" ({extra})" if extra else "") for _, core, extra, _ in others
            )
            sentences.append(("It also lists " if sentences else "the dataset lists ") + listed)
        why = "Public money carries much of the build-out: " + ". ".join(sentences)
        return why + ".", tuple(ev for *_, ev in found)

    def _why_permitting_esg(self) -> Why:
        """Rows whose note (facilities, funding, benchmarks) or summary/note (events)
        mentions 'permit' or 'environment': the clause that does, for up to two rows."""
        found: list[tuple[str, object, str, str]] = []
        fac = self._table("facilities")
        for r in fac.itertuples():
            note = _text(r.note)
            if PERMIT_TEXT.search(note):
                label = f"{r.name} ({r.company}, {r.status})"
                found.append(("facilities", r, label, _sentence_with(PERMIT_TEXT, note)))
        ev = self._table("events")
        for r in ev.itertuples():
            for text in (_text(r.summary), _text(r.note)):
                if PERMIT_TEXT.search(text):
                    found.append(
                        ("events", r, f"{r.date} {r.actor}", _sentence_with(PERMIT_TEXT, text))
                    )
                    break
        for table in ("funding", "benchmarks"):
            df = self._table(table)
            for r in df.itertuples():
                note = _text(r.note)
                if PERMIT_TEXT.search(note):
                    name = r.recipient if table == "funding" else r.target
                    found.append((table, r, str(name), _sentence_with(PERMIT_TEXT, note)))
        if not found:
            return _no_figure("permitting_esg", "no row mentions permits or the environment")
        evidence, quoted = [], []
        for table, r, label, clause in found[:MAX_EXAMPLES]:
            quoted.append(f'{label}: "{clause}"')
            evidence.append(self._row_evidence(table, r, f"{label}: {clause}"))
        why = "Permits and environmental approvals set the pace: the dataset notes " + "; ".join(
            quoted
        )
        return why + ".", tuple(evidence)

    def _why_timelines(self) -> Why:
        """facilities with both announced_start_first_year and actual_start_year: the
        median of actual - first announced (years) and how many started late; and, for
        plants not yet started, how many moved their announced start later."""
        fac = self._table("facilities")
        started = fac[fac["announced_start_first_year"].notna() & fac["actual_start_year"].notna()]
        waiting = fac[
            fac["actual_start_year"].isna()
            & fac["announced_start_first_year"].notna()
            & fac["announced_start_latest_year"].notna()
        ]
        if started.empty and waiting.empty:
            return _no_figure("timelines", "no facility with announced and actual start years")
        evidence, parts = [], []
        if not started.empty:
            slips = [
                int(a) - int(f)
                for f, a in zip(
                    started["announced_start_first_year"], started["actual_start_year"], strict=True
                )
            ]
            median = _number(float(statistics.median(slips)))
            late = sum(1 for s in slips if s > 0)
            text = (
                f"median slippage {median} years over {len(slips)} plants that started; "
                f"{late} started later than first announced (up to {max(slips)} years)"
            )
            evidence.append(
                self._aggregate(
                    "facilities",
                    "actual_start_year - announced_start_first_year, facilities with both",
                    text,
                    started["source_id"],
                )
            )
            parts.append(text)
        if not waiting.empty:
            pushes = [
                int(latest) - int(first)
                for first, latest in zip(
                    waiting["announced_start_first_year"],
                    waiting["announced_start_latest_year"],
                    strict=True,
                )
            ]
            moved = [p for p in pushes if p > 0]
            text = (
                f"{len(moved)} of {len(pushes)} plants not yet started have moved their "
                "announced start later"
            )
            if moved:
                text += f" (by up to {max(moved)} years)"
            evidence.append(
                self._aggregate(
                    "facilities",
                    "no actual_start_year; announced_start_latest_year - "
                    "announced_start_first_year",
                    text,
                    waiting["source_id"],
                )
            )
            parts.append(text)
        why = "Start dates are promises: in the dataset's facilities, " + "; ".join(parts)
        return why + ".", tuple(evidence)

    def _why_china_policy(self) -> Why:
        """events of type export_control whose actor names China: the latest by date,
        with its elements_affected."""
        ev = self._table("events")
        rows = ev[(ev["type"] == "export_control") & ev["actor"].str.contains("China")]
        if rows.empty:
            return _no_figure("china_policy", "no Chinese export-control event")
        r = next(rows.sort_values(["year", "date"], ascending=[False, False]).itertuples())
        elements = _text(r.elements_affected) or "not stated"
        summary = _text(r.summary).rstrip(".")
        text = f"{r.date} {r.actor}: {summary} (elements affected: {elements})"
        why = (
            "China's export controls are live policy that can change supply overnight: the "
            f"latest export-control move in the dataset is {text}"
        )
        return why.rstrip(".") + ".", (self._row_evidence("events", r, text),)

    def _why_demand(self) -> Why:
        """demand_projections for 'magnet REEs (Nd+Pr+Dy+Tb) - total demand': 2024 (any
        scenario, observed or STEPS) and 2050 under a STEPS scenario, from the same source
        where possible (the source with both, latest vintage first)."""
        dp = self._table("demand_projections")
        rows = dp[(dp["element_or_group"] == DEMAND_GROUP) & dp["value_text"].notna()]
        base = rows[(rows["year"] == 2024) & rows["scenario"].str.contains("STEPS|observed")]
        steps = rows[(rows["year"] == 2050) & rows["scenario"].str.contains("STEPS")]
        if base.empty and steps.empty:
            return _no_figure("demand", "no IEA magnet-REE total-demand rows")
        both = sorted(set(base["source_id"]) & set(steps["source_id"]))
        if both:
            base = base[base["source_id"] == both[0]]
            steps = steps[steps["source_id"] == both[0]]
        evidence, parts = [], []
        for frame in (base, steps):
            if frame.empty:
                continue
            r = next(
                frame.sort_values(["vintage", "scenario"], ascending=[False, True]).itertuples()
            )
            parts.append(f"{_figure(r)} in {r.year} ({r.scenario})")
            evidence.append(
                self._row_evidence("demand_projections", r, f"{_figure(r)}, {r.year}, {r.scenario}")
            )
        why = (
            "Demand sets how much new supply is needed: magnet rare earths (Nd+Pr+Dy+Tb) total "
            f"demand is {' rising to '.join(parts)}"
        )
        if base.empty:
            why += f"; for 2024 {NO_FIGURE}"
        elif steps.empty:
            why += f"; for 2050 under STEPS {NO_FIGURE}"
        return why + ".", tuple(evidence)

    def _why_prices(self) -> Why:
        """prices: the latest NdPr oxide row (element Nd+Pr, product mentions oxide; else
        Nd oxide), preferring an annual average, and the highest value in that series."""
        pr = self._table("prices")
        for element in ("Nd+Pr", "Nd"):
            rows = pr[
                (pr["element"] == element)
                & pr["product"].str.contains("oxide", case=False)
                & pr["value_text"].notna()
            ]
            if not rows.empty:
                break
        else:
            return _no_figure("prices", "no NdPr or Nd oxide price")
        rows = rows.assign(_avg=rows["price_basis"].fillna("").str.contains("annual average"))
        latest = next(
            rows.sort_values(
                ["year", "_avg", "source_id"], ascending=[False, False, True]
            ).itertuples()
        )
        series = rows[(rows["product"] == latest.product) & rows["value"].notna()]
        text = f"{_figure(latest)} ({latest.product}, {latest.year}, {latest.price_basis})"
        evidence = [self._row_evidence("prices", latest, text)]
        why = (
            "Project economics turn on prices: the latest "
            f"{latest.product} price in the dataset is {_figure(latest)} for {latest.year}"
        )
        if not series.empty:
            peak = next(
                series.sort_values(["value", "year"], ascending=[False, False]).itertuples()
            )
            if peak.year != latest.year:
                ptext = f"{_figure(peak)} ({peak.product}, {peak.year}, {peak.price_basis})"
                evidence.append(self._row_evidence("prices", peak, ptext))
                why += f", against {_figure(peak)} in {peak.year}"
        return why + ".", tuple(evidence)


def _cache_key(store: object) -> object:
    path = getattr(store, "path", None)
    if path is None:
        return ("object", id(store))
    path = Path(path)
    stamp = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
            stamp.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append(None)
    return (str(path.resolve()), tuple(stamp))
