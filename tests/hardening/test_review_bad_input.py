"""Bad articles for `derisk review`: each is one line on stderr and exit code 2 (or, for
HTML a browser would still show, a review of what could be read), and nothing changes:
the store's rows and an earlier review under --out stay exactly as they were.

The reader's own tests (tests/review/test_text.py) check the InputError of each format
from Python; here the same classes of input go through the command, with --out pointing
at an earlier review, so the tests also show that a failed run writes nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import shutil
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from conftest import assert_same_content, dump_store
from derisk.cli.main import app
from derisk.data.store import Store
from derisk.review.reading import text as text_module

runner = CliRunner()
REAL_TEXT = "China mines about 69% of the world's rare earths and refines about 90% of them."


def _fixtures_text() -> ModuleType:
    """tests/review/fixtures_text.py (PDF and HTML builders), shared rather than copied."""
    if "fixtures_text" in sys.modules:
        return sys.modules["fixtures_text"]
    path = Path(__file__).parents[1] / "review" / "fixtures_text.py"
    spec = importlib.util.spec_from_file_location("fixtures_text", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["fixtures_text"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def store_path(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("review-bad-input") / built_store_path.name
    shutil.copyfile(built_store_path, target)
    wal = built_store_path.with_name(built_store_path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    path = tmp_path / "reviews" / "earlier.md"
    path.parent.mkdir()
    path.write_text("# An earlier review\n\nIt must survive a failed run.\n")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def review_fails(store: Path, out: Path, *args: str) -> str:
    """`derisk review ARGS --out OUT` exits 2 with one line; store and OUT unchanged."""
    before = dump_store(Store(store))
    digest = _digest(out)
    out_args = [] if "--out" in args else ["--out", str(out)]
    result = runner.invoke(app, ["review", *args, *out_args, "--db", str(store)])
    assert result.exit_code == 2, (args, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert_same_content(before, dump_store(Store(store)))
    assert _digest(out) == digest
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]
    return " ".join(result.stderr.split())


def _truncated_pdf(folder: Path) -> Path:
    data = _fixtures_text().pdf_bytes([[REAL_TEXT]], title="T")
    path = folder / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    return path


def _encrypted_pdf(folder: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = _fixtures_text().pdf_bytes([[REAL_TEXT]])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = folder / "locked.pdf"
    path.write_bytes(buffer.getvalue())
    return path


def _file(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return make


def _folder_without_articles(folder: Path) -> Path:
    path = folder / "no-articles"
    path.mkdir()
    (path / "table.csv").write_text("a,b\n1,2\n")
    (path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return path


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4

# (id, make the input in a folder, extra arguments, words in the one-line message)
ARTICLE_CASES = [
    ("truncated-pdf", _truncated_pdf, [], ["truncated.pdf", "cannot read PDF", "a valid PDF"]),
    ("encrypted-pdf", _encrypted_pdf, [], ["locked.pdf", "encrypted PDF", "unencrypted"]),
    ("binary-file", _file("scan.txt", PNG), [], ["scan.txt", "binary file, not an article"]),
    ("binary-without-suffix", _file("blob", PNG), [], ["blob", "binary file"]),
    ("empty-file", _file("empty.txt", b""), [], ["empty.txt", "empty article"]),
    (
        "html-tags-but-no-text",
        _file("tags.html", "<html><div><p></b></i></p><script>var x = 1;</script></html>"),
        [],
        ["tags.html", "empty article"],
    ),
    (
        "unsupported-type",
        _file("sheet.xlsx", "PK not really a spreadsheet"),
        [],
        ["sheet.xlsx", "unsupported file type", ".xlsx", "PDF (.pdf)"],
    ),
    (
        "a-folder-without-articles",
        _folder_without_articles,
        ["--out", "{tmp}/batch"],
        ["no-articles", "no articles in the folder", ".txt .md .html .pdf"],
    ),
    ("missing-file", lambda folder: folder / "nope.txt", [], ["nope.txt", "file not found"]),
    ("empty-path", lambda folder: "", [], ["PATH", "no article given"]),
    (
        "url-without-allow-network",
        lambda folder: "http://192.0.2.1/news/rare-earths.html",  # TEST-NET-1: unroutable
        [],
        ["network access is off", "--allow-network", "192.0.2.1"],
    ),
    (
        "out-is-a-folder",
        _file("ok.txt", REAL_TEXT),
        ["--out", "{tmp}/reviews"],
        ["reviews", "--out is a folder"],
    ),
    (
        "out-under-a-file",
        _file("ok.txt", REAL_TEXT),
        ["--out", "{tmp}/reviews/earlier.md/new.md"],
        ["earlier.md", "a file is in the way"],
    ),
    (
        "out-is-a-pipe",
        _file("ok.txt", REAL_TEXT),
        ["--out", "{tmp}/pipe.md"],
        ["pipe.md", "not a regular file"],
    ),
]


@pytest.mark.parametrize(
    ("make", "args", "words"),
    [case[1:] for case in ARTICLE_CASES],
    ids=[case[0] for case in ARTICLE_CASES],
)
def test_bad_article(
    make: Callable[[Path], Path | str],
    args: list[str],
    words: list[str],
    tmp_path: Path,
    store_path: Path,
    earlier: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*a: object, **k: object) -> None:
        raise AssertionError("derisk review opened a URL without --allow-network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    os.mkfifo(tmp_path / "pipe.md")
    target = str(make(inputs))
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    message = review_fails(store_path, earlier, target, *args)
    for word in words:
        assert word in message, (word, message)
    assert not (tmp_path / "batch").exists()  # a failed batch creates no --out folder


def test_huge_article_is_refused_before_it_is_read(
    tmp_path: Path, store_path: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_module, "MAX_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text((REAL_TEXT + " ") * 20)
    read_bytes = Path.read_bytes
    loaded = []

    def spy(self: Path) -> bytes:
        if self == big:
            loaded.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    message = review_fails(store_path, earlier, str(big))
    assert "big.txt" in message and "article too large" in message
    assert "at most 1000 bytes" in message and f"{big.stat().st_size} bytes" in message
    assert loaded == []  # refused on its size, never loaded


@pytest.mark.parametrize(
    "page",
    [
        f"<html><body><div><p>{REAL_TEXT}</span></b><p>Unclosed <b>bold <i>italic",
        f"</div></p></body><p>{REAL_TEXT}</p></html></html></article>",
        f"<p>{REAL_TEXT}<!weird declaration> <![CDATA[x]] <a href='x' ",
    ],
    ids=["unclosed-tags", "stray-end-tags", "broken-declarations"],
)
def test_malformed_html_is_reviewed_from_what_can_be_read(
    page: str, tmp_path: Path, store_path: Path
) -> None:
    """A browser shows these pages, so derisk reviews them too rather than failing."""
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    out = tmp_path / "review.json"
    before = dump_store(Store(store_path))
    result = runner.invoke(app, ["review", str(path), "--out", str(out), "--db", str(store_path)])
    assert result.exit_code == 0, result.output
    assert "69%" in out.read_text(encoding="utf-8")
    assert_same_content(before, dump_store(Store(store_path)))
