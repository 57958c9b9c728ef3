"""Currencies: ISO codes and how a text writes each one, from currencies.json.

The dataset's units ('USD/kg', 'EUR m'), the review's money parser ("A$50 million",
"300 million yuan") and the ratings' money check all read this one table, so a
currency the parser understands is also one the ratings count as money.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from derisk.vocabulary._files import VocabularyError, records, unique


@dataclass(frozen=True)
class Currency:
    """One currency; see currencies.json for what each spelling list is for."""

    code: str
    name: str
    symbols: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    dollar_words: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def signs(self) -> tuple[str, ...]:
        """Everything written right before a number: symbols, then the longer prefixes."""
        return self.symbols + self.prefixes


CURRENCY_TERMS = tuple(
    Currency(
        r["code"],
        r["name"],
        *(tuple(r.get(f, ())) for f in ("symbols", "prefixes", "dollar_words", "words", "aliases")),
    )
    for r in records("currencies.json", "currencies")
)
#: ISO 4217 codes, in the file's order (the most common first).
CURRENCIES = unique("currencies.json", "currency", [c.code for c in CURRENCY_TERMS])
CURRENCY = {c.code: c for c in CURRENCY_TERMS}
#: Units that make a quantity a money figure: the codes and their aliases ("RMB").
MONEY_UNITS = frozenset(CURRENCIES) | {a for c in CURRENCY_TERMS for a in c.aliases}


def _lookup(field: str, normalise: Callable[[str], str]) -> dict[str, str]:
    """Spelling (normalised) -> code over one spelling list; a spelling of two is an error."""
    out: dict[str, str] = {}
    for c in CURRENCY_TERMS:
        for spelling in getattr(c, field):
            if out.setdefault(normalise(spelling), c.code) != c.code:
                raise VocabularyError(f"currencies.json: {spelling!r} names two currencies")
    return out


#: A sign written before a number, spaces removed ("U.S.$", "AUD$", "€") -> code.
SIGN_CURRENCY = _lookup("signs", lambda sign: sign.replace(" ", ""))
#: The adjective of "<adjective> dollars", lower case ("australian") -> code.
DOLLAR_CURRENCY = _lookup("dollar_words", str.lower)
#: A currency's name after a number, lower case ("yuan", "pounds sterling") -> code.
WORD_CURRENCY = _lookup("words", str.lower)
