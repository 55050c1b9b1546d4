"""The benchmark runner: suite × methods × seeds, each run isolated, rows appended, resumable.

:func:`run_benchmark` expands the grid, drops the (instance, method, seed) keys already in the
result table, hands the rest to an executor (local pool or Dask), appends each row as it comes
back and shows a rich progress bar. Interrupting it (Ctrl-C, SIGTERM, or a kill) loses at most the
runs in flight; running the same command again resumes.

Example:
    >>> from ormodel.bench.suites import generated_suite
    >>> from ormodel.bench.method_spec import MethodSpec
    >>> tasks = build_tasks(generated_suite("setcover", "easy", [0, 1]), [MethodSpec.parse("highs")], [0], time_limit=10)
    >>> [(task["instance"]["id"], task["method"]["label"], task["seed"]) for task in tasks]
    [('setcover-easy-s0', 'highs', 0), ('setcover-easy-s1', 'highs', 0)]
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ormodel.bench.executors import Executor, LocalExecutor
from ormodel.bench.isolation import DEFAULT_GRACE
from ormodel.bench.method_spec import MethodSpec
from ormodel.bench.suites import Suite
from ormodel.bench.table import ResultTable, row_key
from ormodel.bench.worker import import_plugins

__all__ = ["RunSummary", "build_tasks", "check_methods", "run_benchmark"]


@dataclass
class RunSummary:
    """What one invocation of the runner did."""

    total: int = 0
    skipped: int = 0
    ran: int = 0
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    interrupted: bool = False

    def describe(self) -> str:
        """One line for the terminal."""
        counts = ", ".join(f"{status} {count}" for status, count in sorted(self.statuses.items())) or "none"
        text = f"{self.ran} runs done this time ({counts}); {self.skipped} already in the table; {self.total} in the grid"
        if self.interrupted:
            text += "; INTERRUPTED — run the same command again to resume"
        return text


def check_methods(methods: Sequence[MethodSpec], plugins: Sequence[str] = ()) -> None:
    """Raise a clear error for unknown method names or duplicate labels before anything runs."""
    from ormodel.methods import method_names

    import_plugins(list(plugins))
    known = set(method_names())
    labels: set[str] = set()
    for method in methods:
        if method.name not in known:
            raise ValueError(f"method spec {method.spec!r}: unknown method {method.name!r}; choose one of: {', '.join(sorted(known))}")
        if method.label in labels:
            raise ValueError(f"two methods are labelled {method.label!r}; give one a label: LABEL=NAME:OPTIONS")
        labels.add(method.label)


def build_tasks(
    suite: Suite,
    methods: Sequence[MethodSpec],
    seeds: Sequence[int],
    time_limit: float | None,
    grace: float = DEFAULT_GRACE,
    memory_limit_mb: float | None = None,
    plugins: Sequence[str] = (),
    keep_values: bool = False,
) -> list[dict[str, Any]]:
    """The JSON-ready tasks of the grid, instance-major (each instance sees every method before the next)."""
    plugin_paths = [os.path.abspath(plugin) if plugin.endswith(".py") else plugin for plugin in plugins]
    tasks = []
    for instance in suite.instances:
        for method in methods:
            for seed in seeds:
                tasks.append({
                    "suite": suite.name,
                    "suite_kind": suite.kind,
                    "instance": instance.to_dict(),
                    "method": method.to_dict(),
                    "seed": int(seed),
                    "time_limit": time_limit,
                    "grace": grace,
                    "memory_limit_mb": memory_limit_mb,
                    "plugins": plugin_paths,
                    "keep_values": keep_values,
                })
    return tasks


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while the runner works (so `kill PID` also stops cleanly)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _progress(enabled: bool) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[statuses]}"),
        disable=not enabled, transient=False,
    )


def run_benchmark(
    suite: Suite,
    methods: Sequence[MethodSpec],
    seeds: Sequence[int],
    table_path: str | os.PathLike[str],
    time_limit: float | None = 60.0,
    grace: float = DEFAULT_GRACE,
    memory_limit_mb: float | None = 4096,
    executor: Executor | None = None,
    plugins: Sequence[str] = (),
    keep_values: bool = False,
    progress: bool = True,
    max_runs: int | None = None,
) -> RunSummary:
    """Run the grid, appending rows to ``table_path``; keys already there are skipped.

    ``max_runs`` stops after that many new runs (a deliberate partial run; rerun to continue).
    """
    check_methods(methods, plugins)
    table = ResultTable(table_path)
    done = table.keys()
    tasks = build_tasks(suite, methods, seeds, time_limit, grace, memory_limit_mb, plugins, keep_values)
    summary = RunSummary(total=len(tasks))
    pending = [task for task in tasks if (task["instance"]["id"], task["method"]["label"], task["seed"]) not in done]
    summary.skipped = len(tasks) - len(pending)
    if max_runs is not None:
        pending = pending[: max(0, max_runs)]
    executor = executor or LocalExecutor()
    with _progress(progress) as bar, _sigterm_as_interrupt():
        progress_task = bar.add_task(f"{suite.name} on {executor.name}", total=len(tasks), completed=summary.skipped, statuses="")
        try:
            for row in executor.run(pending):
                if row_key(row) in done:
                    continue
                table.append(row)
                done.add(row_key(row))
                summary.ran += 1
                summary.statuses[row["status"]] += 1
                shown = " ".join(f"{status}:{count}" for status, count in sorted(summary.statuses.items()))
                bar.update(progress_task, advance=1, statuses=shown)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            executor.close()
    return summary
