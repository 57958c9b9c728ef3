"""One vocabulary (issue 10): every shared term is defined once, in derisk.vocabulary.

The scan below reads every module of src/derisk (the vocabulary's own modules too: they
build their tuples from the data files and write no term out) and fails when a literal
collection or a help-text enumeration spells out several terms of one vocabulary: that
is a second definition, and the copies drift (the currencies had four, already
different). Using a single term ("supported", "EU27") is fine: that is a use, not a
definition. The other tests check the data files themselves.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from derisk import vocabulary as v
from derisk.data.blocs import bloc_objects, bloc_of
from derisk.vocabulary import _files

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "derisk"


@dataclass(frozen=True)
class Vocab:
    """One vocabulary for the scan: its terms and how many make a collection a copy."""

    name: str
    terms: frozenset[str]
    minimum: int
    fold: bool = False  # compare lower-cased (month names)
    mostly: bool = False  # count only collections made mostly of terms (stage words)

    def has(self, text: str) -> bool:
        return (text.lower() if self.fold else text) in self.terms

    def hits(self, strings: list[str]) -> set[str]:
        """The terms among ``strings`` if they make a copy of this vocabulary, else none."""
        found = {s for s in strings if self.has(s)}
        if len(found) < self.minimum:
            return set()
        if self.mostly and 2 * sum(self.has(s) for s in strings) < len(strings):
            return set()  # a keyword list that contains "metal" is not a list of stages
        return found


VOCABS = (
    Vocab("currencies", frozenset(v.MONEY_UNITS), 2),
    Vocab("verdicts", frozenset(v.VERDICTS), 2),
    Vocab(
        "months",
        frozenset(w.lower() for w in (*v.MONTHS, *v.MONTH_ABBREVIATIONS)),
        3,
        fold=True,
    ),
    Vocab("groups", frozenset((*v.GROUPS, *v.GROUP_KEYS)), 2),
    # Stage names are ordinary words ("metal"), and a pair is a selection such as
    # `stage in ("metal", "magnet")`; three or more stage names are a stage list.
    Vocab("stages", frozenset(v.FACILITY_STAGES), 3, mostly=True),
    Vocab("blocs", frozenset(v.BLOC_CODES), 2),
)
#: Modules other changes own while issue 10 lands; each still spells out group names.
#: Convert them to derisk.vocabulary (GROUPS, HEADLINE_GROUPS, ELEMENT_CLASSES,
#: groups_of) and delete the line.
PENDING: dict[str, set[str]] = {}
_ENUMERATION = re.compile(r"\s*(?:,|\|)\s*")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _literal_strings(nodes: list[ast.expr | None]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _collections(tree: ast.AST):
    """(line, strings) of every tuple, list, set and dict (keys and values) in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            yield node.lineno, _literal_strings(list(node.elts))
        elif isinstance(node, ast.Dict):
            yield node.lineno, _literal_strings([*node.keys, *node.values])


def _enumerated(text: str) -> list[str]:
    """The items of a help text such as "REE, LREE, HREE, magnet or a symbol"."""
    head = text.split(" or ")[0]
    items = _ENUMERATION.split(head.strip())
    return items if len(items) > 1 else []


def duplicates(source: str) -> list[tuple[int, str, list[str]]]:
    """(line, vocabulary, terms) for each place ``source`` spells out several terms."""
    tree = ast.parse(source)
    found = []
    for line, strings in _collections(tree):
        for vocab in VOCABS:
            if hits := vocab.hits(strings):
                found.append((line, vocab.name, sorted(hits)))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in skip:
            continue
        words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value)
        for vocab in VOCABS:
            items = _enumerated(node.value)
            hits = vocab.hits(items) if items and all(map(vocab.has, items)) else set()
            # a regex or a sentence that names three months (or two currencies) copies them
            if vocab.name in ("months", "currencies"):
                hits = hits or vocab.hits(words)
            if hits:
                found.append((node.lineno, vocab.name, sorted(hits)))
    return found


MODULES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_defines_a_vocabulary_term_again(path: Path) -> None:
    rel = str(path.relative_to(SRC))
    pending = PENDING.get(rel, set())
    found = [d for d in duplicates(path.read_text(encoding="utf-8")) if d[1] not in pending]
    assert not found, (
        f"{rel} spells out vocabulary terms; import them from derisk.vocabulary "
        f"(or add the term to its data file): {found}"
    )


