"""The coverage checklist: the twelve topics, their keywords, and the reference matcher.

The checklist is :data:`TOPICS`, twelve topics. A topic counts as *addressed* when the
article contains at least ``min_hits`` distinct keyword phrases of that topic (the rules
that refine the count are :func:`derisk.review.checking.coverage.addressed`). Matching
is word-boundary aware and case-insensitive (``KEYWORDS``), except for the few symbols
that are also ordinary words or letters, which must be written as shown (``SYMBOLS``:
``Dy``, ``Tb``, ``EV``/``EVs``, ``EU``/``US``/``U.S.``/``UK`` before a capacity noun,
and "less/lower/reduced Dy or Nd content/use"). Distinct means distinct after
lower-casing and collapsing hyphens and spaces, so "ramp-up" and "ramp up" are one hit.

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass


# --------------------------------------------------------------------------- topics
@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    pattern: re.Pattern
    min_hits: int = 1


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
