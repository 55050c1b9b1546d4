"""Job-shop sets for the benchmark runner (``jssp:taillard``, ``jssp:random``) and ``datasets jobshop``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from ormodel.datasets.cli import add_commands
from ormodel.datasets.jssp import JobShopInstance, read_jobshop, taillard_instance
from ormodel.datasets.jssp.bench_suite import jssp_suite, parse_taillard_names

from ormodel.bench.suites import parse_suite, suite_kinds


def test_taillard_names() -> None:
    assert parse_taillard_names("ta01-ta03,ta41") == ["ta01", "ta02", "ta03", "ta41"]
    assert parse_taillard_names("1-2") == ["ta01", "ta02"]
    with pytest.raises(ValueError, match="expected ta01..ta80"):
        parse_taillard_names("ta81")
    with pytest.raises(ValueError, match="is empty"):
        parse_taillard_names("ta10-ta02")


def test_taillard_suite_through_parse_suite() -> None:
    assert "jssp" in suite_kinds()
    suite = parse_suite("jssp:taillard:ta40-ta41")
    assert [instance.id for instance in suite.instances] == ["ta40", "ta41"]
    assert [instance.best_known for instance in suite.instances] == [1669.0, 2005.0]
    assert suite.instances[1].metadata == {"jobs": 30, "machines": 20, "lower_bound": 1926, "closed": False}
    loaded = suite.instances[0].load()
    assert isinstance(loaded, JobShopInstance) and loaded.shape == (30, 15)
    assert np.array_equal(loaded.durations, taillard_instance("ta40").durations)
    assert len(parse_suite("jssp:taillard")) == 80


def test_random_suite_and_errors(tmp_path: Path) -> None:
    suite = parse_suite("jssp:random:6x4:3-4")
    assert [instance.id for instance in suite.instances] == ["random_6x4_s3", "random_6x4_s4"]
    first, again = suite.instances[0].load(), parse_suite("jssp:random:6x4:3").instances[0].load()
    assert np.array_equal(first.machines, again.machines) and np.array_equal(first.durations, again.durations)
    override = tmp_path / "known.json"
    override.write_text(json.dumps({"random_6x4_s3": 321}))
    assert jssp_suite("random:6x4:3", str(override)).instances[0].best_known == 321.0
    with pytest.raises(ValueError, match="JOBSxMACHINES"):
        parse_suite("jssp:random:6by4")
    with pytest.raises(ValueError, match="jssp:taillard"):
        parse_suite("jssp:flowshop")


def _run(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ormodel")
    add_commands(parser.add_subparsers(dest="command"))
    parsed = parser.parse_args(arguments)
    return parsed.func(parsed)


def test_datasets_jobshop_writes_taillard_files_and_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["datasets", "jobshop", "--taillard", "ta01,ta41", "--out", str(tmp_path)]) == 0
    loaded = read_jobshop(tmp_path / "ta41.txt")
    assert np.array_equal(loaded.machines, taillard_instance("ta41").machines)
    assert json.loads((tmp_path / "bounds.json").read_text()) == {
        "ta01": {"lb": 1231, "ub": 1231},
        "ta41": {"lb": 1926, "ub": 2005},
    }
    suite = parse_suite(f"files:{tmp_path}:*.txt", str(tmp_path / "bounds.json"))
    assert [(instance.id, instance.best_known) for instance in suite.instances] == [("ta01", 1231.0), ("ta41", 2005.0)]
    assert _run(["datasets", "jobshop", "--random", "5x3", "--seeds", "0-1", "--out", str(tmp_path / "random")]) == 0
    assert sorted(path.name for path in (tmp_path / "random").glob("*.txt")) == [
        "random_5x3_s0.txt",
        "random_5x3_s1.txt",
    ]
    assert _run(["datasets", "jobshop", "--random", "5by3", "--out", str(tmp_path)]) == 2
    assert "JOBSxMACHINES" in capsys.readouterr().err


def test_runner_on_a_generated_jobshop_set(tmp_path: Path) -> None:
    """``ormodel bench run jssp:taillard:ta01`` end to end: the worker regenerates ta01, the SPT rule schedules it."""
    from ormodel.learned.dispatching.rules import dispatch_with_rule

    from ormodel.bench.executors import LocalExecutor
    from ormodel.bench.method_spec import MethodSpec
    from ormodel.bench.report import load_rows
    from ormodel.bench.runner import run_benchmark

    table = tmp_path / "runs.jsonl"
    method = MethodSpec.parse("spt=dispatch:param.rule=spt,param.improve=false")
    summary = run_benchmark(parse_suite("jssp:taillard:ta01"), [method], [0], table, time_limit=30, executor=LocalExecutor(1),
                            progress=False)
    assert summary.ran == 1
    (row,) = load_rows([table])
    assert row["status"] == "feasible" and row["sense"] == "minimize" and row["suite_kind"] == "jssp"
    assert row["best_known"] == 1231.0
    assert row["objective"] == dispatch_with_rule(taillard_instance("ta01"), "spt").makespan