@pytest.mark.parametrize(
    "source",
    [
        '_CURRENCIES = ("USD", "EUR", "AUD", "CAD", "GBP", "INR", "JPY", "KRW", "CNY")',
        'ok = q.unit in ("USD", "EUR", "AUD", "CAD", "JPY", "GBP", "CNY")',
        '_CURRENCY_WORD = {"eur": "EUR", "cny": "CNY", "jpy": "JPY", "gbp": "GBP"}',
        'VERDICTS = ("supported", "contradicted", "outdated", "unverifiable", "opinion")',
        'slips = [v for v in verdicts if v.verdict in ("contradicted", "outdated")]',
        'MONTHS = ("january", "february", "march", "april")',
        '_HINTS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun")',
        '_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?)"',
        'GROUPS = ("REE", "LREE", "HREE", "magnet")',
        'for key in ("heavy", "magnet_ree", "light", "ndpr"): pass',
        'STAGES = ("mining", "separation", "metal", "magnet")',
        'def f(stage: Literal["mining", "separation", "metal", "magnet"]): pass',
        'BLOC_REGIONS = {"US": ("USA",), "EU27": ("EU",), "JP": ("JPN",)}',
        'Q = Query(None, description="REE, LREE, HREE, magnet or a symbol")',
        'Q = Query(description="US, EU27, JP, KR, UK, CA, AU, IN, CN, ALLIES")',
        'Q = Query(None, description="mining, separation, metal, magnet")',
    ],
)
def test_the_scan_finds_the_copies_issue_10_removed(source: str) -> None:
    assert duplicates(source), source


@pytest.mark.parametrize(
    "source",
    [
        'def f():\n    """Verdicts: supported, contradicted, outdated."""',
        'if stage in ("metal", "magnet"): pass',
        '_STAGE_HINTS = ("min", "ore", "refin", "separa", "metal", "alloy", "magnet", "recycl")',
        'NOTE = "shares at the mining and separation stages, in USD"',
        'if verdict == "supported": pass',
        'DEFAULT = "EU27"',
    ],
)
def test_the_scan_leaves_uses_and_prose_alone(source: str) -> None:
    assert not duplicates(source), source


# -- the data files -----------------------------------------------------------------------
def _definitions() -> list[tuple[str, str, str]]:
    """(file, field, value) of every term a vocabulary file defines (code, key, name)."""
    out = []
    for name in _files.DATA_FILES:
        for value in _files.load(name).values():
            if not isinstance(value, list):
                continue
            for record in value:
                if isinstance(record, dict):
                    out.extend(
                        (name, f, record[f]) for f in ("code", "key", "name") if record.get(f)
                    )
    return out


def test_each_currency_code_and_group_name_has_exactly_one_definition() -> None:
    defined = defaultdict(list)
    for name, field, value in _definitions():
        defined[value].append(f"{name}:{field}")
    for code in v.CURRENCIES:
        assert defined[code] == ["currencies.json:code"], code
    for group in v.GROUP_TERMS:
        names = [n for n in (group.code, group.key) if n]
        for term in names:
            # "magnet" names a stage as well as a group: two terms, one spelling
            expected = ["groups.json:code"] if term == group.code else ["groups.json:key"]
            found = [d for d in defined[term] if d != "stages.json:name" or term != "magnet"]
            assert found == expected, (term, defined[term])


def test_each_file_defines_each_term_once() -> None:
    seen = defaultdict(list)
    for name, field, value in _definitions():
        seen[(name, field, value)].append(value)
    assert not [k for k, vals in seen.items() if len(vals) > 1]


def test_the_python_tuples_follow_the_files() -> None:
    assert v.STAGES == ("mining", "separation", "metal", "magnet")
    assert set(v.STAGES) < set(v.FACILITY_STAGES) and set(v.CLAIM_STAGES) < set(v.FACILITY_STAGES)
    assert set(v.CHECKED_VERDICTS) | {"unverifiable", "opinion"} == set(v.VERDICTS)
    assert set(v.WRONG_VERDICTS) < set(v.CHECKED_VERDICTS)
    assert len(v.MONTHS) == 12 and v.month_number("Sept") == 9
    assert v.month_number("sept", abbreviations=False) is None
    assert v.month_number("May", abbreviations=False) == 5
    assert set(v.ELEMENT_CLASSES) <= set(v.GROUPS) and set(v.HEADLINE_GROUPS) <= set(v.GROUPS)
    assert set(v.GROUP_PRECEDENCE) | {v.FALLBACK_GROUP} == set(v.GROUP_KEYS)
    assert set(v.BASES) >= v.UNIT_DECIDED_BASES


def test_the_layers_read_the_vocabulary_not_copies() -> None:
    from derisk.data import schema
    from derisk.forecast import model, scenario
    from derisk.review.extraction import claims
    from derisk.review.writing import ratings
    from derisk.web import api

    assert schema.STAGES is v.STAGES and schema.GROUPS is v.GROUPS and schema.BASES is v.BASES
    assert scenario.MODEL_STAGES is v.STAGES and scenario.REGIONS is v.REGIONS
    assert model.BLOC_REGIONS is v.BLOC_REGIONS
    assert claims.STAGES is v.CLAIM_STAGES
    assert ratings.CHECKED is v.CHECKED_VERDICTS and ratings.CURRENCIES is v.MONEY_UNITS
    assert api.VERDICTS is v.VERDICTS
    elements = schema.spec("elements").column("ree_group")
    assert elements.choices == (*v.ELEMENT_CLASSES, "none")


