"""The dispatching benchmark script end to end on tiny sets (no shared data)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[2]
# The script must import this checkout, not an installed copy.
ENVIRONMENT = {**os.environ, "PYTHONPATH": str(REPO)}


def test_benchmark_runs_every_part_and_summarizes_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, str(REPO / "benchmarks" / "dispatching.py"), "--sets", "taillard:ta01,general50x10",
               "--per-shape", "1", "--parts", "rules,sampling,cpsat", "--sampling-seconds", "0.2", "--cpu-budget",
               "--cpsat-limits", "1", "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=300, env=ENVIRONMENT, cwd=REPO)
    records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    methods = {(record["part"], record["method"]) for record in records if "part" in record}
    assert {("rules", "mwkr"), ("rules", "lwkr-gt"), ("rules", "policy-greedy"), ("sampling", "policy-sampling"),
            ("sampling", "sampling-mode")} <= methods
    assert {("cpsat1", "cold"), ("cpsat1", "warm"), ("cpsat1", "auto")} <= methods
    spt = next(record for record in records if record.get("method") == "spt" and record["name"] == "ta01")
    assert spt["makespan"] == 1462  # non-delay SPT on ta01
    table = (out / "table.md").read_text()
    assert "| ta15x15 | 1 |" in table and "| general50x10 | 1 |" in table and "CP-SAT at 1 s" in table
    summary = json.loads((out / "summary.json").read_text())
    assert sum(summary["classes"]["ta15x15"]["greedy_scores"]) == 1
    # The sampling mode holds the schedules of the rules that fit in its budget (all 12 here, in 0.2 CPU s): it
    # never loses to the best of them.
    assert summary["totals"]["mode"][3] == 0 and summary["classes"]["general50x10"]["mode_scores"][3] == 0
    assert summary["classes"]["ta15x15"]["best_rule_at_bound"] == 0  # ta01: best rule 1438, bound 1231
    assert (out / "gaps.png").stat().st_size > 0
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "dispatching.py"), "--summarize", str(out)],
                   check=True, capture_output=True, timeout=120, env=ENVIRONMENT, cwd=REPO)
    assert (out / "table.md").read_text() == table
