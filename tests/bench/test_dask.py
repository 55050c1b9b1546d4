"""The Dask executor on a local cluster gives the same table as the local executor."""

from __future__ import annotations

import os

import pytest

from ormodel.bench.executors import DaskExecutor, LocalExecutor
from ormodel.bench.method_spec import MethodSpec
from ormodel.bench.report import compare_tables, load_rows, summarize
from ormodel.bench.runner import run_benchmark
from ormodel.bench.suites import parse_suite

pytest.importorskip("distributed")


def test_dask_local_cluster_gives_the_same_table(mps_folder: str, tmp_path: object) -> None:
    suite = parse_suite(f"mps:{mps_folder}")
    suite.instances[:] = suite.instances[:2]
    methods = [MethodSpec.parse("highs:threads=1"), MethodSpec.parse("nopresolve=highs:threads=1,presolve=off")]
    local_path = os.path.join(str(tmp_path), "local.jsonl")
    dask_path = os.path.join(str(tmp_path), "dask.jsonl")
    run_benchmark(suite, methods, [0], local_path, time_limit=20, executor=LocalExecutor(2), progress=False)
    executor = DaskExecutor(workers=2, processes=False)
    assert executor.address.startswith(("inproc://", "tcp://"))
    summary = run_benchmark(suite, methods, [0], dask_path, time_limit=20, executor=executor, progress=False)
    assert summary.ran == 4 and summary.statuses == {"optimal": 4}
    local_rows, dask_rows = load_rows([local_path]), load_rows([dask_path])
    assert compare_tables(local_rows, dask_rows) == []
    assert [(item.method, item.solved, item.primal_gap_mean) for item in summarize(local_rows)] == [
        (item.method, item.solved, item.primal_gap_mean) for item in summarize(dask_rows)]
