"""`derisk review` and `derisk review-evaluate` end to end on the built store: every input
kind, every output format, errors with exit code 2, URLs only with --allow-network (a
real local server proves nothing is fetched otherwise), and batches locally and on Dask."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from fixtures_http import local_server
from fixtures_text import news_page, write_pdf
from typer.testing import CliRunner

from derisk.cli.main import app
from derisk.data.store import Store
from derisk.review.writing.evaluate import evaluate, load_example

runner = CliRunner()

TEXT = (
    "China mines about 69% of the world's rare earths and refines about 90% of them.\n\n"
    "In July 2025 the Pentagon agreed to a $400 million equity investment in MP Materials.\n\n"
    "We believe the West will catch up within a decade.\n"
)
MARKDOWN = (
    "---\ntitle: Magnets and the midstream\ndate: 2025-06-02\n---\n\n"
    "# Magnets and the midstream\n\n"
    "China refines about **90%** of the world's rare earths.\n\n"
    "In April 2025 China imposed export controls on seven rare earths.\n"
)
HTML_HEAD = (
    "<title>Who refines rare earths | Mining Weekly</title>"
    '<meta property="og:title" content="Who refines rare earths">'
    '<meta property="article:published_time" content="2025-07-10T08:00:00+00:00">'
)
HTML_BODY = (
    "<h1>Who refines rare earths</h1>"
    "<p>China refines about 90% of the world's rare earths, while it mines about 69%.</p>"
    "<p>Australia mined 29,000 tonnes of rare-earth oxide in 2024.</p>"
)
PDF_PAGES = [
    [
        "China mines about 69% of the world's rare earths.",
        "",
        "In July 2025 the Pentagon agreed to a $400 million equity investment",
        "in MP Materials.",
    ]
]


def run(*args: str, input: str | bytes | None = None) -> object:  # noqa: A002
    return runner.invoke(app, list(args), input=input)


def review(db: Path, *args: str, input: str | bytes | None = None) -> object:  # noqa: A002
    return run("review", *args, "--db", str(db), input=input)


@pytest.fixture
def articles(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "articles"
    folder.mkdir()
    paths = {
        "txt": folder / "plain.txt",
        "md": folder / "notes.md",
        "html": folder / "page.html",
    }
    paths["txt"].write_text(TEXT, encoding="utf-8")
    paths["md"].write_text(MARKDOWN, encoding="utf-8")
    paths["html"].write_text(news_page(head=HTML_HEAD, article=HTML_BODY), encoding="utf-8")
    return paths


def ok(result: object) -> object:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def error(result: object, *words: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.stderr.lower()
    for word in words:
        assert word.lower() in message, (word, message)
    return message


# -- single articles --------------------------------------------------------------------
def test_text_article_to_markdown_by_default(
    built_store_path: Path, articles: dict[str, Path]
) -> None:
    out = ok(review(built_store_path, str(articles["txt"]))).stdout
    assert out.startswith("# Untitled article\n")
    assert "## Highlights" in out and "## Ratings" in out
    assert "China mines about 69%" in out


def test_markdown_article_to_json_with_front_matter(
    built_store_path: Path, articles: dict[str, Path]
) -> None:
    doc = json.loads(ok(review(built_store_path, str(articles["md"]), "--format", "json")).stdout)
    assert doc["title"] == "Magnets and the midstream"
    assert doc["date"] == "2025-06-02"
    assert doc["source"] == str(articles["md"])
    assert any(c["verdict"] == "supported" for c in doc["claims"])


def test_html_article_takes_its_date_from_the_meta_tags(
    built_store_path: Path, articles: dict[str, Path]
) -> None:
    doc = json.loads(ok(review(built_store_path, str(articles["html"]), "-f", "json")).stdout)
    assert doc["date"] == "2025-07-10"
    assert doc["title"] == "Who refines rare earths"
    assert not any("SCRIPT_PAYLOAD" in c["text"] for c in doc["claims"])
    html = ok(review(built_store_path, str(articles["html"]), "--format", "html")).stdout
    assert html.startswith("<!doctype html>")


def test_pdf_article(built_store_path: Path, tmp_path: Path) -> None:
    pdf = write_pdf(
        tmp_path / "brief.pdf", PDF_PAGES, title="A PDF brief", creation_date="D:20250801120000Z"
    )
    doc = json.loads(ok(review(built_store_path, str(pdf), "--format", "json")).stdout)
    assert (doc["title"], doc["date"]) == ("A PDF brief", "2025-08-01")
    assert {c["verdict"] for c in doc["claims"]} >= {"supported"}
    html = ok(review(built_store_path, str(pdf), "--format", "html")).stdout
    assert html.startswith("<!doctype html>") and "A PDF brief" in html


def test_title_and_date_options_win(built_store_path: Path, articles: dict[str, Path]) -> None:
    doc = json.loads(
        ok(
            review(
                built_store_path,
                str(articles["html"]),
                "-f",
                "json",
                "--title",
                "Mine",
                "--date",
                "2024-01-02",
            )
        ).stdout
    )
    assert (doc["title"], doc["date"]) == ("Mine", "2024-01-02")


def test_standard_input(built_store_path: Path) -> None:
    out = ok(review(built_store_path, "-", "--format", "json", input=TEXT)).stdout
    doc = json.loads(out)
    assert doc["source"] == "-"
    assert [c["text"] for c in doc["claims"]][0].startswith("China mines about 69%")


def test_out_file_is_written_atomically_in_the_format_of_its_suffix(
    built_store_path: Path, articles: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "reviews" / "plain.html"
    target.parent.mkdir()
    target.write_text("an older, longer review that must be replaced entirely " * 50)
    result = ok(review(built_store_path, str(articles["txt"]), "--out", str(target)))
    assert result.stdout == ""
    assert "written" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and text.rstrip().endswith("</html>")
    assert "older, longer" not in text
    assert sorted(p.name for p in target.parent.iterdir()) == ["plain.html"]

    as_json = tmp_path / "reviews" / "plain.json"
    ok(review(built_store_path, str(articles["txt"]), "-o", str(as_json)))
    assert json.loads(as_json.read_text(encoding="utf-8"))["claims"]
    assert not list(target.parent.glob("*.tmp")) and not list(target.parent.glob(".*"))


# -- errors -----------------------------------------------------------------------------
def test_unknown_format_exits_2_with_a_clear_message(
    built_store_path: Path, articles: dict[str, Path]
) -> None:
    message = error(
        review(built_store_path, str(articles["txt"]), "--format", "docx"), "--format", "docx"
    )
    assert "md" in message and "html" in message and "json" in message


def test_bad_date_exits_2_naming_date(built_store_path: Path, articles: dict[str, Path]) -> None:
    error(
        review(built_store_path, str(articles["txt"]), "--date", "10/07/2025"),
        "--date",
        "YYYY-MM-DD",
    )


def test_missing_file_exits_2(built_store_path: Path, tmp_path: Path) -> None:
    error(review(built_store_path, str(tmp_path / "nope.txt")), "not found")


def test_binary_file_exits_2(built_store_path: Path, tmp_path: Path) -> None:
    junk = tmp_path / "image.txt"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    error(review(built_store_path, str(junk)), "binary")


# -- URLs -------------------------------------------------------------------------------
def serve_page(method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
    page = news_page(head=HTML_HEAD, article=HTML_BODY)
    return 200, "text/html; charset=utf-8", page.encode("utf-8")


def test_a_url_without_allow_network_fetches_nothing(built_store_path: Path) -> None:
    with local_server(serve_page) as server:
        result = review(built_store_path, f"{server.url}/news/rare-earths.html")
        error(result, "network")
        assert server.requests == []


def test_a_url_with_allow_network_is_fetched_and_reviewed(built_store_path: Path) -> None:
    with local_server(serve_page) as server:
        result = review(
            built_store_path,
            f"{server.url}/news/rare-earths.html",
            "--allow-network",
            "--format",
            "json",
        )
        doc = json.loads(ok(result).stdout)
        assert [(r.method, r.path) for r in server.requests] == [("GET", "/news/rare-earths.html")]
    assert doc["title"] == "Who refines rare earths"
    assert doc["date"] == "2025-07-10"
    assert doc["source"] == "article.html"


def test_a_url_that_fails_exits_2(built_store_path: Path) -> None:
    with local_server(lambda m, p, b: (404, "text/plain", b"gone")) as server:
        error(review(built_store_path, f"{server.url}/missing", "--allow-network"), "fetch")
        assert len(server.requests) == 1


def test_only_http_urls_are_fetched(built_store_path: Path) -> None:
    error(review(built_store_path, "ftp://example.org/a.txt", "--allow-network"), "http")


# -- batches ----------------------------------------------------------------------------
@pytest.fixture
def corpus(articles: dict[str, Path]) -> Path:
    folder = articles["txt"].parent
    (folder / "scan.txt").write_bytes(b"\x00\x01\x02\x03PK\x03\x04" * 64)  # not an article
    (folder / "ignored.csv").write_text("a,b\n1,2\n")  # not an article suffix: skipped
    return folder


def batch(db: Path, folder: Path, out: Path, *args: str) -> pd.DataFrame:
    result = ok(run("review", str(folder), "--out", str(out), "--db", str(db), *args))
    assert "reviewed 3 of 4 articles" in result.stderr
    return pd.read_csv(out / "summary.csv", keep_default_na=False)


def test_batch_writes_every_format_and_a_summary_with_the_error_row(
    built_store_path: Path, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reviews"
    summary = batch(built_store_path, corpus, out)
    assert len(summary) == 4
    assert sorted(Path(f).name for f in summary["file"]) == [
        "notes.md", "page.html", "plain.txt", "scan.txt",
    ]  # fmt: skip
    errors = dict(zip(summary["file"].map(lambda f: Path(f).name), summary["error"], strict=True))
    assert "binary" in errors.pop("scan.txt")
    assert set(errors.values()) == {""}
    for stem in ("notes", "page", "plain"):
        md = (out / f"{stem}.review.md").read_text(encoding="utf-8")
        assert md.startswith("# ")
        assert (out / f"{stem}.review.html").read_text(encoding="utf-8").startswith("<!doctype")
        doc = json.loads((out / f"{stem}.review.json").read_text(encoding="utf-8"))
        row = summary[summary["file"].map(lambda f: Path(f).stem) == stem].iloc[0]
        # counts are written as integers ("3", not "3.0") even next to the error row
        assert row["claims_checked"] == str(len(doc["claims"]))
        assert row["supported"] == str(sum(c["verdict"] == "supported" for c in doc["claims"]))
        assert row["title"] == doc["title"]
    assert not list(out.glob("scan.review.*"))
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_batch_with_one_format(built_store_path: Path, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "only-json"
    batch(built_store_path, corpus, out, "--format", "json")
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".json", ".json", ".json"]


def test_batch_on_dask_gives_the_same_summary_as_the_local_run(
    built_store_path: Path, corpus: Path, tmp_path: Path
) -> None:
    local = batch(built_store_path, corpus, tmp_path / "local", "--format", "json")
    on_dask = batch(
        built_store_path, corpus, tmp_path / "dask", "--format", "json", "--dask", "local"
    )
    pd.testing.assert_frame_equal(local, on_dask)
    for name in ("notes", "page", "plain"):
        a = json.loads((tmp_path / "local" / f"{name}.review.json").read_text(encoding="utf-8"))
        b = json.loads((tmp_path / "dask" / f"{name}.review.json").read_text(encoding="utf-8"))
        assert a == b


def test_a_folder_without_articles_exits_2(built_store_path: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "data.csv").write_text("a\n1\n")
    error(
        run("review", str(empty), "--out", str(tmp_path / "o"), "--db", str(built_store_path)),
        "no articles",
    )


def test_a_folder_needs_an_out_folder(built_store_path: Path, corpus: Path, tmp_path: Path) -> None:
    error(run("review", str(corpus), "--db", str(built_store_path)), "--out")
    file = tmp_path / "file.txt"
    file.write_text("x")
    error(run("review", str(corpus), "--out", str(file), "--db", str(built_store_path)), "--out")


# -- review-evaluate ----------------------------------------------------------------------
EXAMPLES = {
    "alpha": (
        "# OUTLET/DATE: Mining Weekly, July 2025\n# URL: https://example.org/alpha\n"
        "China mines about 69% of the world's rare earths and refines about 90% of them.\n\n"
        "In July 2025 the Pentagon agreed to a $400 million equity investment in MP "
        "Materials.\n",
        {
            "title": "Alpha on refining",
            "holds_up": ["The 69% mining share matches USGS.", "The $400 million stake is right."],
            "slips": ["It calls 90% of refining a fact without a year."],
            "missing": ["Nothing on recycling or on prices."],
        },
    ),
    "beta": (
        "# OUTLET/DATE: Metals Daily, 3 March 2024\n"
        "China imposed export controls on nine rare earths in April 2025.\n\n"
        "We believe magnets are the real story.\n",
        {
            "title": "Beta on controls",
            "holds_up": [],
            "slips": ["Nine is wrong: the April 2025 list had 7 elements."],
            "missing": ["No word on stockpiles."],
        },
    ),
}


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    folder = tmp_path / "examples"
    folder.mkdir()
    for name, (source, expert) in EXAMPLES.items():
        (folder / f"{name}.source.txt").write_text(source, encoding="utf-8")
        (folder / f"{name}.review.json").write_text(json.dumps(expert), encoding="utf-8")
    return folder


def test_example_header_gives_the_date_and_is_not_article_text(examples: Path) -> None:
    article, expert = load_example(examples / "alpha.source.txt")
    assert article.date == dt.date(2025, 7, 1)
    assert article.title == "Alpha on refining"
    assert "OUTLET" not in article.text and "example.org" not in article.text
    assert load_example(examples / "beta.source.txt")[0].date == dt.date(2024, 3, 3)


def test_review_evaluate_prints_totals_in_json(built_store_path: Path, examples: Path) -> None:
    result = ok(
        run(
            "review-evaluate",
            "--examples",
            str(examples),
            "--format",
            "json",
            "--db",
            str(built_store_path),
        )
    )
    doc = json.loads(result.stdout)
    scores, totals = evaluate(Store(built_store_path), examples)
    assert doc["totals"] == json.loads(json.dumps(totals))
    assert totals["examples"] == 2 and totals["examples_without_text"] == 0
    assert [e["example"] for e in doc["examples"]] == ["alpha", "beta"]
    alpha = doc["examples"][0]
    # What Holds Up names the figures that hold: the 69 % mining share (USGS, on record
    # from MCS 2025 in January 2025) and the $400 million
    assert alpha["holds_up_found"] == "2/2"
    assert doc["examples"][1]["holds_up_found"] == "0/0"
    assert 0 <= totals["holds_up_recall"] <= 1


def test_review_evaluate_table_and_no_examples(
    built_store_path: Path, examples: Path, tmp_path: Path
) -> None:
    table = ok(run("review-evaluate", "--examples", str(examples), "--db", str(built_store_path)))
    assert "alpha" in table.stdout and "beta" in table.stdout
    empty = tmp_path / "none"
    empty.mkdir()
    error(
        run("review-evaluate", "--examples", str(empty), "--db", str(built_store_path)),
        "no examples",
    )
