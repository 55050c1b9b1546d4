"""Report numbers on a hand-made table, and the files ``write_report`` produces."""

from __future__ import annotations

import math
import os

import pytest

from ormodel.bench.report import instance_markdown, reference_values, summarize, summary_markdown, write_report
from ormodel.bench.table import ResultTable


def _row(instance: str, method: str, status: str, objective: float | None, time: float, trace: list[list[float]],
         nodes: int | None, best_known: float | None = None, sense: str = "minimize") -> dict[str, object]:
    return {"suite": "hand", "instance": instance, "method": method, "seed": 0, "status": status, "objective": objective,
            "time": time, "time_limit": 10.0, "trace": trace, "nodes": nodes, "best_known": best_known, "sense": sense, "host": "h"}


ROWS = [
    # i1 (min, best known 100): a optimal at 2 s, b stops at the limit with 125.
    _row("i1", "a", "optimal", 100.0, 2.0, [[1.0, 200.0], [2.0, 100.0]], 10, best_known=100.0),
    _row("i1", "b", "time_limit", 125.0, 10.0, [[5.0, 125.0]], 500, best_known=100.0),
    # i2 (max, no best known): both optimal at 50; reference = best found = 50.
    _row("i2", "a", "optimal", 50.0, 1.0, [[0.5, 50.0]], 4, sense="maximize"),
    _row("i2", "b", "optimal", 50.0, 3.0, [[1.0, 25.0], [3.0, 50.0]], 8, sense="maximize"),
    # i3 (min, best known 10 but b finds 8): a crashes, b optimal at 8 -> reference 8.
    _row("i3", "a", "crashed", None, 4.0, [], None, best_known=10.0),
    _row("i3", "b", "optimal", 8.0, 4.0, [[4.0, 8.0]], 20, best_known=10.0),
]


def test_reference_values() -> None:
    references = reference_values(ROWS)
    assert (references["i1"].value, references["i1"].source) == (100.0, "best-known")
    assert (references["i2"].value, references["i2"].source, references["i2"].sense) == (50.0, "best found", "maximize")
    assert (references["i3"].value, references["i3"].source) == (8.0, "found (beats best-known)")


def test_summary_by_hand() -> None:
    summaries = {item.method: item for item in summarize(ROWS)}
    a, b = summaries["a"], summaries["b"]
    assert (a.runs, a.solved, a.failed, b.solved, b.failed) == (3, 2, 1, 2, 0)
    # Time: unsolved/crashed runs count at the 10 s limit.
    assert a.time_sgm == pytest.approx((3 * 2 * 11) ** (1 / 3) - 1)
    assert b.time_sgm == pytest.approx((11 * 4 * 5) ** (1 / 3) - 1)
    # Primal gap: a = (0 + 0 + 1) / 3; b = (25/125 + 0 + 0) / 3.
    assert a.primal_gap_mean == pytest.approx(1 / 3)
    assert b.primal_gap_mean == pytest.approx(0.2 / 3)
    # Primal integral over 10 s. a: i1 1*1 + 1*0.5 = 1.5; i2 0.5; i3 10 -> 12/3.
    assert a.primal_integral_mean == pytest.approx(12 / 3)
    # b: i1 5 + 5*0.2 = 6; i2 1 + 2*0.5 = 2; i3 4 -> 12/3.
    assert b.primal_integral_mean == pytest.approx(12 / 3)
    assert b.primal_integral_normalized == pytest.approx(12 / 3 / 10)
    # Nodes only on pairs both solved: i2 only.
    assert (a.nodes_mean, a.nodes_count, b.nodes_mean, b.nodes_count) == (4.0, 1, 8.0, 1)
    table = summary_markdown(summarize(ROWS))
    assert "| a | 3 | 2 | 1 |" in table and "4.0 (n=1)" in table
    assert "crashed" in instance_markdown(ROWS)


def test_write_report_files(tmp_path: object) -> None:
    table_path = os.path.join(str(tmp_path), "runs.jsonl")
    table = ResultTable(table_path)
    for row in ROWS:
        table.append(row)
    written = write_report([table_path], os.path.join(str(tmp_path), "out"), title="Hand-made")
    for key in ("report", "performance_profile", "primal_gap"):
        assert os.path.getsize(written[key]) > 1000 or key == "report"
    with open(written["report"]) as handle:
        text = handle.read()
    assert text.startswith("# Hand-made") and "![performance profile](performance_profile.png)" in text
    assert "Reference values: best found 1, best-known 1, found (beats best-known) 1" in text
    with pytest.raises(ValueError, match="no rows"):
        write_report([_empty(tmp_path)], os.path.join(str(tmp_path), "out2"))
    assert not math.isnan(summarize(ROWS)[0].time_sgm)


def _empty(tmp_path: object) -> str:
    path = os.path.join(str(tmp_path), "empty.jsonl")
    open(path, "w").close()
    return path
