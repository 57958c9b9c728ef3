"""Names an article may use for things in the dataset, mapped to the dataset's own keys.

`build_lexicon(store)` collects aliases once per store:

- **countries** from ``countries`` (name and the ``aliases`` column) plus the common
  spellings, demonyms and capitals in `COUNTRY_ALIASES` ("U.S.", "Chinese", "Beijing");
  the key is the ISO3 code. Aggregates (``WLD``, ``OTH``, ``EUR``) are not matched.
- **blocs** with more than one member in ``bloc_members`` (``EU27``, ``ALLIES``), under
  their code and the spellings in `BLOC_ALIASES`. Single-country blocs (``US``, ``JP``,
  ...) are reported as countries.
- **elements** from ``elements``: English names in any case; chemical symbols only as
  written ("Nd", not "ND") and never the ambiguous `AMBIGUOUS_SYMBOLS`.
- **groups** of elements, `GROUP_ALIASES` (key ``all_ree``, ``heavy``, ``light``,
  ``magnet_ree`` or ``ndpr``); `Lexicon.group_members` lists each group's symbols.
- **facilities** from ``facilities.name``, under the full name, the name without its
  parenthesis, and the site names in `FACILITY_SITES`. A key is either one facility
  name or, for a site shared by several rows ("Mountain Pass"), the site name;
  `Lexicon.facilities` maps every key to the facility names it stands for.
- **companies** from ``facilities.company``, ``ownership`` and ``funding.recipient``
  (plus private funders), with corporate suffixes removed ("MP Materials Corp." becomes
  "MP Materials") and the short names in `COMPANY_ALIASES`.
- **agencies** in `AGENCIES` (a static list, canonical name -> aliases) plus the public
  funders named in ``funding.funder``.

Matching runs one compiled regular expression (the aliases as a character trie, so a
longer alias is always tried before its prefixes) over the lower-cased text; an alias
with an upper-case letter and no space (acronyms, symbols, proper names such as "China")
must then also match case-exactly. Matches never overlap.

The static tables are data files of `derisk.vocabulary` (countries.json, blocs.json,
groups.json, agencies.json, companies.json, facility_sites.json, lexicon.json): adding
an alias is a data edit, and the names below stay importable from this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from derisk import vocabulary

KINDS = ("country", "bloc", "company", "facility", "agency", "element", "group")


@dataclass(frozen=True)
class Entity:
    """One mention: ``name`` as written, ``kind`` (see `KINDS`) and the dataset ``key``."""

    name: str
    kind: str
    key: str


# -- static alias tables ---------------------------------------------------------------
# The tables are data files of derisk.vocabulary; the names stay importable from here.

#: ISO3 code -> the spellings, demonyms and capitals articles use ("U.S.", "Chinese").
COUNTRY_ALIASES: Mapping[str, tuple[str, ...]] = vocabulary.COUNTRY_ALIASES
#: Bloc code -> how articles name a bloc of several countries ("European Union", "G7").
BLOC_ALIASES: Mapping[str, tuple[str, ...]] = vocabulary.BLOC_ARTICLE_ALIASES
#: Group key -> how articles name the group ("heavy rare earths", "NdPr").
GROUP_ALIASES: Mapping[str, tuple[str, ...]] = {g.key: g.aliases for g in vocabulary.GROUP_TERMS}
AMBIGUOUS_SYMBOLS = vocabulary.AMBIGUOUS_SYMBOLS
AGENCIES: Mapping[str, tuple[str, ...]] = vocabulary.AGENCIES
COMPANY_ALIASES: Mapping[str, tuple[str, ...]] = vocabulary.COMPANY_ALIASES
FACILITY_SITES: Mapping[str, str] = vocabulary.FACILITY_SITES
BLOCKERS = vocabulary.BLOCKERS
_GENERIC_WORDS = vocabulary.GENERIC_FACILITY_WORDS
_CORPORATE_SUFFIX = re.compile(
    r"(?:[\s,]+(?:Corp\.?|Corporation|Inc\.?|Ltd\.?|Limited|Co\.?|Holdings?|plc|PLC|JV|"
    r"S\.A\.|AG|GmbH|LLC))+\s*$"
)
_PAREN = re.compile(r"\s*\([^)]*\)")
_SPLIT_NAMES = re.compile(r"\s*(?:;|\s/\s|/|\s\+\s|\+)\s*")
_NOT_A_NAME = re.compile(
    r"\d|\bprojects?\b|\bmeasures\b|\bMultiple\b|\bUp to\b|\bcontext\b|\bincl\b|\bside\b|"
    r"\bothers\b|\bpartners\b|\bmember states\b|\baggregate\b|\bTBD\b|\bJV\b|\bCounty\b|"
    r"\brefinery\b|\bplant\b",
)


def _case_sensitive(alias: str) -> bool:
    """Aliases with a capital and no space must match as written ("US" is not "us")."""
    return " " not in alias and any(c.isupper() for c in alias)


def _lower(text: str) -> str:
    """Lower-case text without changing its length, so match offsets stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _variants(alias: str) -> list[str]:
    """An alias plus its hyphenated form ("rare earth" -> "rare-earth")."""
    out = [alias]
    if "rare earth" in alias:
        out.append(alias.replace("rare earth", "rare-earth"))
    return out


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` as a character trie; longer words are tried first."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            # greedy optional: the longer continuation is tried before stopping here
            return ("(?:" + body + ")?") if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return build(trie)


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Aliases compiled into one regex. Build with `build_lexicon`; apply with `find`."""

    pattern: re.Pattern[str] = field(repr=False)
    #: lower-cased alias -> candidates (alias as written, case-sensitive?, kind, key);
    #: kind and key are None for a blocker phrase
    table: Mapping[str, tuple[tuple[str, bool, str | None, str | None], ...]] = field(repr=False)
    #: facility key -> the ``facilities.name`` values it stands for
    facilities: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    #: facility key -> the stage of its rows when they share one, else None
    facility_stages: Mapping[str, str | None] = field(default_factory=dict, repr=False)
    #: group key -> element symbols
    group_members: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Lexicon({len(self.table)} aliases, {len(self.facilities)} facility keys)"

    def find_spans(self, text: str) -> list[tuple[int, int, Entity]]:
        """Every mention as (start, end, entity), in text order, without overlaps."""
        out: list[tuple[int, int, Entity]] = []
        if not text:
            return out
        low = _lower(text)
        for m in self.pattern.finditer(low):
            start, end = m.span()
            written = text[start:end]
            for alias, exact, kind, key in self.table.get(m.group(), ()):
                if exact and written != alias:
                    continue
                if kind is not None and key is not None:
                    out.append((start, end, Entity(written, kind, key)))
                break
        return out

    def find(self, text: str) -> list[Entity]:
        """Entities mentioned in ``text``, in order; longest alias first, no overlaps."""
        return [entity for _, _, entity in self.find_spans(text)]

    def aliases(self) -> dict[str, tuple[str, str]]:
        """Every alias as written -> (kind, key); for inspection and tests."""
        return {
            alias: (kind, key)
            for cands in self.table.values()
            for alias, _, kind, key in cands
            if kind is not None and key is not None
        }


class _Builder:
    def __init__(self) -> None:
        self.table: dict[str, list[tuple[str, bool, str | None, str | None]]] = {}

    def has(self, alias: str) -> bool:
        return _lower(alias) in self.table

    def add(self, alias: str, kind: str | None, key: str | None) -> None:
        alias = " ".join(alias.split())
        if not alias or not (alias[0].isalnum() and (alias[-1].isalnum() or alias[-1] in ".)")):
            return
        for variant in _variants(alias):
            cands = self.table.setdefault(_lower(variant), [])
            exact = _case_sensitive(variant)
            if any(a == variant or (not e and not exact) for a, e, _, _ in cands):
                continue  # first definition wins
            cands.append((variant, exact, kind, key))

    def compile(self) -> re.Pattern[str]:
        # (?![\w$]): "US$400m" is an amount of money, not a mention of the United States
        return re.compile(r"\b" + _trie_pattern(sorted(self.table)) + r"(?![\w$])")


def _column(store: object, table: str, *columns: str) -> list[tuple]:
    frame = store.table(table)  # type: ignore[attr-defined]
    frame = frame.astype(object).where(frame.notna(), None)
    return list(frame[list(columns)].itertuples(index=False, name=None))


def company_name(raw: str) -> str:
    """A company's canonical form: no parenthesis, no corporate suffix."""
    name = _PAREN.sub("", raw).strip()
    name = _CORPORATE_SUFFIX.sub("", name).strip(" ,")
    return " ".join(name.split())


def _names(raw: str | None) -> list[str]:
    """The names in a cell such as "Lynas Rare Earths / JS Link" or "JOGMEC + Sojitz"."""
    if not raw:
        return []
    text = _PAREN.sub("", raw)
    text = re.sub(r"\s+and others\b", "", text)
    return [p.strip() for p in _SPLIT_NAMES.split(text) if p.strip()]


def build_lexicon(store: object) -> Lexicon:
    """Collect every alias from the store's tables and the static lists; compile once."""
    b = _Builder()
    for phrase in BLOCKERS:
        b.add(phrase, None, None)

    # agencies
    for canonical, aliases in AGENCIES.items():
        for alias in (canonical, *aliases):
            b.add(alias, "agency", canonical)

    # element groups and elements
    elements = _column(store, "elements", "symbol", "name", "ree_group", "magnet_ree")
    for key, aliases in GROUP_ALIASES.items():
        for alias in aliases:
            b.add(alias, "group", key)
    for symbol, name, _, _ in elements:
        b.add(str(name).lower(), "element", symbol)
        if symbol not in AMBIGUOUS_SYMBOLS:
            b.add(symbol, "element", symbol)
    element_rows = [(symbol, group, magnet) for symbol, _, group, magnet in elements]
    members = {g.key: g.members_of(element_rows) for g in vocabulary.GROUP_TERMS}

    # countries and blocs
    countries = _column(store, "countries", "code", "name", "kind", "aliases")
    codes = {code for code, _, kind, _ in countries if kind == "country"}
    for code, name, kind, aliases in countries:
        if kind != "country":
            continue
        b.add(name, "country", code)
        for alias in (aliases or "").split(";"):
            if alias and "(" not in alias and "," not in alias:
                b.add(alias, "country", code)
    for code, aliases in COUNTRY_ALIASES.items():
        if code in codes:
            for alias in aliases:
                b.add(alias, "country", code)
    bloc_rows = _column(store, "bloc_members", "bloc", "country")
    for bloc in vocabulary.blocs_from_rows(bloc_rows).values():
        if not bloc.single_country:
            b.add(bloc.code, "bloc", bloc.code)
            for alias in bloc.article_aliases:
                b.add(alias, "bloc", bloc.code)

    # facilities
    rows = _column(store, "facilities", "name", "company", "stage")
    facilities: dict[str, tuple[str, ...]] = {}
    stages: dict[str, str | None] = {}

    def add_facility(alias: str, key: str, names: tuple[str, ...]) -> None:
        if b.has(alias):
            return
        facilities.setdefault(key, names)
        row_stages = {s for n, _, s in rows if n in names}
        stages.setdefault(key, row_stages.pop() if len(row_stages) == 1 else None)
        b.add(alias, "facility", key)

    for alias, site in FACILITY_SITES.items():
        names = tuple(dict.fromkeys(n for n, _, _ in rows if site.lower() in n.lower()))
        if names:
            add_facility(alias, names[0] if len(names) == 1 else site, names)
    for name, _, _ in rows:
        add_facility(name, name, (name,))
        base = " ".join(_PAREN.sub(" ", name).split())
        words = base.split()
        if len(words) > 1 and any(w.lower() not in _GENERIC_WORDS for w in words):
            add_facility(base, name, (name,))

    # companies
    for canonical, aliases in COMPANY_ALIASES.items():
        for alias in (canonical, *aliases):
            b.add(alias, "company", canonical)
    raw_companies: list[str] = []
    for _, company, _ in rows:
        raw_companies.extend(_names(company))
    for holder, company in _column(store, "ownership", "holder", "company"):
        raw_companies.extend([holder, company])
    funding = _column(store, "funding", "funder", "recipient")
    for _, recipient in funding:
        raw_companies.extend(_names(recipient))
    for funder, _ in funding:
        if funder and "(private)" in funder:
            raw_companies.extend(_names(funder))
    for raw in raw_companies:
        name = company_name(raw)
        if not name or _NOT_A_NAME.search(raw) or not name[0].isalnum():
            continue
        if not b.has(name):
            b.add(name, "company", name)

    # public funders not in the static agency list
    for funder, _ in funding:
        if not funder or "(private)" in funder:
            continue
        for part in _names(funder):
            name = part
            if _NOT_A_NAME.search(name) or not name[:1].isupper() or b.has(name):
                continue
            if " " not in name and not name.isupper():
                continue  # a lone word such as "Texas" is a place, not an agency
            b.add(name, "agency", name)

    table = {k: tuple(v) for k, v in b.table.items()}
    return Lexicon(
        pattern=b.compile(),
        table=table,
        facilities=facilities,
        facility_stages=stages,
        group_members=members,
    )
