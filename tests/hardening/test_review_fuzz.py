"""Fuzzing the review's readers: any bytes under any name, through the article reader and
on into the claim parser, give an Article (and claims) or an InputError, never anything
else. tests/review/test_claims.py and test_text.py fuzz short texts and HTML tag soup;
this module feeds whole uploads (random bytes, PDF-looking bytes, mixed encodings, every
suffix) and number-heavy prose built to stress the quantity parser.

Settings: 200 examples per property, no deadline.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derisk.data.store import Store
from derisk.errors import InputError
from derisk.review.extraction.claims import extract_claims, parse_quantities
from derisk.review.extraction.lexicon import Lexicon, build_lexicon
from derisk.review.reading.text import Article, read_article_bytes

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def lexicon(built_store_path) -> Lexicon:  # noqa: ANN001 - the session fixture's Path
    return build_lexicon(Store(built_store_path))


NUMBERS = [
    "70%", "69.5 per cent", "$1.5 billion", "US$400m", "€2bn", "¥30,000/t", "5,000 tonnes",
    "between 5,000 and 7,000 t", "80-90%", "80–90 %", "1e308", "9" * 400, "0.0000001",
    "1,2,3,4", ".5", "5.", "½", "١٢٣", "٣٠٪", "１２３", "10x", "fivefold", "three times",
    "2024", "mid-2030s", "Q3 2025", "tpa", "kt", "Mt REO", "t/yr", "per kg", "pp", "−5%",
    "+-", "~", ">=", "at least", "up to", "nearly", "NaN", "inf", "∞", "−", "\u2009",
    "\u00a0", "\u200b", "\ufeff",
]  # fmt: skip
WORDS = [
    "China", "Lynas", "MP Materials", "neodymium", "Dy", "NdPr oxide", "rare earths",
    "mined", "refined", "exports", "quota", "magnets", "capacity", "said", "according to",
    "the same year", "U.S.", "e.g.", "No.", ". ", "? ", "\n\n", "“", "”", "(", ")", "-", "/",
]  # fmt: skip
PROSE = st.lists(
    st.one_of(st.sampled_from(NUMBERS), st.sampled_from(WORDS), st.text(max_size=4)),
    max_size=60,
).map(" ".join)
NAMES = st.one_of(
    st.sampled_from(
        ["a.txt", "a.md", "a.html", "a.htm", "a.pdf", "a.PDF", "a.markdown", "-", "a", "",
         ".", "..", "/", "a.csv", "a.txt.pdf", "dir/a.html", "a\x00.txt", "ä.md"]
    ),
    st.text(max_size=20),
)  # fmt: skip
PDF_HEADER = st.sampled_from(
    [b"%PDF-1.4\n", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\xef\xbb\xbf%PDF-"]
)
BYTES = st.one_of(
    st.binary(max_size=2000),
    PROSE.map(lambda t: t.encode("utf-8")),
    PROSE.map(lambda t: t.encode("utf-16")),
    PROSE.map(lambda t: t.encode("cp1252", errors="replace")),
    st.tuples(PDF_HEADER, st.binary(max_size=600)).map(b"".join),
    PROSE.map(lambda t: f"<html><body><article><p>{t}</p>".encode()),
)


def _check_claims(article: Article, lexicon: Lexicon) -> None:
    for claim in extract_claims(article, lexicon):
        assert claim.text in article.text
        assert claim.entities or claim.quantities


@FUZZ
@given(BYTES, NAMES)
def test_any_upload_is_an_article_or_an_input_error(
    lexicon: Lexicon, data: bytes, name: str
) -> None:
    try:
        article = read_article_bytes(data, name=name)
    except InputError as err:
        assert str(err)
        return
    assert article.word_count > 0 and article.sentences
    _check_claims(article, lexicon)


@FUZZ
@given(PROSE)
def test_number_heavy_prose_never_breaks_the_quantity_parser(lexicon: Lexicon, text: str) -> None:
    for quantity in parse_quantities(text):
        assert quantity.text and quantity.text in text
        if quantity.low is not None:
            assert quantity.high is not None and quantity.low <= quantity.high
    try:
        article = read_article_bytes(text.encode("utf-8"), name="prose.txt")
    except InputError as err:
        assert "empty article" in str(err) or "binary file" in str(err)  # control chars
        return
    _check_claims(article, lexicon)
