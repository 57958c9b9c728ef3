"""Faults while `derisk review --out` writes: a full disk, no permission, a size limit.

A review is written to a hidden temporary file next to the target and renamed onto it
(derisk.forecast.output.write_atomically), so a failed write is one line on stderr naming
the file and the cause, exit code 2, and the earlier review under that name unchanged.
The full disk is the kernel's own ENOSPC from /dev/full; the size limit is a real
RLIMIT_FSIZE on a subprocess; a refused permission is simulated (tests run as root).
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import assert_same_content, dump_store
from derisk.cli.main import app
from derisk.data.store import Store

runner = CliRunner()
ARTICLE = (
    "China mines about 69% of the world's rare earths and refines about 90% of them.\n\n"
    "In July 2025 the Pentagon agreed to a $400 million equity investment in MP Materials.\n"
)


@pytest.fixture(scope="module")
def store_path(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("review-faults") / built_store_path.name
    shutil.copyfile(built_store_path, target)
    wal = built_store_path.with_name(built_store_path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fail_temp_writes(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Path.write_text fails on derisk's temporary files: ENOSPC from /dev/full, or EACCES."""
    real = Path.write_text

    def write_text(self: Path, text: str, *args: object, **kwargs: object) -> int:
        if ".tmp-" not in self.name:
            return real(self, text, *args, **kwargs)
        if how == "eacces":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        real(self, text[: len(text) // 2], *args, **kwargs)  # half the review is on disk
        with open("/dev/full", "w", encoding="utf-8") as full:  # noqa: PTH123
            full.write(text)  # the kernel says: No space left on device
        raise AssertionError("/dev/full accepted a write")

    monkeypatch.setattr(Path, "write_text", write_text)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("how", "cause"), [("enospc", "No space left on device"), ("eacces", "Permission denied")]
)
def test_one_review_that_cannot_be_written(
    how: str,
    cause: str,
    tmp_path: Path,
    store_path: Path,
    article: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "reviews" / "article.html"
    out.parent.mkdir()
    out.write_text("<p>an earlier review</p>")
    earlier = _digest(out)
    before = dump_store(Store(store_path))
    _fail_temp_writes(monkeypatch, how)
    result = runner.invoke(
        app, ["review", str(article), "--out", str(out), "--db", str(store_path)]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == f"error: {out}: cannot write the file: {cause}"
    assert _digest(out) == earlier
    assert sorted(p.name for p in out.parent.iterdir()) == ["article.html"]
    assert_same_content(before, dump_store(Store(store_path)))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_batch_that_runs_out_of_space(
    tmp_path: Path, store_path: Path, article: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = article.parent
    out = tmp_path / "batch"
    out.mkdir()
    (out / "article.review.md").write_text("an earlier review")
    earlier = _digest(out / "article.review.md")
    _fail_temp_writes(monkeypatch, "enospc")
    result = runner.invoke(
        app, ["review", str(folder), "--out", str(out), "--format", "md", "--db", str(store_path)]
    )
    assert result.exit_code == 2, result.output
    target = out / "article.review.md"
    assert (
        result.stderr.strip() == f"error: {target}: cannot write the file: No space left on device"
    )
    assert _digest(target) == earlier
    assert sorted(p.name for p in out.iterdir()) == ["article.review.md"]


def test_a_file_size_limit_is_one_line_and_keeps_the_earlier_review(
    tmp_path: Path, store_path: Path, article: Path
) -> None:
    """A real refusal by the system: RLIMIT_FSIZE makes the write fail with EFBIG."""
    out = tmp_path / "article.md"
    out.write_text("an earlier review\n")
    earlier = _digest(out)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))  # a review is ~2 kB

    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from derisk.cli.main import main; sys.argv[0] = 'derisk'; main()",
            "review",
            str(article),
            "--out",
            str(out),
            "--db",
            str(store_path),
        ],  # fmt: skip
        capture_output=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=limit,  # noqa: PLW1509 - only sets a resource limit
        timeout=300,
        check=False,
    )
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert stderr.strip() == f"error: {out}: cannot write the file: File too large"
    assert _digest(out) == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.md", "article.txt"]
