"""The child process of one benchmark run: ``python -m ormodel.bench.worker TASK.json RESULT.json``.

It applies the memory guard (``RLIMIT_AS``) to itself, asks the kernel to kill it when its parent
dies (Linux), imports plugin modules (which may register methods and loaders), loads the
instance, runs the method through :func:`ormodel.methods.run_method` and writes the outcome as
JSON. Everything that can go wrong inside becomes an outcome with a status and error text; the
parent handles what cannot be caught here (time-limit kill, crash).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import math
import os
import sys
import time
import traceback
from typing import Any

__all__ = ["main", "run_task"]

_VERSION_PACKAGES = ("numpy", "scipy", "highspy", "pyscipopt", "ortools", "torch", "pyomo", "alns", "mabwiser", "openai")


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the thread that started it exits (no orphans)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _limit_memory(megabytes: float | None) -> None:
    if not megabytes:
        return
    try:
        import resource
    except ImportError:  # not POSIX: no address-space limit available
        return

    limit = int(megabytes * 1024 * 1024)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def import_plugins(plugins: list[str]) -> None:
    """Import plugin modules by dotted name or file path (they register methods, loaders, trace parsers)."""
    for plugin in plugins:
        if plugin.endswith(".py") or os.sep in plugin:
            if not os.path.exists(plugin):
                raise FileNotFoundError(f"plugin {plugin}: no such file")
            digest = hashlib.sha1(os.path.abspath(plugin).encode()).hexdigest()[:8]
            name = f"ormodel_bench_plugin_{os.path.splitext(os.path.basename(plugin))[0]}_{digest}"
            if name in sys.modules:
                continue
            spec = importlib.util.spec_from_file_location(name, plugin)
            if spec is None or spec.loader is None:
                raise ImportError(f"plugin {plugin}: cannot be imported as a Python file")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:
            importlib.import_module(plugin)


def versions() -> dict[str, str]:
    """Versions of Python, ormodel and the solver/ML packages loaded in this process."""
    from importlib import metadata

    import ormodel

    found = {"python": sys.version.split()[0], "ormodel": ormodel.__version__}
    for package in _VERSION_PACKAGES:
        if package in sys.modules:
            try:
                found[package] = metadata.version(package)
            except metadata.PackageNotFoundError:
                found[package] = str(getattr(sys.modules[package], "__version__", "unknown"))
    return found


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _json_ready(value: Any) -> Any:
    """Drop what JSON cannot hold (numpy arrays become lists, other objects their text)."""
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        pass
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if hasattr(value, "tolist"):
        return _json_ready(value.tolist())
    if isinstance(value, float):
        return None
    return str(value)


def _model_sense(model: Any) -> str | None:
    """``"minimize"``/``"maximize"`` of a StandardForm (``.sense``) or a Problem (``.objective.sense``)."""
    sense = getattr(model, "sense", None)
    if sense is None:
        sense = getattr(getattr(model, "objective", None), "sense", None)
    value = getattr(sense, "value", sense)
    return value if value in ("minimize", "maximize") else None


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Load the instance, run the method, and return the outcome fields of the result row."""
    from ormodel.bench.method_spec import MethodSpec
    from ormodel.bench.suites import Instance
    from ormodel.bench.traces import trace_from_log
    from ormodel.methods import run_method

    outcome: dict[str, Any] = {"status": "error", "error": None}
    started = time.perf_counter()
    try:
        import_plugins(list(task.get("plugins") or []))
        instance = Instance.from_dict(task["instance"])
        method = MethodSpec.from_dict(task["method"])
        model = instance.load()
        outcome["load_time"] = time.perf_counter() - started
        outcome["sense"] = _model_sense(model) or instance.sense
        options = method.solve_options(task.get("time_limit"), task.get("seed"))
        method_started = time.perf_counter()
        result = run_method(method.name, model, options, method.params)
        outcome["time"] = time.perf_counter() - method_started
        outcome["status"] = result.status.value
        outcome["raw_status"] = result.raw_status
        outcome["objective"] = _finite(result.objective)
        outcome["bound"] = _finite(result.bound)
        outcome["gap"] = _finite(result.gap)
        outcome["solve_time"] = _finite(result.solve_time)
        outcome["nodes"] = result.nodes
        outcome["solver"] = result.solver
        trace = result.extra.get("trace")
        outcome["trace_source"] = "method" if trace is not None else "log"
        if trace is None:
            trace = trace_from_log(result.solver or method.name, result.log)
        outcome["trace"] = [[float(seconds), float(objective)] for seconds, objective in (trace or [])]
        outcome["extra"] = _json_ready(result.extra.get("json", {}))
        if result.message:
            outcome["error"] = result.message if result.status.value == "error" else None
            outcome["message"] = result.message
        if task.get("keep_values") and result.values is not None:
            outcome["values"] = [float(value) for value in result.values]
    except MemoryError:
        outcome["status"] = "memory_limit"
        outcome["error"] = f"MemoryError: the run exceeded the memory guard of {task.get('memory_limit_mb')} MB"
    except Exception as error:  # noqa: BLE001 - every failure becomes a row
        outcome["status"] = "error"
        outcome["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
        outcome["traceback"] = traceback.format_exc()[-4000:]
    outcome.setdefault("time", time.perf_counter() - started)
    outcome["versions"] = versions()
    return outcome


def main(argv: list[str] | None = None) -> int:
    """Entry point of the child process."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 2:
        print("usage: python -m ormodel.bench.worker TASK.json RESULT.json", file=sys.stderr)
        return 2
    task_path, result_path = arguments
    _die_with_parent()
    with open(task_path, encoding="utf-8") as handle:
        task = json.load(handle)
    _limit_memory(task.get("memory_limit_mb"))
    outcome = run_task(task)
    temporary = result_path + ".partial"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(_json_ready(outcome), handle)
    os.replace(temporary, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
