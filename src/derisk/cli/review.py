"""`derisk review`: one article to stdout or a file, or a whole folder with a summary CSV."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from derisk.cli.main import DbOption, _guard, _store, app, err_console
from derisk.errors import InputError

REVIEW_FORMATS = ("md", "html", "json")
ACCEPTED_PATHS = "an article file, '-' for standard input, a folder, or a URL"
SUFFIX_FORMAT = {".md": "md", ".html": "html", ".htm": "html", ".json": "json"}


def _format_for(fmt: str | None, out: Path | None) -> str:
    if fmt is None:
        fmt = SUFFIX_FORMAT.get(out.suffix.lower(), "md") if out else "md"
    if fmt not in REVIEW_FORMATS:
        raise InputError(
            "unknown review format",
            column="--format",
            expected=" | ".join(REVIEW_FORMATS),
            found=fmt,
        )
    return fmt


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column="--date", expected="YYYY-MM-DD", found=text) from None


def _article(path: str, title: str | None, date: dt.date | None, allow_network: bool):  # noqa: ANN202
    from derisk.review.reading.fetch import fetch, is_url
    from derisk.review.reading.text import read_article, read_article_bytes

    if is_url(path) or "://" in path:
        body, name = fetch(path, allow_network)
        return read_article_bytes(body, name=name, title=title, date=date)
    return read_article(path, title=title, date=date)


@app.command("review")
@_guard
def review_cmd(
    path: Annotated[
        str, typer.Argument(help="Article file (.txt .md .html .pdf), '-', a folder, or a URL.")
    ],
    date: Annotated[
        str | None, typer.Option(help="Article date YYYY-MM-DD (else from metadata).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Article title (else from metadata).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="md, html or json.")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File, or folder for a batch.")
    ] = None,
    allow_network: Annotated[
        bool, typer.Option("--allow-network", help="Allow fetching a URL.")
    ] = False,
    llm: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint to polish the prose.")
    ] = None,
    llm_model: Annotated[str, typer.Option(help="Model name sent to --llm.")] = "default",
    dask: Annotated[
        str | None, typer.Option(help="Batch on Dask: scheduler address or 'local'.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Critique a rare-earth article: claims checked against the data, omissions, ratings."""
    from derisk.forecast.output import check_writable_target
    from derisk.report.review import render

    when = _date(date)
    if not path.strip():
        raise InputError("no article given", column="PATH", expected=ACCEPTED_PATHS, found=path)
    source = Path(path)
    if path != "-" and source.is_dir():
        _batch(source, out, fmt, db, dask, llm, llm_model)
        return
    fmt = _format_for(fmt, out)
    if out is not None:
        check_writable_target(out)  # before the review, not after it
    from derisk.review.writing.critique import Reviewer

    article = _article(path, title, when, allow_network)
    critique = Reviewer(_store(db)).review(article)
    if llm:
        from derisk.review.writing.llm import polish

        critique = polish(critique, llm, llm_model)
    text = render(critique, fmt)
    if out is None:
        sys.stdout.write(text)
        return
    _write(out, text)
    err_console.print(f"review written to {out}")


def _write(path: Path, text: str) -> None:
    """Write through a temporary file so a crash never leaves half a review behind.

    A full disk or a folder we may not write is one InputError naming the file.
    """
    from derisk.forecast.output import write_atomically

    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _batch(
    folder: Path,
    out: Path | None,
    fmt: str | None,
    db,
    dask,
    llm,
    llm_model,  # noqa: ANN001
) -> None:
    import pandas as pd
    from rich.progress import Progress

    from derisk.report.review import render
    from derisk.review.writing.batch import corpus, review_corpus, summary_row

    if out is None:
        raise InputError("a folder needs --out DIR for the reviews", column="--out")
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a folder for a batch", column="--out", found=str(out))
    from derisk.forecast.output import check_writable_target

    check_writable_target(out / "summary.csv")  # a file in the way, or a read-only folder
    formats = [_format_for(fmt, None)] if fmt else list(REVIEW_FORMATS)
    paths = corpus(folder)
    if not paths:
        raise InputError(
            "no articles in the folder",
            file=str(folder),
            expected="files ending .txt .md .html .pdf",
        )
    store = _store(db)
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(f"reviewing {len(paths)} articles", total=len(paths))
        items = review_corpus(store, paths, progress=lambda n: bar.advance(task, n), dask=dask)
    rows = []
    for item in items:
        if item.critique is not None:
            critique = item.critique
            if llm:
                from derisk.review.writing.llm import polish

                critique = polish(critique, llm, llm_model)
            stem = item.path.relative_to(folder).with_suffix("")
            for f in formats:
                _write(out / f"{stem}.review.{f}", render(critique, f))
        rows.append(summary_row(item))
    summary = out / "summary.csv"
    # convert_dtypes: counts stay integers ("2", not "2.0") when an error row leaves
    # them empty
    table = pd.DataFrame.from_records(rows).convert_dtypes()
    _write(summary, table.to_csv(index=False))
    failed = sum(1 for r in rows if r["error"])
    err_console.print(
        f"reviewed {len(rows) - failed} of {len(rows)} articles; summary: {summary}"
        + (f" ({failed} could not be read: see the error column)" if failed else "")
    )


@app.command("review-evaluate")
@_guard
def review_evaluate(
    examples: Annotated[
        Path, typer.Option(help="Folder of *.source.txt + *.review.json expert critiques.")
    ] = Path("../shared/review_examples"),
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    sets: Annotated[
        str,
        typer.Option(
            "--set",
            help="Example set(s) to score: expert (--examples), articles (derisk's own "
            "labelled test articles) or all.",
        ),
    ] = "all",
    articles: Annotated[
        Path | None, typer.Option(help="Folder of labelled articles (default: packaged).")
    ] = None,
) -> None:
    """Measure derisk's critiques against expert ones and against its labelled articles."""
    import json

    import pandas as pd

    from derisk.cli.output import emit
    from derisk.review.writing import evaluate as ev

    choices = ("all", "expert", "articles")
    if sets not in choices:
        raise InputError(
            "unknown example set", column="--set", expected=" | ".join(choices), found=sets
        )
    store = _store(db)
    doc: dict = {"sets": {}}
    tables = []
    if sets in ("all", "expert"):
        scores, totals = ev.evaluate(store, examples)
        rows = ev.example_rows(scores)
        doc.update(examples=rows, totals=totals)
        doc["sets"]["expert"] = ev.measures(totals)
        tables.append((rows, "review evaluation against expert critiques", totals))
    if sets in ("all", "articles"):
        scores, totals = ev.evaluate_articles(store, articles or ev.ARTICLES)
        rows = ev.article_rows(scores)
        doc.update(articles=rows, articles_totals=totals)
        doc["sets"]["articles"] = ev.measures(totals)
        tables.append((rows, "review evaluation on derisk's labelled articles", totals))
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
        return
    for rows, title, totals in tables:
        emit(
            # the falsely contradicted sentences are too long for a terminal table (JSON has them)
            pd.DataFrame.from_records(rows).drop(columns=["falsely_contradicted"], errors="ignore"),
            "table",
            title=title,
            notes=[f"{k}: {v}" for k, v in totals.items()],
        )
    # "" where a set cannot say (the expert examples plant no errors), so counts stay ints
    summary = [
        {"set": name, **{k: "" if v is None else v for k, v in values.items()}}
        for name, values in doc["sets"].items()
    ]
    emit(pd.DataFrame.from_records(summary), "table", title="measures per example set")