def test_every_currency_the_review_reads_counts_as_money() -> None:
    from derisk.review.extraction.claims import parse_quantities

    for text in ("A$50 million", "HK$2 billion", "300 million yuan", "€40m", "5 billion yen"):
        units = [q.unit for q in parse_quantities(text)]
        assert units and all(u in v.MONEY_UNITS for u in units), (text, units)


def test_files_load_and_a_duplicate_key_is_refused() -> None:
    for name in _files.DATA_FILES:
        assert isinstance(_files.load(name), dict)
    with pytest.raises(v.VocabularyError, match="duplicate key 'a'"):
        json.loads('{"a": 1, "a": 2}', object_pairs_hook=_files._unique_keys)
    with pytest.raises(v.VocabularyError):
        _files.load("not-a-file.json")


def test_every_data_file_is_listed_and_shipped() -> None:
    folder = SRC / "vocabulary"
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(_files.DATA_FILES)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "vocabulary/*.json" in pyproject["tool"]["setuptools"]["package-data"]["derisk"]


def _alias_tables() -> dict[str, dict[str, tuple[str, ...]]]:
    """Every alias table: kind -> term -> spellings (the term's own name included)."""
    return {
        "country": dict(v.COUNTRY_ALIASES),
        "bloc": dict(v.BLOC_ARTICLE_ALIASES),
        "group": {g.key: g.aliases for g in v.GROUP_TERMS},
        "agency": {k: (k, *a) for k, a in v.AGENCIES.items()},
        "company": {k: (k, *a) for k, a in v.COMPANY_ALIASES.items()},
        "facility": {site: (site,) for site in v.FACILITY_SITES},
    }


def test_no_alias_names_two_terms() -> None:
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for kind, table in _alias_tables().items():
        for term, spellings in table.items():
            for spelling in spellings:
                owners[" ".join(spelling.lower().split())].add((kind, term))
    clashes = {alias: sorted(who) for alias, who in owners.items() if len(who) > 1}
    assert not clashes
    typed = defaultdict(set)
    for code in v.BLOC_CODES:
        for alias in v.Bloc.from_rows(code, ()).user_aliases:
            typed[alias.upper()].add(code)
    assert all(len(codes) == 1 for codes in typed.values())
    assert set(typed) == set(v.BLOC_USER_ALIASES)
    spellings = defaultdict(set)
    for month in v.MONTH_TERMS:
        for word in (month.name, *month.abbreviations):
            spellings[word.lower()].add(month.number)
    assert all(len(n) == 1 for n in spellings.values())
    signs = defaultdict(set)
    for c in v.CURRENCY_TERMS:
        for sign in c.signs:
            signs[sign.replace(" ", "")].add(c.code)
    assert all(len(codes) == 1 for codes in signs.values())


# -- blocs --------------------------------------------------------------------------------
def test_blocs_get_their_members_from_the_store(session_store) -> None:
    eu = bloc_of(session_store, "eu")
    assert eu.code == "EU27" and len(eu.members) == 27 and eu.has("DEU")
    assert eu.regions == ("EU",) and not eu.single_country
    us = bloc_of(session_store, "usa")
    assert us.code == "US" and us.members == ("USA",) and us.regions == ("USA",)
    assert us.single_country
    every = bloc_objects(session_store)
    assert set(every) == set(v.BLOC_CODES)
    allies = every["ALLIES"]
    assert {"USA", "JPN", "DEU"} <= set(allies.members) and "CHN" not in allies.members
    assert allies.regions == () and "G7" in allies.article_aliases


def test_bloc_members_are_data_not_vocabulary() -> None:
    assert all("members" not in r for r in _files.records("blocs.json", "blocs"))
    rows = [("ALLIES", "USA"), {"bloc": "ALLIES", "country": "NOR"}, ("MINE", "FRA")]
    allies = v.Bloc.from_rows("ALLIES", rows)
    assert allies.members == ("USA", "NOR") and allies.name.startswith("allies")
    mine = v.blocs_from_rows(rows)["MINE"]
    assert (mine.name, mine.members, mine.regions) == ("MINE", ("FRA",), ())


def test_bloc_regions_are_forecast_regions() -> None:
    for code, regions in v.BLOC_REGIONS.items():
        assert set(regions) <= set(v.REGIONS), code
    assert v.REGIONS[0] == "CHN" and v.REGIONS[-1] == "ROW"
    project = (SRC / "data" / "project" / "bloc_members.csv").read_text(encoding="utf-8")
    codes = {line.split(",")[0] for line in project.splitlines()[1:] if line}
    assert codes == set(v.BLOC_CODES)
