"""The dispatching benchmark script end to end on one small Taillard instance (no shared data)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[2]


def test_benchmark_runs_all_three_parts_and_summarizes_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, str(REPO / "benchmarks" / "dispatching.py"), "--instances", "ta01"]
    command += ["--limit-sizes", "15x15", "--time-limits", "0.5:1", "--sampling-per-class", "1", "--samples", "2"]
    command += ["--data", str(tmp_path / "no-data"), "--device", "cpu", "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=240)
    records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    methods = {(record["part"], record["method"]) for record in records}
    assert ("rules", "mwkr") in methods and ("rules", "policy-greedy") in methods
    assert {("limit0.5", "cpsat"), ("limit0.5", "policy+cpsat")} <= methods
    assert {("sampling", "policy-sampling"), ("sampling", "cpsat=T")} <= methods
    spt = next(record for record in records if record["method"] == "spt")
    assert spt["makespan"] == 1462  # non-delay SPT on ta01
    table = (out / "table.md").read_text()
    assert "Part 1" in table and "Part 2" in table and "Part 3" in table
    targets = json.loads((out / "targets.json").read_text())
    assert set(targets["rules"]) == {"15x15"}
    assert (out / "gaps.png").stat().st_size > 0
    # Summarizing again from the JSONL keeps the original command line and gives the same table.
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "dispatching.py"), "--summarize", str(out), "--data", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (out / "table.md").read_text() == table
