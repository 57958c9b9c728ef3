"""Names of agencies, companies and sites, and the matcher's word lists, from data files.

These are the review lexicon's static tables (derisk.review.extraction.lexicon adds the names it
finds in the store). They are data: adding a company's short name or a site should not
need a code change, and a reviewer can read them without reading Python.
"""

from __future__ import annotations

from types import MappingProxyType

from derisk.vocabulary._files import aliases, load

#: Canonical agency name (as in funding.funder where it appears there) -> aliases.
AGENCIES = MappingProxyType(aliases("agencies.json", "agencies"))
#: Canonical company name -> short names used in articles.
COMPANY_ALIASES = MappingProxyType(aliases("companies.json", "companies"))
#: Site name -> text that picks its rows out of facilities.name (case-insensitive).
FACILITY_SITES = MappingProxyType(dict(load("facility_sites.json")["sites"]))
#: Phrases that contain an alias but name something else; matched and dropped.
BLOCKERS = tuple(load("lexicon.json")["blockers"])
#: Chemical symbols too easily confused with names or words ("Mr Lu", "Ho Chi Minh", "Y").
AMBIGUOUS_SYMBOLS = frozenset(load("lexicon.json")["ambiguous_symbols"])
#: Words that do not make a facility name distinctive on their own ("plant", "magnet").
GENERIC_FACILITY_WORDS = frozenset(load("lexicon.json")["generic_facility_words"])
