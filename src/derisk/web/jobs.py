"""Background forecast runs for the web: a small thread pool and a registry of jobs.

A forecast of a few thousand draws takes seconds to minutes, too long for one HTTP
request. The API starts a job, returns its id at once, and the client polls for its
status and progress. Results stay in memory for the life of the server (bounded by
MAX_JOBS, oldest finished first). At most ``max_active`` jobs may be queued or running
at once: one more raises :class:`JobLimitError` (the API answers 429), so a client cannot
pile up hours of queued work.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

MAX_JOBS = 50
WORKERS = 2
MAX_ACTIVE = 20


class JobLimitError(Exception):
    """Too many jobs queued or running; try again once one finishes."""

    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"{active} jobs queued or running (at most {limit})")
        self.active = active
        self.limit = limit


@dataclass
class Job:
    id: str
    kind: str
    params: dict[str, Any]
    status: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    error: str | None = None
    result: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def progress(self) -> float:
        return 0.0 if not self.total else min(1.0, self.done / self.total)

    def advance(self, n: int) -> None:
        with self.lock:
            self.done += n


class JobManager:
    """Runs work(job) in a thread and keeps the job for polling."""

    def __init__(
        self, workers: int = WORKERS, max_jobs: int = MAX_JOBS, max_active: int = MAX_ACTIVE
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="derisk-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max(max_jobs, max_active)
        self.max_active = max_active

    def submit(
        self, kind: str, params: dict[str, Any], total: int, work: Callable[[Job], Any]
    ) -> Job:
        job = Job(id=uuid.uuid4().hex[:12], kind=kind, params=params, total=total)
        with self._lock:
            active = sum(j.status in ("queued", "running") for j in self._jobs.values())
            if active >= self.max_active:
                raise JobLimitError(active, self.max_active)
            self._jobs[job.id] = job
            self._evict()
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], Any]) -> None:
        job.status = "running"
        try:
            job.result = work(job)
            job.done = job.total
            job.status = "done"
        except Exception as err:  # noqa: BLE001 - reported to the client, never swallowed
            job.error = f"{type(err).__name__}: {err}"
            job.status = "failed"

    def _evict(self) -> None:
        while len(self._jobs) > self._max:
            finished = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
            if not finished:
                return
            del self._jobs[finished[0]]

    def active(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return sum(j.status in ("queued", "running") for j in self._jobs.values())

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def list(self, kind: str | None = None) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if kind is None or j.kind == kind]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
