"""Benchmarks: suites × methods × seeds, isolated runs, a resumable result table, metrics and reports.

``ormodel bench run`` and ``ormodel bench report`` (see :mod:`ormodel.bench.cli`) are the command
line; :func:`run_benchmark` and :func:`write_report` the Python API. See docs/benchmark-runner.md.
"""

from ormodel.bench.executors import DaskExecutor, LocalExecutor, make_executor
from ormodel.bench.method_spec import MethodSpec
from ormodel.bench.runner import RunSummary, build_tasks, run_benchmark
from ormodel.bench.suites import (
    Instance,
    Suite,
    file_suite,
    generated_suite,
    model_folder_suite,
    parse_suite,
    record_suite,
    register_loader,
    register_suite_kind,
)
from ormodel.bench.table import ResultTable

__all__ = [
    "DaskExecutor",
    "Instance",
    "LocalExecutor",
    "MethodSpec",
    "ResultTable",
    "RunSummary",
    "Suite",
    "build_tasks",
    "file_suite",
    "generated_suite",
    "make_executor",
    "model_folder_suite",
    "parse_suite",
    "record_suite",
    "register_loader",
    "register_suite_kind",
    "run_benchmark",
]
