"""The runner: parallel runs, time-limit kills, the memory guard, errors, resume, and the CLI."""

from __future__ import annotations

import json
import os

import pytest

from ormodel.bench.cli import main as bench_main
from ormodel.bench.executors import LocalExecutor
from ormodel.bench.method_spec import MethodSpec
from ormodel.bench.report import compare_tables, load_rows, summarize
from ormodel.bench.runner import run_benchmark
from ormodel.bench.suites import parse_suite
from ormodel.bench.table import ResultTable, row_key

from .conftest import PLUGIN

METHODS = [MethodSpec.parse("highs:threads=1"), MethodSpec.parse("nopresolve=highs:threads=1,presolve=off")]


def test_parallel_run_records_every_run(mps_folder: str, tmp_path: object) -> None:
    table_path = os.path.join(str(tmp_path), "runs.jsonl")
    suite = parse_suite(f"mps:{mps_folder}")
    summary = run_benchmark(suite, METHODS, [0], table_path, time_limit=20, executor=LocalExecutor(2), progress=False)
    assert (summary.total, summary.ran, summary.skipped, summary.interrupted) == (8, 8, 0, False)
    rows = ResultTable(table_path).rows()
    assert sorted(row_key(row) for row in rows) == sorted((f"cover{i}", label, 0) for i in range(4) for label in ("highs:threads=1", "nopresolve"))
    for row in rows:
        assert row["status"] == "optimal" and row["error"] is None
        assert row["trace"] and row["trace"][-1][1] == pytest.approx(row["objective"])
        assert row["sense"] == "minimize" and row["nodes"] >= 1 and row["versions"]["highspy"]
        assert row["host"] and row["time"] > 0 and row["wall_time"] >= row["time"]
    by_key = {row_key(row): row for row in rows}
    # Both option sets reach the same optimum; cover0's optimum is the .solu value.
    for index in range(4):
        assert by_key[(f"cover{index}", "highs:threads=1", 0)]["objective"] == pytest.approx(by_key[(f"cover{index}", "nopresolve", 0)]["objective"])
    assert by_key[("cover0", "nopresolve", 0)]["best_known"] == pytest.approx(by_key[("cover0", "nopresolve", 0)]["objective"])
    assert by_key[("cover0", "nopresolve", 0)]["extra"] == {}
    summaries = {item.method: item for item in summarize(load_rows([table_path]))}
    assert summaries["nopresolve"].solved == 4 and summaries["nopresolve"].primal_gap_mean == 0.0


def test_overrunning_run_is_killed_and_recorded_as_timeout(mps_folder: str, tmp_path: object) -> None:
    table_path = os.path.join(str(tmp_path), "runs.jsonl")
    suite = parse_suite(f"mps:{mps_folder}")
    suite.instances[:] = suite.instances[:1]
    overrun = MethodSpec.parse("overrun:param.extra_seconds=120")
    summary = run_benchmark(suite, [overrun], [0], table_path, time_limit=1.0, grace=3.0, plugins=[PLUGIN],
                            executor=LocalExecutor(1), progress=False)
    assert summary.statuses == {"timeout": 1}
    (row,) = ResultTable(table_path).rows()
    assert row["status"] == "timeout" and "killed after 4.0 s" in row["error"]
    assert 4.0 <= row["wall_time"] < 30.0 and row["objective"] is None


