"""derisk's vocabulary: every term the layers share, defined once (issue 10).

Stages, element groups, bases, verdicts, months, currencies, forecast regions, blocs
and the review's names live in JSON files in this package; the modules here turn them
into typed tuples, lookups and small value objects. Data, diagnose, forecast, review,
report, web and CLI import the terms from here instead of spelling them out, so a new
term (a currency, a group alias, a bloc's spelling) is one edit to one data file, and
tests/test_vocabulary.py fails when a term is written out as a list anywhere else.

This is a base-layer package: it imports nothing else from derisk.
"""

from __future__ import annotations

from derisk.vocabulary._files import DATA_FILES, VocabularyError
from derisk.vocabulary.money import (
    CURRENCIES,
    CURRENCY,
    CURRENCY_TERMS,
    DOLLAR_CURRENCY,
    MONEY_UNITS,
    SIGN_CURRENCY,
    WORD_CURRENCY,
    Currency,
)
from derisk.vocabulary.names import (
    AGENCIES,
    AMBIGUOUS_SYMBOLS,
    BLOCKERS,
    COMPANY_ALIASES,
    FACILITY_SITES,
    GENERIC_FACILITY_WORDS,
)
from derisk.vocabulary.places import (
    BLOC_ARTICLE_ALIASES,
    BLOC_CODES,
    BLOC_REGIONS,
    BLOC_USER_ALIASES,
    COUNTRY_ALIASES,
    HEADLINE_BLOCS,
    REGION_NAMES,
    REGIONS,
    Bloc,
    blocs_from_rows,
)
from derisk.vocabulary.terms import (
    BASES,
    BASIS_DOCS,
    BASIS_TERMS,
    CHECKED_VERDICTS,
    CLAIM_STAGES,
    ELEMENT_CLASSES,
    FACILITY_STAGES,
    FALLBACK_GROUP,
    GROUP_KEY,
    GROUP_KEYS,
    GROUP_PRECEDENCE,
    GROUP_TERMS,
    GROUPS,
    HEADLINE_GROUPS,
    HOLDING_VERDICTS,
    MATERIAL_WORDS,
    MONTH_ABBREVIATIONS,
    MONTH_NUMBER,
    MONTH_TERMS,
    MONTHS,
    SLIP_VERDICTS,
    STAGE_TERMS,
    STAGES,
    UNIT_DECIDED_BASES,
    VERDICT_DOCS,
    VERDICT_TERMS,
    VERDICTS,
    WRONG_VERDICTS,
    BasisName,
    BasisTerm,
    GroupTerm,
    Month,
    StageName,
    StageTerm,
    VerdictName,
    VerdictTerm,
    groups_of,
    month_number,
)


def listing(terms: tuple[str, ...] | list[str], last: str = "") -> str:
    """Terms for a help text or an error message: "a, b, c" or "a, b, c or <last>"."""
    text = ", ".join(terms)
    return f"{text} or {last}" if last else text


__all__ = [
    "AGENCIES",
    "AMBIGUOUS_SYMBOLS",
    "BASES",
    "BASIS_DOCS",
    "BASIS_TERMS",
    "BLOCKERS",
    "BLOC_ARTICLE_ALIASES",
    "BLOC_CODES",
    "BLOC_REGIONS",
    "BLOC_USER_ALIASES",
    "CHECKED_VERDICTS",
    "CLAIM_STAGES",
    "COMPANY_ALIASES",
    "COUNTRY_ALIASES",
    "CURRENCIES",
    "CURRENCY",
    "CURRENCY_TERMS",
    "DATA_FILES",
    "DOLLAR_CURRENCY",
    "ELEMENT_CLASSES",
    "FACILITY_SITES",
    "FACILITY_STAGES",
    "FALLBACK_GROUP",
    "GENERIC_FACILITY_WORDS",
    "GROUPS",
    "GROUP_KEY",
    "GROUP_KEYS",
    "GROUP_PRECEDENCE",
    "GROUP_TERMS",
    "HEADLINE_BLOCS",
    "HEADLINE_GROUPS",
    "MATERIAL_WORDS",
    "MONEY_UNITS",
    "MONTHS",
    "MONTH_ABBREVIATIONS",
    "MONTH_NUMBER",
    "MONTH_TERMS",
    "REGIONS",
    "REGION_NAMES",
    "SIGN_CURRENCY",
    "STAGES",
    "STAGE_TERMS",
    "UNIT_DECIDED_BASES",
    "VERDICTS",
    "VERDICT_DOCS",
    "VERDICT_TERMS",
    "WORD_CURRENCY",
    "WRONG_VERDICTS",
    "HOLDING_VERDICTS",
    "SLIP_VERDICTS",
    "BasisName",
    "BasisTerm",
    "Bloc",
    "Currency",
    "GroupTerm",
    "Month",
    "StageName",
    "StageTerm",
    "VerdictName",
    "VerdictTerm",
    "VocabularyError",
    "blocs_from_rows",
    "groups_of",
    "listing",
    "month_number",
]
