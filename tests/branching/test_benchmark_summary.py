"""The branching benchmark's summary: solved counts, 1-shifted geometric mean, nodes on all-solved runs, wins."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "branching.py"


@pytest.fixture(scope="module")
def benchmark():
    spec = importlib.util.spec_from_file_location("branching_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(seed: int, method: str, solved: bool, seconds: float, nodes: int, objective: float = 10.0,
         bound: float = 10.0) -> dict:
    return {"family": "setcover", "level": "medium", "instance_seed": seed, "scip_seed": 0, "method": method,
            "solved": solved, "cpu_seconds": seconds, "wall_seconds": seconds, "nodes": nodes, "time_limit": 60.0,
            "objective": objective, "bound": bound}


def test_summary_by_hand(benchmark) -> None:
    rows = [
        _row(0, "scip", True, 3.0, 100), _row(0, "gnn", True, 1.0, 40),
        _row(1, "scip", True, 15.0, 300), _row(1, "gnn", False, 60.0, 900, objective=10.0, bound=8.0),
        _row(2, "scip", True, 8.0, 50),  # no gnn row for seed 2: an incomplete run is left out
    ]
    summary = {row["method"]: row for row in benchmark.summarize(rows, "cpu_seconds")}
    scip, gnn = summary["scip"], summary["gnn"]
    assert scip["runs"] == gnn["runs"] == 2
    assert (scip["solved"], gnn["solved"]) == (2, 1)
    # 1-shifted geometric means: sqrt(4 * 16) - 1 = 7 and sqrt(2 * 61) - 1 (the unsolved run counts at the limit).
    assert scip["time"] == pytest.approx(7.0)
    assert gnn["time"] == pytest.approx(math.sqrt(2 * 61) - 1)
    # Nodes only over seed 0, the one run both methods solved.
    assert scip["nodes"] == 100 and gnn["nodes"] == 40 and scip["nodes_on"] == 1
    # Wins: gnn fastest on seed 0, scip the only solver of seed 1.
    assert (scip["wins"], gnn["wins"]) == (1, 1)
    # Gap: 0 for solved runs, |10 - 8| / 10 for the unsolved one.
    assert scip["gap"] == 0.0 and gnn["gap"] == pytest.approx(0.1)
    table = benchmark.markdown_table(benchmark.summarize(rows, "cpu_seconds"), "cpu_seconds")
    assert "| setcover | medium | gnn | 1/2 |" in table


def test_level_time_limits(benchmark) -> None:
    assert benchmark._level_limits(["medium=60"], ["easy", "medium"], 30.0) == {"easy": 30.0, "medium": 60.0}
    with pytest.raises(SystemExit, match="LEVEL=SECONDS"):
        benchmark._level_limits(["medium"], ["medium"], 30.0)


def test_solved_past_the_limit_counts_as_unsolved(benchmark) -> None:
    rows = [_row(0, "scip", True, 30.0, 100), _row(0, "gnn", True, 75.0, 40)]  # limit 60
    summary = {row["method"]: row for row in benchmark.summarize(rows, "cpu_seconds")}
    assert summary["gnn"]["solved"] == 0 and summary["gnn"]["time"] == pytest.approx(60.0)
    assert summary["scip"]["wins"] == 1 and summary["gnn"]["wins"] == 0
    assert math.isnan(summary["scip"]["nodes"])  # no run solved by both within the limit