def test_memory_guard_and_bad_input_become_rows(mps_folder: str, tmp_path: object) -> None:
    folder = os.path.join(str(tmp_path), "models")
    os.makedirs(folder)
    with open(os.path.join(folder, "broken.mps"), "w") as handle:
        handle.write("NAME broken\nROWS\n this is not MPS\n")
    with open(os.path.join(mps_folder, "cover1.mps")) as source, open(os.path.join(folder, "good.mps"), "w") as target:
        target.write(source.read())
    table_path = os.path.join(str(tmp_path), "runs.jsonl")
    methods = [MethodSpec.parse("hog=memory-hog:param.gigabytes=6")]
    run_benchmark(parse_suite(f"mps:{folder}"), methods, [0], table_path, time_limit=10, memory_limit_mb=1500,
                  plugins=[PLUGIN], executor=LocalExecutor(2), progress=False)
    rows = {row["instance"]: row for row in ResultTable(table_path).rows()}
    assert rows["broken"]["status"] == "error" and "could not read" in rows["broken"]["error"]
    assert rows["good"]["status"] == "memory_limit" and "1500" in rows["good"]["error"]


def test_resume_skips_finished_runs_and_gives_the_same_table(mps_folder: str, tmp_path: object) -> None:
    suite = parse_suite(f"mps:{mps_folder}")
    suite.instances[:] = suite.instances[:2]
    methods = [MethodSpec.parse("highs:threads=1")]
    resumed_path = os.path.join(str(tmp_path), "resumed.jsonl")
    first = run_benchmark(suite, methods, [0, 1], resumed_path, time_limit=20, executor=LocalExecutor(2), progress=False, max_runs=1)
    assert first.ran == 1 and len(ResultTable(resumed_path).rows()) == 1
    # A run killed while writing leaves half a line behind: it is ignored and does not break the file.
    with open(resumed_path, "a") as handle:
        handle.write('{"instance": "cover1", "method": "highs')
    with pytest.warns(UserWarning, match="damaged"):
        second = run_benchmark(suite, methods, [0, 1], resumed_path, time_limit=20, executor=LocalExecutor(2), progress=False)
    assert (second.skipped, second.ran) == (1, 3)
    with pytest.warns(UserWarning, match="damaged"):
        third = run_benchmark(suite, methods, [0, 1], resumed_path, time_limit=20, executor=LocalExecutor(2), progress=False)
    assert (third.skipped, third.ran) == (4, 0)
    with pytest.warns(UserWarning, match="damaged"):
        resumed = ResultTable(resumed_path).rows()
    keys = [row_key(row) for row in resumed]
    assert len(keys) == len(set(keys)) == 4
    fresh_path = os.path.join(str(tmp_path), "fresh.jsonl")
    run_benchmark(suite, methods, [0, 1], fresh_path, time_limit=20, executor=LocalExecutor(2), progress=False)
    assert compare_tables(load_rows([fresh_path]), resumed) == []


