"""Which rows a page or chart shows: by what the rows say, by rules a reader can check.

Element pages pick rows whose labels name the element (by name in any case, or by its
chemical symbol inside a label such as 'NdPr' or 'Dy/Tb'); bloc pages pick rows whose
text names the bloc or a member country. The pages and their charts share these rules
(derisk.web.pages, derisk.web.chartbook), so a chart and the table beside it agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from derisk.data.blocs import bloc_pairs
from derisk.vocabulary import Bloc


def element_parts(text: object, symbols: set[str]) -> set[str]:
    """Element symbols a label names as chemical symbols: 'Dy', 'NdPr', 'Dy/Tb', 'Nd+Pr'."""
    if not isinstance(text, str):
        return set()
    found: set[str] = set()
    for word in re.findall(r"[A-Za-z]+", text):
        if word in symbols:
            found.add(word)
            continue
        if not any(ch.islower() for ch in word):
            continue  # 'REO', 'YES': capitals only are acronyms, not symbols
        parts = re.findall(r"[A-Z][a-z]?", word)
        if "".join(parts) == word and any(p in symbols for p in parts):
            found |= {p for p in parts if p in symbols}
    return found


def mentions(text: object, symbol: str, name: str, symbols: set[str]) -> bool:
    """True when a label names the element by name (any case) or by its chemical symbol."""
    if not isinstance(text, str):
        return False
    if re.search(rf"\b{re.escape(name)}\b", text, flags=re.IGNORECASE):
        return True
    return symbol in element_parts(text, symbols)


@dataclass(frozen=True)
class Element:
    """An element of the store's elements table, and the rule that finds its rows."""

    symbol: str
    name: str
    row: pd.Series
    symbols: frozenset[str]

    def named_in(self, text: object) -> bool:
        return mentions(text, self.symbol, self.name, set(self.symbols))


def find_element(store: Any, symbol: str) -> Element | None:
    """The element whose symbol is ``symbol`` (any case), or None."""
    elements = store.table("elements")
    match = elements[elements["symbol"].str.lower() == symbol.strip().lower()]
    if match.empty:
        return None
    row = match.iloc[0]
    return Element(str(row["symbol"]), str(row["name"]), row, frozenset(elements["symbol"]))


def price_labels(store: Any, symbol: str) -> list[str]:
    """The element labels of price rows that include ``symbol`` ('Nd', 'Nd+Pr'), own first."""
    labels = {str(e) for e in store.table("prices")["element"].dropna()}
    found = sorted(e for e in labels if symbol in e.split("+"))
    return sorted(found, key=lambda e: (e != symbol, e))


def own_demand(store: Any, element: Element) -> pd.DataFrame:
    """Demand projections for the element itself (labels that start with its name)."""
    demand = store.table("demand_projections")
    named = demand["element_or_group"].map(element.named_in).astype(bool)
    own = demand["element_or_group"].str.lower().str.startswith(element.name.lower())
    return demand[named & own & demand["value"].notna()]


def country_names(store: Any) -> dict[str, str]:
    countries = store.table("countries")
    return dict(zip(countries["code"], countries["name"], strict=True))


def bloc_members(store: Any, bloc: str) -> list[str]:
    members = store.table("bloc_members")
    return sorted(members.loc[members["bloc"] == bloc, "country"])


def bloc_names(store: Any, code: str) -> tuple[set[str], set[str]]:
    """Words that name the bloc or a member: codes (matched by case) and names (any case)."""
    bloc = Bloc.from_rows(code, bloc_pairs(store))
    member_codes = set(bloc.members)
    countries = store.table("countries")
    countries = countries[countries["code"].isin(member_codes)]
    codes = {code, *bloc.user_aliases}
    codes |= member_codes if bloc.single_country else set()
    names = set(countries["name"])
    for aliases in countries["aliases"].dropna():
        names |= {a.strip() for a in str(aliases).split(";") if a.strip()}
    short = {n for n in codes | names if len(n) <= 3 and n.isupper()}
    return short, {n for n in codes | names if n not in short}


def names_any(text: object, short: set[str], long: set[str]) -> bool:
    """True when ``text`` names a short code (exact case) or a long name (any case)."""
    if not isinstance(text, str):
        return False
    if any(re.search(rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])", text) for s in short):
        return True
    return any(re.search(rf"\b{re.escape(n)}\b", text, flags=re.IGNORECASE) for n in long)


def dated_facilities(store: Any, bloc: str) -> pd.DataFrame:
    """The bloc's facilities with at least one announced or actual start year."""
    facilities = store.table("facilities")
    facilities = facilities[facilities["country"].isin(bloc_members(store, bloc))]
    years = ["announced_start_first_year", "announced_start_latest_year", "actual_start_year"]
    return facilities[facilities[years].notna().any(axis=1)]
