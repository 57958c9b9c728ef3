"""`make demo` end to end: the store is built, the diagnosis printed, the report written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from derisk.data.store import Store
from derisk.diagnose.summary import stage_summary


def test_demo_builds_prints_the_diagnosis_and_writes_the_report(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    env = {**os.environ, "DERISK_DB": str(db), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "derisk.demo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    summary = stage_summary(Store(db))
    for row in summary.itertuples():
        assert row.stage in out
        if row.china_share == row.china_share and row.china_share is not None:
            assert f"{row.china_share:.1f}%" in out
            assert row.as_of and str(row.as_of) in out  # each headline says when it is from
    assert "no data" in out  # the metal stage has no sourced share: the demo says so
    assert "Top chokepoints" in out
    assert "Prognosis to 2050" in out
    for name in ("baseline", "export-controls-2025"):
        assert name in out
    for bloc in ("US", "EU27"):
        assert bloc in out
    briefing = tmp_path / "out" / "briefing" / "briefing.html"
    assert briefing.exists() and str(briefing.resolve()) in out.replace("\n", "")
    markdown = (tmp_path / "out" / "briefing" / "briefing.md").read_text(encoding="utf-8")
    assert "## 2. Prognosis to 2050" in markdown and "### export-controls-2025 | EU27" in markdown
    review = tmp_path / "out" / "sample-article.review.md"
    assert review.exists() and "## What Holds Up" in review.read_text(encoding="utf-8")
    assert (tmp_path / "out" / "sample-article.review.html").exists()
    assert "review of the bundled sample article" in out.replace("\n", " ")
