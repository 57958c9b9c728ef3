"""Benchmark: the dashboard's JSON endpoints under 50 concurrent clients.

The server is `create_app` on a freshly built store in a temporary folder, run by uvicorn
in a child process on a loopback port (so the clients do not share its interpreter). The
clients are asyncio streams on keep-alive HTTP/1.1 connections (no client library): 50 of
them send REQUESTS requests between them, spread evenly over ENDPOINTS in turn. Before the
measured run each endpoint is asked once (its first, uncached answer is reported apart);
the baseline, in the same run, is the same mix from one client, and the ratios compare
the 50-client figures with it.

Target: p99 <= 200 ms over the 50-client run, with no errors. The last line reads
`load: clients=50 requests=N errors=E p50_ms=A p99_ms=B`.

Run with `python benchmarks/load.py [--clients 50] [--requests 5000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ENDPOINTS = (
    "/api/diagnose/concentration",
    "/api/diagnose/dependency?bloc=US",
    "/api/diagnose/chokepoints",
    "/api/data/facilities?limit=100",
    "/api/sources",
    "/api/scenarios",
)
TARGET_P99_MS = 200.0


# -- the server (child process) ---------------------------------------------------------------
def serve(db: str) -> None:
    """Child: build the store, serve it on a free loopback port, print the URL, wait."""
    import logging

    from derisk.data.store import Store
    from derisk.web.app import create_app
    from derisk.web.server import background_server

    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    Store.open(db)  # builds the store on first use
    with background_server(create_app(db), log_level="warning") as url:
        print(url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


@contextlib.contextmanager
def server(db: Path):
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = child.stdout.readline().strip() if child.stdout else ""
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError("the server did not start")
        yield url
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()


# -- the clients --------------------------------------------------------------------------------
class Connection:
    """One keep-alive HTTP/1.1 connection; get() returns (status, seconds)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, float]:
        start = time.perf_counter()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Accept: application/json\r\n\r\n".encode()
        )
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), 0))
        await self.reader.readexactly(length)
        if any(k.lower() == "connection" and v.lower() == "close" for k, v in headers.items()):
            await self.close()
        return status, time.perf_counter() - start

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def drive(url: str, clients: int, total: int, paths: tuple[str, ...]) -> dict:
    """``total`` requests from ``clients`` connections; latencies (s) per path, errors."""
    host, port = url.removeprefix("http://").split(":")
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    counter = iter(range(total))

    async def client() -> None:
        conn = Connection(host, int(port))
        try:
            for i in counter:
                path = paths[i % len(paths)]
                try:
                    status, seconds = await conn.get(path)
                except (OSError, asyncio.IncompleteReadError, ValueError) as err:
                    errors.append(f"{path}: {type(err).__name__}")
                    await conn.close()
                    continue
                latencies[path].append(seconds)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
        finally:
            await conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return {"latencies": latencies, "errors": errors, "seconds": time.perf_counter() - start}


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] * 1000


def report(title: str, run: dict) -> tuple[float, float, float]:
    every = [s for values in run["latencies"].values() for s in values]
    throughput = len(every) / run["seconds"]
    print(f"{title}: {len(every)} requests in {run['seconds']:.2f} s = {throughput:,.0f} req/s, "
          f"errors {len(run['errors'])}")  # fmt: skip
    for path, values in run["latencies"].items():
        print(f"  {path:40} n={len(values):5}  p50 {pct(values, 50):7.1f} ms  "
              f"p99 {pct(values, 99):7.1f} ms  max {max(values) * 1000:7.1f} ms")  # fmt: skip
    p50, p99 = pct(every, 50), pct(every, 99)
    print(f"  {'all':40} n={len(every):5}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    return throughput, p50, p99


async def main_async(url: str, clients: int, total: int) -> str:
    cold = await drive(url, 1, len(ENDPOINTS), ENDPOINTS)  # first answers: computed, uncached
    print("first request per endpoint (computed, then kept):")
    for path, values in cold["latencies"].items():
        print(f"  {path:40} {values[0] * 1000:8.1f} ms")
    base_total = 100 * len(ENDPOINTS)
    baseline = await drive(url, 1, base_total, ENDPOINTS)
    base_tp, base_p50, base_p99 = report("baseline, 1 client, same mix", baseline)
    floor = await drive(url, clients, total, ("/api",))
    _, _, floor_p99 = report(f"reference, {clients} clients, trivial /api", floor)
    run = await drive(url, clients, total, ENDPOINTS)
    tp, p50, p99 = report(f"load, {clients} clients", run)
    print(f"ratios vs 1 client: throughput x{tp / base_tp:.1f}, p50 x{p50 / base_p50:.1f}, "
          f"p99 x{p99 / base_p99:.1f}; p99 vs trivial /api x{p99 / floor_p99:.1f}")  # fmt: skip
    errors = run["errors"] + cold["errors"] + baseline["errors"] + floor["errors"]
    if errors:
        print("errors:", ", ".join(sorted(set(errors))[:10]))
    verdict = "met" if p99 <= TARGET_P99_MS and not errors else "MISSED"
    print(f"target p99 <= {TARGET_P99_MS:.0f} ms with 0 errors: {verdict}")
    return (f"load: clients={clients} requests={sum(len(v) for v in run['latencies'].values())} "
            f"errors={len(run['errors'])} p50_ms={p50:.1f} p99_ms={p99:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp) / "load.duckdb") as url:
        print(f"server {url} (uvicorn, one process), store built in {tmp}")
        last = asyncio.run(main_async(url, args.clients, args.requests))
    print(last)


if __name__ == "__main__":
    main()
