"""One benchmark run in its own process, with a wall-clock limit and a memory guard.

:func:`execute_task` starts ``python -m ormodel.bench.worker`` in a new process group, waits at
most ``time_limit + grace`` seconds, kills the whole group when that passes (status
``timeout``), and returns the complete result row. It is a plain top-level function of a JSON-ready
task, so the local executor and Dask workers call it the same way.

Statuses added by the runner to those of :class:`~ormodel.result.Status`: ``timeout`` (killed
at the wall-clock limit), ``memory_limit`` (the memory guard stopped it), ``crashed`` (the process
died without writing a result, e.g. a segfault or an abort in solver code).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

__all__ = ["DEFAULT_GRACE", "FAILED_STATUSES", "execute_task", "kill_active_runs"]

DEFAULT_GRACE = 10.0
FAILED_STATUSES = ("timeout", "memory_limit", "crashed", "error")

_ACTIVE: set[subprocess.Popen[bytes]] = set()
_ACTIVE_LOCK = threading.Lock()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    try:
        process.kill()
    except ProcessLookupError:
        pass


def kill_active_runs() -> int:
    """Kill every run process this process started that is still running; returns how many."""
    with _ACTIVE_LOCK:
        processes = list(_ACTIVE)
    for process in processes:
        _kill_group(process)
    return len(processes)


def _tail(path: str, characters: int = 2000) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return ""
    return text[-characters:].strip()


def _child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    # Keep numerical libraries from starting one thread per core in every parallel run.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        environment.setdefault(variable, "1")
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def task_key(task: dict[str, Any]) -> tuple[str, str, int]:
    """(instance id, method label, seed) of a task."""
    return task["instance"]["id"], task["method"]["label"], int(task["seed"])


def execute_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run one (instance, method, seed) task in a child process and return its result row (never raises on run failures)."""
    try:
        return _execute(task)
    except Exception as error:  # noqa: BLE001 - e.g. the process could not start: record it, keep the benchmark going
        row = _base_row(task)
        row.update(status="error", time=0.0, wall_time=0.0, objective=None, bound=None, nodes=None, trace=[],
                   error=f"the runner could not run this task: {type(error).__name__}: {error}")
        return row


def _base_row(task: dict[str, Any]) -> dict[str, Any]:
    time_limit = task.get("time_limit")
    grace = float(task.get("grace", DEFAULT_GRACE))
    return {
        "suite": task.get("suite", ""),
        "suite_kind": task.get("suite_kind", ""),
        "instance": task["instance"]["id"],
        "method": task["method"]["label"],
        "method_name": task["method"]["name"],
        "spec": task["method"].get("spec", ""),
        "seed": int(task["seed"]),
        "time_limit": time_limit,
        "wall_limit": None if time_limit is None else float(time_limit) + grace,
        "memory_limit_mb": task.get("memory_limit_mb"),
        "best_known": task["instance"].get("best_known"),
        "host": socket.gethostname(),
        "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _execute(task: dict[str, Any]) -> dict[str, Any]:
    time_limit = task.get("time_limit")
    grace = float(task.get("grace", DEFAULT_GRACE))
    wall_limit = None if time_limit is None else float(time_limit) + grace
    row = _base_row(task)
    with tempfile.TemporaryDirectory(prefix="ormodel-bench-") as folder:
        task_path = os.path.join(folder, "task.json")
        result_path = os.path.join(folder, "result.json")
        output_path = os.path.join(folder, "output.log")
        with open(task_path, "w", encoding="utf-8") as handle:
            json.dump(task, handle)
        started = time.perf_counter()
        with open(output_path, "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "ormodel.bench.worker", task_path, result_path],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True, env=_child_environment(), cwd=task.get("cwd") or None,
            )
            with _ACTIVE_LOCK:
                _ACTIVE.add(process)
            try:
                process.wait(timeout=wall_limit)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill_group(process)
                process.wait()
                timed_out = True
            finally:
                with _ACTIVE_LOCK:
                    _ACTIVE.discard(process)
                # The worker's own children (if any) go with its process group.
                _kill_group(process)
        row["wall_time"] = time.perf_counter() - started
        if timed_out:
            row.update(status="timeout", time=row["wall_time"], objective=None, bound=None, nodes=None, trace=[],
                       error=f"killed after {wall_limit:.1f} s wall clock (time limit {time_limit} s + grace {grace} s)")
        elif os.path.exists(result_path):
            with open(result_path, encoding="utf-8") as handle:
                row.update(json.load(handle))
        else:
            code = process.returncode
            reason = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
            row.update(status="crashed", time=row["wall_time"], objective=None, bound=None, nodes=None, trace=[],
                       error=f"the run process died ({reason}) without a result; output tail: {_tail(output_path)}")
    return row
