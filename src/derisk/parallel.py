"""Scale-out on dask.distributed, shared by the forecast and the review batch.

'local' starts an in-process LocalCluster (two single-threaded workers); anything else
is a scheduler address such as tcp://10.0.0.5:8786. Results come back in input order,
whatever order the workers finish in, so a parallel run equals the serial one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


@contextmanager
def dask_client(address: str) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def map_ordered(
    address: str,
    func: Callable[..., Any],
    items: Sequence[Any],
    *shared: Any,
    progress: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """func(shared..., item) for every item on the cluster; `shared` is sent once.

    progress(i, item) is called as each task finishes.
    """
    from distributed import as_completed

    with dask_client(address) as client:
        scattered = [client.scatter(s, broadcast=True) for s in shared]
        futures = [client.submit(func, *scattered, item, pure=False) for item in items]
        order = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for future in as_completed(futures):
            i = order[future.key]
            results[i] = future.result()
            if progress:
                progress(i, items[i])
        return results
