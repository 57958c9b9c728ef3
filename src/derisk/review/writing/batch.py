"""Review a corpus: every article in a folder, locally or on Dask, one result per file.

A file that cannot be read becomes an error row in the summary instead of stopping the
batch: a corpus scraped from the web always holds a few broken files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from derisk.errors import DeriskError
from derisk.review.writing.critique import Critique, Reviewer
from derisk.vocabulary import VERDICTS

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf")
#: Articles per Dask task: large enough that building a Reviewer per worker is amortised.
TASK_SIZE = 25


@dataclass
class BatchItem:
    path: Path
    critique: Critique | None
    error: str | None = None


def corpus(folder: Path) -> list[Path]:
    """Article files directly in `folder` or below it, in a stable order."""
    folder = Path(folder)
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
    )


def _review_one(reviewer: Reviewer, path: Path) -> BatchItem:
    from derisk.review.reading.text import read_article

    try:
        return BatchItem(path, reviewer.review(read_article(path)))
    except DeriskError as err:
        return BatchItem(path, None, str(err))


_REVIEWERS: dict[str, Reviewer] = {}


def _review_task(store_path: str, paths: list[Path]) -> list[BatchItem]:
    """Runs on a worker: one Reviewer per worker process and store, reused across tasks."""
    from derisk.data.store import Store

    if store_path not in _REVIEWERS:
        _REVIEWERS[store_path] = Reviewer(Store.open(store_path, build=False))
    reviewer = _REVIEWERS[store_path]
    return [_review_one(reviewer, p) for p in paths]


def review_corpus(
    store: object,
    paths: list[Path],
    progress: Callable[[int], None] | None = None,
    dask: str | None = None,
) -> list[BatchItem]:
    """Critiques in the order of `paths`; `dask` is a scheduler address or 'local'."""
    if dask:
        from derisk.parallel import map_ordered

        tasks = [paths[i : i + TASK_SIZE] for i in range(0, len(paths), TASK_SIZE)]
        done = map_ordered(
            dask,
            _review_task,
            tasks,
            str(store.path),  # type: ignore[attr-defined]
            progress=None if progress is None else (lambda i, t: progress(len(t))),
        )
        return [item for chunk in done for item in chunk]
    reviewer = Reviewer(store)
    out = []
    for path in paths:
        out.append(_review_one(reviewer, path))
        if progress:
            progress(1)
    return out


def summary_row(item: BatchItem) -> dict:
    """One line of the batch's summary CSV."""
    row: dict = {"file": str(item.path), "error": item.error or ""}
    c = item.critique
    if c is None:
        return row
    verdicts = [v.verdict for v in c.claims]
    row.update(
        {
            "title": c.title,
            "date": c.date.isoformat() if c.date else "",
            "words": c.word_count,
            "claims_checked": len(verdicts),
            **{v: verdicts.count(v) for v in VERDICTS},
            "missing_topics": "; ".join(t.topic for t in c.missing),
            **{k: r.level for k, r in c.ratings.items()},
        }
    )
    return row
