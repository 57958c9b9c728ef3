"""Benchmark: review throughput on 1,000-word articles, one core.

The corpus mixes articles generated from templates with the project's real-shaped test
articles (src/derisk/review/samples/articles: newswire, newsletter, think-tank and trade
styles, with predictions that run the forecast), one in four of the corpus. Throughput
is reported per 1,000 words so articles of other lengths count fairly.

Baseline, measured in the same run: the text stage alone (reading each file and
splitting it into sentences), the least work any review must do. The reviewer's time
is reported as a multiple of it. Articles are generated from templates with a fixed
seed, so every run reviews the same corpus. The last line is the issue's contract.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from derisk.data.store import Store
from derisk.review.reading.text import read_article
from derisk.review.writing.batch import review_corpus
from derisk.review.writing.evaluate import ARTICLES

WORDS = 1000
TEMPLATES = (
    "China controls about {pct}% of rare-earth {stage}, according to {agency}.",
    "In {year} {country} mined {tonnes:,} tonnes of rare-earth oxide.",
    "The Pentagon awarded ${money} million to {company} to expand {stage} in {year}.",
    "{company} expects its plant in {country} to produce {tonnes:,} tonnes of magnets by {year}.",
    "Beijing restricted exports of {count} rare earths, including dysprosium and terbium.",
    "Analysts say prices for NdPr oxide could rise as demand from electric vehicles grows.",
    "We believe the West must move faster on permitting and financing new projects.",
    "Recycling of end-of-life magnets remains small, and substitution is slow.",
    "A price floor of ${floor} per kilogram supports new {stage} capacity outside China.",
    "Heavy rare earths such as dysprosium remain almost entirely processed in China.",
)
FILL = {
    "pct": (60, 70, 85, 90, 92, 99),
    "stage": ("mining", "refining", "separation", "magnet production"),
    "agency": ("the IEA", "USGS", "the European Commission"),
    "year": (2019, 2022, 2024, 2025, 2027, 2030),
    "country": ("Australia", "the United States", "Malaysia", "Myanmar", "Canada"),
    "tonnes": (2_000, 7_000, 29_000, 45_000, 270_000),
    "money": (35, 150, 400, 439),
    "company": ("MP Materials", "Lynas Rare Earths", "Iluka Resources", "Neo Performance"),
    "count": ("seven", "twelve", "five"),
    "floor": (110, 90),
}


def article(rng: random.Random) -> str:
    sentences, words = [], 0
    while words < WORDS:
        template = rng.choice(TEMPLATES)
        text = template.format(**{k: rng.choice(v) for k, v in FILL.items()})
        sentences.append(text)
        words += len(text.split())
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    return "Title: Generated article\n\n" + "\n\n".join(paragraphs) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = []
        real = sorted(p for p in ARTICLES.iterdir() if p.suffix in (".txt", ".md"))
        for i in range(args.articles):
            path = folder / f"a{i:04d}.txt"
            if real and i % 4 == 3:
                source = real[(i // 4) % len(real)]
                path = folder / f"a{i:04d}{source.suffix}"
                path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
            else:
                path.write_text(article(rng), encoding="utf-8")
            paths.append(path)
        words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
        store = Store.open(folder / "bench.duckdb")
        start = time.perf_counter()
        for path in paths:
            read_article(path)
        baseline = time.perf_counter() - start
        # warm-up: builds the lexicon and fact index once, and the cached forecast runs
        # the real articles' predictions ask for
        review_corpus(store, paths[:5] + [p for p in paths if p.suffix == ".md"][:4])
        start = time.perf_counter()
        items = review_corpus(store, paths)
        seconds = time.perf_counter() - start
    failed = sum(1 for i in items if i.critique is None)
    claims = sum(len(i.critique.claims) for i in items if i.critique)
    print(
        f"corpus: {args.articles} articles ({sum(1 for p in paths if int(p.stem[1:]) % 4 != 3)}"
        f" generated of ~{WORDS} words, seed 1; the rest real-shaped), {words:,} words"
    )
    print(f"baseline (read + split sentences): {baseline:.3f} s")
    print(
        f"review: {seconds / baseline:.1f}x the baseline; {claims} claims checked; "
        f"{failed} failed"
    )
    n = len(items)
    print(f"review: articles={n} seconds={seconds:.2f} articles_per_s={n / seconds:.1f}")
    print(f"review: kwords_per_s={words / 1000 / seconds:.1f} (1,000-word articles per second)")


if __name__ == "__main__":
    main()