def test_cli_run_report_and_compare(mps_folder: str, tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(tmp_path)
    table = os.path.join(folder, "runs.jsonl")
    arguments = ["bench", "run", f"mps:{mps_folder}", "-m", "highs:threads=1", "--table", table, "--time-limit", "20",
                 "--jobs", "2", "--no-progress", "--max-runs", "2"]
    assert bench_main(arguments) == 0
    assert len(ResultTable(table).rows()) == 2
    output = os.path.join(folder, "report")
    assert bench_main(["bench", "report", table, "-o", output, "--parquet"]) == 0
    for name in ("report.md", "performance_profile.png", "primal_gap.png", "runs.parquet"):
        assert os.path.getsize(os.path.join(output, name)) > 0
    with open(os.path.join(output, "report.md")) as handle:
        report = handle.read()
    assert "| highs:threads=1 | 2 | 2 | 0 |" in report and "cover0" in report
    assert bench_main(["bench", "compare", table, table]) == 0
    other = os.path.join(folder, "other.jsonl")
    rows = ResultTable(table).rows()
    rows[0]["objective"] = rows[0]["objective"] + 1
    for row in rows:
        ResultTable(other).append(row)
    assert bench_main(["bench", "compare", table, other]) == 1
    assert "objective" in capsys.readouterr().out
    assert bench_main(["bench", "run", f"mps:{mps_folder}", "-m", "nosuchsolver", "--table", table]) == 2
    assert "unknown method 'nosuchsolver'" in capsys.readouterr().err
    assert bench_main(["bench", "report", os.path.join(folder, "missing.jsonl"), "-o", output]) == 2
    with open(table) as handle:
        assert json.loads(handle.readline())["suite"] == os.path.basename(mps_folder)


def test_record_suite_reports_accuracy(tmp_path: object) -> None:
    from ormodel.bench.report import write_report
    from ormodel.bench.suites import record_suite

    records = [
        {"id": "q1", "question": "pack items", "weights": [3, 4, 5], "values": [4, 5, 6], "capacity": 8, "answer": 10},
        {"id": "q2", "question": "pack items", "weights": [2, 2, 2], "values": [1, 1, 1], "capacity": 4, "answer": 2.02},
    ]
    table_path = os.path.join(str(tmp_path), "nl.jsonl")
    run_benchmark(record_suite("toy-nl", records), [MethodSpec.parse("record-knapsack")], [0], table_path, time_limit=10,
                  plugins=[PLUGIN], executor=LocalExecutor(2), progress=False)
    rows = {row["instance"]: row for row in ResultTable(table_path).rows()}
    assert rows["q1"]["objective"] == pytest.approx(10) and rows["q2"]["objective"] == pytest.approx(2)
    assert rows["q1"]["extra"] == {"question": "pack items"} and rows["q1"]["suite_kind"] == "records"
    written = write_report([table_path], os.path.join(str(tmp_path), "report"), plots=False)
    with open(written["report"]) as handle:
        text = handle.read()
    # q1 matches under every tolerance; q2 (2 vs 2.02, 1%) only under relative 5%.
    assert "| record-knapsack | 2 | 100.0 | 2 | 50.0 | 50.0 | 100.0 |" in text


def _processes_with_mark(mark: str) -> list[int]:
    """Pids of live processes whose environment holds ``mark`` (the runner and its run processes)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if mark.encode() in handle.read():
                    with open(f"/proc/{entry}/stat") as stat:
                        if stat.read().split(") ")[-1].startswith("Z"):
                            continue
                    found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to find leftover processes")
def test_sigterm_interrupts_kills_runs_and_the_same_command_resumes(mps_folder: str, tmp_path: object) -> None:
    import subprocess
    import sys
    import time
    import uuid

    table = os.path.join(str(tmp_path), "runs.jsonl")
    command = [sys.executable, "-m", "ormodel.bench.cli", "bench", "run", f"mps:{mps_folder}",
               "-m", "slow=overrun:param.extra_seconds=1", "--plugin", PLUGIN, "--table", table, "--time-limit", "20",
               "--jobs", "2", "--no-progress"]
    mark = f"ORMODEL_BENCH_TEST_{uuid.uuid4().hex}"
    environment = {**os.environ, mark: "1"}
    runner = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(ResultTable(table).rows()) < 1:
        time.sleep(0.2)
    runner.terminate()
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 130, output
    assert "INTERRUPTED" in output
    time.sleep(0.5)
    assert _processes_with_mark(mark) == [], "run processes survived the interrupted runner"
    done = len(ResultTable(table).rows())
    assert 1 <= done < 4
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"{done} already in the table" in finished.stderr
    keys = [row_key(row) for row in ResultTable(table).rows()]
    assert len(keys) == len(set(keys)) == 4


def test_a_run_that_cannot_start_becomes_an_error_row(mps_folder: str) -> None:
    from ormodel.bench.isolation import execute_task
    from ormodel.bench.runner import build_tasks

    (task,) = build_tasks(parse_suite(f"mps:{mps_folder}"), [MethodSpec.parse("highs")], [0], time_limit=5)[:1]
    task["cwd"] = os.path.join(mps_folder, "no-such-folder")
    row = execute_task(task)
    assert row_key(row) == ("cover0", "highs", 0)
    assert row["status"] == "error" and "could not run this task" in row["error"]
