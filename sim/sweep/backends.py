"""The executors a sweep runs on: this process, a local process pool, or a Dask cluster.

Each is a standard ``concurrent.futures.Executor`` wrapped in a ``Backend`` that also says how
many tasks it can run at once and how many workers it has right now (a Dask cluster's workers
come and go; a local pool's are fixed).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sim.errors import FrontlineError

__all__ = ["DASK_CONNECT_TIMEOUT", "Backend", "SerialExecutor", "default_workers",
           "open_backend"]

DASK_CONNECT_TIMEOUT = "10s"
ORPHAN_CHECK_SECONDS = 1.0


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor(Executor):
    """An executor that runs each task in this process as it is submitted (``--workers 1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn`` now; the returned future is already done."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass
class Backend:
    """An executor plus what the sweep needs to know about it.

    Attributes:
        executor: where tasks are submitted.
        slots: tasks it runs at once (for a Dask cluster: when the sweep started).
        label: how the sweep names it (``on 2 local worker processes``).
        cancel: stop it at once (cancel what is queued).
        capacity: ``(workers, slots)`` now; a Dask cluster asks its scheduler.
        scheduler: the Dask scheduler's address ("" for local backends).
    """

    executor: Executor
    slots: int
    label: str
    cancel: Callable[[], None] = lambda: None
    capacity: Callable[[], tuple[int, int]] | None = None
    scheduler: str = ""

    def now(self) -> tuple[int, int]:
        """``(workers, slots)`` at this moment (fixed for local backends)."""
        return self.capacity() if self.capacity is not None else (self.slots, self.slots)


def _init_worker(parent: int) -> None:
    """Worker initializer: leave Ctrl-C to the parent, and exit if the parent dies.

    The parent saves finished chunks and stops the pool on Ctrl-C (and on SIGTERM; a worker
    must still end on SIGTERM, which is how the pool stops its workers once it is broken).
    If the parent is killed outright
    (SIGKILL, out of memory) nothing tells an idle worker, which would wait forever; a daemon
    thread notices the worker has been orphaned and ends it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


@contextmanager
def open_backend(workers: int | None = None, dask: str | None = None,
                 max_useful: int | None = None) -> Iterator[Backend]:
    """The executor for ``--workers`` / ``--dask``; shut down (and a LocalCluster closed) after.

    Args:
        workers: local processes (default: every core); with ``dask="local"``, the
            LocalCluster's workers; 1 runs in this process.
        dask: a scheduler address (``tcp://host:8786``), or ``"local"`` for a LocalCluster.
        max_useful: start no more local processes than this (the number of tasks).

    Raises:
        FrontlineError: a bad worker count, or the Dask scheduler cannot be reached.
    """
    if workers is not None and workers < 1:
        raise FrontlineError(f"--workers must be at least 1, got {workers}")
    n = workers or default_workers()
    if dask is None:
        n = max(1, min(n, max_useful or n))
        if n == 1:
            yield Backend(SerialExecutor(), 1, "in this process")
            return
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(os.getpid(),))
        try:
            yield Backend(pool, n, f"on {n} local worker processes",
                          lambda: pool.shutdown(wait=False, cancel_futures=True))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    with _dask_client(dask, n) as (client, label):
        executor = client.get_executor(pure=False)

        def capacity() -> tuple[int, int]:
            threads = client.nthreads()
            return len(threads), sum(threads.values())

        workers, threads = capacity()
        slots = max(1, threads)
        try:
            yield Backend(executor, slots, f"on {label} ({workers} workers, {threads} "
                          "threads)", lambda: executor.shutdown(wait=False), capacity,
                          client.scheduler.address)
        finally:
            executor.shutdown(wait=False)


@contextmanager
def _dask_client(address: str, workers: int) -> Iterator[tuple[Any, str]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise FrontlineError("--dask needs dask[distributed]: pip install "
                             "'dask[distributed]'") from None
    if address == "local":
        # The cluster's processes inherit an ignored SIGINT: Ctrl-C is ours to handle (save,
        # then close the cluster), not a traceback from every worker.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", silence_logs=logging.ERROR,
                                   # no dashboard; the scheduler's HTTP endpoint on any free
                                   # loopback port, not 8787 (which may be taken)
                                   dashboard_address="127.0.0.1:0",
                                   scheduler_kwargs={"dashboard": False})
        finally:
            signal.signal(signal.SIGINT, previous)
        try:
            with Client(cluster) as client:
                yield client, f"a Dask LocalCluster of {workers} workers"
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except TypeError as exc:  # tls:// without certificates: distributed's TypeError
        raise FrontlineError(
            f"cannot connect to the Dask scheduler at {address}: {exc}; a tls:// address "
            "needs the cluster's certificates in Dask's configuration (distributed.comm.tls: "
            "ca-file, and client cert and key; e.g. in ~/.config/dask/distributed.yaml or "
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE)") from None
    except (OSError, TimeoutError, ValueError) as exc:
        raise FrontlineError(f"cannot connect to the Dask scheduler at {address}: {exc}; is "
                             "it running (dask scheduler), and is the address right?") from None
    try:
        yield client, f"the Dask cluster at {address}"
    finally:
        client.close()
