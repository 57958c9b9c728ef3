"""Benchmark: store build and the diagnosis, as ratios against a baseline in the same run.

Baseline: reading every packaged CSV with pandas (the least work any loader must do).
Run with `make bench`; timings never live in tests.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from derisk.data.store import CURATED_DIR, Store
from derisk.diagnose.chokepoints import chokepoints
from derisk.diagnose.concentration import concentration
from derisk.diagnose.dependency import dependency


def _median_seconds(func: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        baseline = _median_seconds(lambda: [pd.read_csv(p) for p in CURATED_DIR.glob("*.csv")])
        cases = {
            "build": lambda: store.build(),
            "concentration": lambda: concentration(store),
            "dependency_US": lambda: dependency(store, "US"),
            "chokepoints_US": lambda: chokepoints(store, "US"),
        }
        store.build()
        print(f"baseline read_csv of packaged data: {baseline * 1000:.1f} ms")
        for name, func in cases.items():
            seconds = _median_seconds(func)
            print(f"{name}: {seconds * 1000:.1f} ms  ratio_vs_baseline={seconds / baseline:.1f}")


if __name__ == "__main__":
    main()
