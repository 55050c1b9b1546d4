"""Where runs execute: a local pool (default) or a Dask cluster.

Both executors call the same :func:`~ormodel.bench.isolation.execute_task`, so every run is its
own process with its own limits wherever it runs; an executor only decides *where* and *how many
at a time*. Results come back to the process that started the benchmark, which alone writes the
result table (no concurrent appends, so local and Dask runs produce the same table).

* :class:`LocalExecutor` — a thread pool of ``jobs`` threads, each waiting on one run process.
* :class:`DaskExecutor` — ``dask.distributed``: connects to a running scheduler (``address``, e.g.
  ``tcp://head:8786`` of a ``dask scheduler`` / ``dask worker`` cluster or a dask-jobqueue SLURM/PBS
  cluster), or starts a :class:`distributed.LocalCluster` on this machine. Each task occupies one
  worker thread for the duration of its run process.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from ormodel.bench.isolation import execute_task, kill_active_runs

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "make_executor"]

Task = dict[str, Any]
Row = dict[str, Any]


class Executor(Protocol):
    """Runs tasks and yields result rows as they finish."""

    name: str

    def run(self, tasks: Iterable[Task]) -> Iterator[Row]:
        """Yield one row per task, in completion order."""

    def close(self) -> None:
        """Release workers (and kill runs still going)."""


class LocalExecutor:
    """Runs up to ``jobs`` run processes at a time on this machine."""

    name = "local"

    def __init__(self, jobs: int | None = None, task_function: Callable[[Task], Row] = execute_task) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._task_function = task_function
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._futures: list[concurrent.futures.Future[Row]] = []

    def run(self, tasks: Iterable[Task]) -> Iterator[Row]:
        """Yield rows as runs finish."""
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="ormodel-bench")
        futures = [self._pool.submit(self._task_function, task) for task in tasks]
        self._futures = futures
        try:
            for future in concurrent.futures.as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Kill runs still going and stop the pool."""
        if self._pool is None:
            return
        self._pool.shutdown(wait=False, cancel_futures=True)
        # A thread may be starting a run process right now: keep killing until every thread is idle.
        deadline = time.monotonic() + 10.0
        while any(not future.done() for future in self._futures) and time.monotonic() < deadline:
            kill_active_runs()
            time.sleep(0.05)
        kill_active_runs()
        self._pool.shutdown(wait=True)
        self._pool = None


class DaskExecutor:
    """Runs tasks on a Dask cluster: an existing scheduler at ``address`` or a new local cluster."""

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        threads_per_worker: int = 1,
        processes: bool = True,
        task_function: Callable[[Task], Row] = execute_task,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:
            raise RuntimeError("the Dask executor needs dask[distributed]; install it with: pip install 'ormodel[bench]'") from error
        self._task_function = task_function
        self._unfinished = False
        self._cluster = None
        if address:
            self._client = Client(address)
        else:
            self._cluster = LocalCluster(
                n_workers=max(1, workers or os.cpu_count() or 1), threads_per_worker=threads_per_worker,
                processes=processes, dashboard_address=None, silence_logs=40,
            )
            self._client = Client(self._cluster)
        self.address = self._client.scheduler.address if self._client.scheduler is not None else address

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` in use."""
        return self._client

    def run(self, tasks: Iterable[Task]) -> Iterator[Row]:
        """Submit every task and yield rows as they finish."""
        from distributed import as_completed

        task_list = list(tasks)
        self._unfinished = True
        # pure=False: two identical tasks (e.g. a rerun) are still two runs.
        futures = [self._client.submit(self._task_function, task, pure=False, key=f"run-{index}-{os.getpid()}-{id(task)}")
                   for index, task in enumerate(task_list)]
        try:
            for future in as_completed(futures):
                yield future.result()
            self._unfinished = False
        finally:
            self._client.cancel([future for future in futures if not future.done()])

    def close(self) -> None:
        """Kill runs still going on the workers, close the client (and the local cluster this executor started)."""
        if self._unfinished:
            with contextlib.suppress(Exception):  # workers may already be gone
                self._client.run(kill_active_runs)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str = "local", jobs: int | None = None, address: str | None = None, processes: bool = True) -> Executor:
    """``local`` → :class:`LocalExecutor`; ``dask`` → :class:`DaskExecutor` (``address`` or a local cluster of ``jobs`` workers)."""
    if kind == "local":
        return LocalExecutor(jobs)
    if kind == "dask":
        return DaskExecutor(address=address, workers=jobs, processes=processes)
    raise ValueError(f"unknown executor {kind!r}; choose 'local' or 'dask'")
