"""Forecast regions, blocs and country spellings, from regions/blocs/countries.json.

A bloc's *members* are data the user can change (rows of the store's bloc_members
table), while its name, the forecast regions it spans and its spellings are fixed
vocabulary. `Bloc` joins the two: it is built from bloc_members rows, so every layer
that asks "who is in the EU27, and which model region is that?" gets one answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from derisk.vocabulary._files import VocabularyError, aliases, records, unique

#: The forecast model's regions, China first and ROW last.
REGIONS = unique("regions.json", "region", [r["code"] for r in records("regions.json", "regions")])
REGION_NAMES = MappingProxyType({r["code"]: r["name"] for r in records("regions.json", "regions")})


@dataclass(frozen=True)
class _BlocEntry:
    code: str
    name: str
    regions: tuple[str, ...]
    headline: bool
    user_aliases: tuple[str, ...]
    article_aliases: tuple[str, ...]


def _entry(r: dict) -> _BlocEntry:
    entry = _BlocEntry(
        r["code"],
        r["name"],
        tuple(r.get("regions", ())),
        bool(r.get("headline", False)),
        tuple(r.get("user_aliases", ())),
        tuple(r.get("article_aliases", ())),
    )
    unknown = set(entry.regions) - set(REGIONS)
    if unknown:
        raise VocabularyError(f"blocs.json: {entry.code} spans unknown regions {sorted(unknown)}")
    return entry


_ENTRIES = {e.code: e for e in (_entry(r) for r in records("blocs.json", "blocs"))}
#: Bloc codes the project defines, in the order help texts list them.
BLOC_CODES = unique("blocs.json", "bloc", [r["code"] for r in records("blocs.json", "blocs")])
#: The blocs the briefing and the demo show unless told otherwise.
HEADLINE_BLOCS = tuple(e.code for e in _ENTRIES.values() if e.headline)
#: Bloc code -> the forecast regions that are its own supply (empty: none).
BLOC_REGIONS = MappingProxyType({e.code: e.regions for e in _ENTRIES.values()})
#: Bloc code -> how articles name it; only blocs of several countries have such names.
BLOC_ARTICLE_ALIASES = MappingProxyType(
    {e.code: e.article_aliases for e in _ENTRIES.values() if e.article_aliases}
)
#: A spelling a user may type for a bloc, upper case ("EU", "JAPAN") -> bloc code.
BLOC_USER_ALIASES = MappingProxyType(
    {alias.upper(): e.code for e in _ENTRIES.values() for alias in e.user_aliases}
)


@dataclass(frozen=True)
class Bloc:
    """A bloc: its code and name, its member countries (ISO3) and the regions it spans."""

    code: str
    name: str
    members: tuple[str, ...]
    regions: tuple[str, ...] = ()
    user_aliases: tuple[str, ...] = ()
    article_aliases: tuple[str, ...] = ()

    @classmethod
    def from_rows(cls, code: str, rows: Iterable[tuple[str, str] | Mapping[str, str]]) -> Bloc:
        """The bloc ``code`` with the members that bloc_members rows (bloc, country) give it.

        A bloc the vocabulary does not know (a user's own) is named by its code and spans
        no forecast region.
        """
        members = tuple(
            dict.fromkeys(country for bloc, country in map(_pair, rows) if bloc == code)
        )
        entry = _ENTRIES.get(code)
        if entry is None:
            return cls(code, code, members)
        return cls(
            code, entry.name, members, entry.regions, entry.user_aliases, entry.article_aliases
        )

    @property
    def single_country(self) -> bool:
        """A one-member bloc (US, JP, ...) is a country: the review reports it as one."""
        return len(self.members) == 1

    def has(self, country: str) -> bool:
        """Whether ``country`` (ISO3) is a member."""
        return country in self.members


def _pair(row: tuple[str, str] | Mapping[str, str]) -> tuple[str, str]:
    if isinstance(row, Mapping):
        return str(row["bloc"]), str(row["country"])
    bloc, country = row[0], row[1]
    return str(bloc), str(country)


def blocs_from_rows(rows: Iterable[tuple[str, str] | Mapping[str, str]]) -> dict[str, Bloc]:
    """Every bloc named in bloc_members rows, in order of first appearance."""
    pairs = [_pair(r) for r in rows]
    codes = dict.fromkeys(bloc for bloc, _ in pairs)
    return {code: Bloc.from_rows(code, pairs) for code in codes}


#: ISO3 code -> the spellings, demonyms and capitals articles use for the country.
COUNTRY_ALIASES = MappingProxyType(aliases("countries.json", "countries"))
