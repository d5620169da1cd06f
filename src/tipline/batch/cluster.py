"""A Dask client: a LocalCluster of worker processes, or a running scheduler by address.

Dask rather than Ray or Spark: it is pure Python and light (no JVM, no object store daemon),
and a function submitted to a LocalCluster runs unchanged on a `dask scheduler` cluster.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tipline.errors import TiplineError

if TYPE_CHECKING:
    from distributed import Client

CONNECT_TIMEOUT_S = 10.0


class ClusterError(TiplineError):
    """No Dask cluster to run on: the address does not answer, or too few workers joined."""


def local_workers(requested: int | None) -> int:
    return requested if requested else max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(address: str | None, workers: int | None,
                timeout_s: float = CONNECT_TIMEOUT_S) -> Iterator[Client]:
    """Without `address`, `workers` single-threaded processes on this machine (one per core by
    default: the analyzer is CPU-bound Python). With one, the scheduler there; `workers` then
    says how many of its workers to wait for."""
    from distributed import Client, LocalCluster

    if address is None:
        cluster = LocalCluster(n_workers=local_workers(workers), threads_per_worker=1,
                               processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout=timeout_s)
    except ValueError as exc:
        raise ClusterError(f"--address {address!r} is not a Dask scheduler address ({exc}); "
                           "write it as tcp://host:8786") from None
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach a Dask scheduler at {address} within {timeout_s:g} s ({exc}); "
            f"start one with `dask scheduler` and workers with `dask worker {address}`, "
            "or leave out --address to run on this machine") from None
    try:
        if workers:
            try:
                client.wait_for_workers(workers, timeout=timeout_s)
            except TimeoutError:
                raise ClusterError(
                    f"the Dask scheduler at {address} has {len(client.nthreads())} worker(s); "
                    f"--workers asked for {workers} within {timeout_s:g} s") from None
        if not client.nthreads():
            raise ClusterError(f"the Dask scheduler at {address} has no workers; start some "
                               f"with `dask worker {address}`")
        yield client
    finally:
        client.close()


def total_threads(client: Client) -> int:
    return max(1, sum(client.nthreads().values()))
