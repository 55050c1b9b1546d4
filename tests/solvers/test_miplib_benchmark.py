"""The MIPLIB benchmark script on a small data set of its own (no /work/shared/data needed)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import scipy.sparse as sp
from ormodel.solvers.highs import write_model_file

from ormodel.standard_form import StandardForm

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "miplib.py"


@pytest.fixture(scope="module")
def miplib() -> ModuleType:
    spec = importlib.util.spec_from_file_location("miplib_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _knapsack() -> StandardForm:
    # max 10a + 13b + 7c + 8d s.t. 5a + 6b + 3c + 4d <= 10, binary: optimum 21 (b and d).
    return StandardForm.from_arrays(objective=np.array([10.0, 13.0, 7.0, 8.0]), matrix=sp.csr_array([[5.0, 6.0, 3.0, 4.0]]),
                                    row_lower=np.array([-np.inf]), row_upper=np.array([10.0]), column_upper=np.ones(4),
                                    integrality=np.ones(4, dtype=bool), sense="maximize", name="knapsack")


def _mixed() -> StandardForm:
    # min 20 open + make + 4 buy s.t. make <= 10 open, make + buy >= 8: optimum 28 (open, make 8).
    return StandardForm.from_arrays(objective=np.array([20.0, 1.0, 4.0]), matrix=sp.csr_array([[-10.0, 1.0, 0.0], [0.0, 1.0, 1.0]]),
                                    row_lower=np.array([-np.inf, 8.0]), row_upper=np.array([0.0, np.inf]),
                                    column_upper=np.array([1.0, 10.0, np.inf]), integrality=np.array([True, False, False]), name="mixed")


def _data_set(root: Path, knapsack_optimum: float = 21.0) -> Path:
    directory = root / "mip"
    directory.mkdir(parents=True)
    write_model_file(_knapsack(), directory / "knap.mps")
    write_model_file(_mixed(), directory / "mixed.mps")
    columns = "name,file,tier,optimal_value,highs_time_s,scip_time_s,scip_status_60s"
    (directory / "manifest.csv").write_text(f"{columns}\nknap,knap.mps,smoke,{knapsack_optimum},0.01,0.02,optimal\n"
                                            "mixed,mixed.mps,core,28,0.5,0.3,optimal\nslow,slow.mps,hard,5,70,80,timelimit\n")
    (directory / "instances.solu").write_text(f"=opt=  knap  {knapsack_optimum}\n=opt=  mixed  28\n=best=  slow  5\n")
    return root


def test_solu_reader_and_selection(miplib: ModuleType, tmp_path: Path) -> None:
    root = _data_set(tmp_path)
    manifest = miplib.read_manifest(root / "mip")
    assert miplib.read_solu(root / "mip" / "instances.solu") == {"knap": 21.0, "mixed": 28.0}
    assert miplib.known_optima(root / "mip", manifest)["slow"] == 5.0
    assert [row["name"] for row in miplib.default_selection(manifest, math.inf)] == ["knap", "mixed"]
    assert [row["name"] for row in miplib.default_selection(manifest, 0.4)] == ["knap"]
    assert [row["name"] for row in miplib.default_selection(manifest, math.inf, ("hard",))] == ["slow"]
    (tmp_path / "bad.solu").write_text("opt knap 3\n")
    with pytest.raises(SystemExit, match="bad.solu:1"):
        miplib.read_solu(tmp_path / "bad.solu")


def test_solu_and_manifest_must_agree(miplib: ModuleType, tmp_path: Path) -> None:
    root = _data_set(tmp_path)
    (root / "mip" / "instances.solu").write_text("=opt=  knap  22\n")
    with pytest.raises(SystemExit, match="optimum of knap is 22"):
        miplib.known_optima(root / "mip", miplib.read_manifest(root / "mip"))


def test_summary_counts_and_shifted_geometric_mean(miplib: ModuleType) -> None:
    assert miplib.shifted_geometric_mean([1.0, 3.0]) == pytest.approx(math.sqrt(2 * 4) - 1)
    records = [
        {"instance": "i1", "backend": "a", "status": "optimal", "seconds": 1.0, "checked_objective": 10.0, "optimum": 10.0,
         "max_violation": 0.0},
        {"instance": "i2", "backend": "a", "status": "optimal", "seconds": 2.0, "checked_objective": 11.0, "optimum": 10.0,
         "max_violation": 1e-3},
        {"instance": "i3", "backend": "a", "status": "time_limit", "seconds": 5.0, "optimum": 10.0},
        {"instance": "i4", "backend": "a", "status": "not_applicable"},
        {"instance": "i5", "backend": "a", "status": "not_run", "seconds": 0.0},
        {"instance": "i1", "backend": "b", "status": "optimal", "seconds": 3.0, "checked_objective": 10.0, "optimum": 10.0,
         "max_violation": 0.0},
        {"instance": "i2", "backend": "b", "status": "not_applicable"},
    ]
    row, other = miplib.summarize(records, ["a", "b"], 5.0, 1e-4)
    assert row["common_instances"] == 1 and row["sgm_common"] == pytest.approx(1.0) and other["sgm_common"] == pytest.approx(3.0)
    assert (row["attempted"], row["not_applicable"], row["not_run"], row["solved"], row["objective_match"]) == (3, 1, 1, 2, 1)
    assert (row["points"], row["infeasible_points"], row["max_violation"]) == (2, 1, 1e-3)
    assert row["sgm_time"] == pytest.approx(miplib.shifted_geometric_mean([1.0, 2.0, 5.0]))


def test_end_to_end_run_on_every_backend(miplib: ModuleType, tmp_path: Path) -> None:
    """One run: every backend solves (or declines) both instances; the point is checked by ormodel."""
    root = _data_set(tmp_path, knapsack_optimum=20.0)  # A wrong reference value must show as a mismatch.
    out = tmp_path / "out"
    assert miplib.main(["--data", str(root), "--time-limit", "10", "--max-reference-time", "inf", "--out", str(out)]) == 0
    saved = json.loads((out / "records.json").read_text())
    by_key = {(record["instance"], record["backend"]): record for record in saved["records"]}
    for backend in ("highs", "scip", "pyomo"):
        assert by_key[("mixed", backend)]["status"] == "optimal"
        assert by_key[("mixed", backend)]["checked_objective"] == pytest.approx(28.0)
        assert by_key[("knap", backend)]["checked_objective"] == pytest.approx(21.0)
        assert by_key[("knap", backend)]["max_violation"] <= 1e-6
    assert by_key[("mixed", "cpsat")]["status"] == "not_applicable"
    assert by_key[("knap", "cpsat")]["status"] == "optimal"
    summary = {row["backend"]: row for row in json.loads((out / "summary.json").read_text())}
    assert summary["highs"]["solved"] == 2 and summary["highs"]["objective_match"] == 1
    assert summary["cpsat"]["attempted"] == 1 and summary["cpsat"]["not_applicable"] == 1
    table = (out / "table.md").read_text()
    assert "| knap | smoke |" in table and "wrong obj 21" in table
    assert (out / "sgm_time.png").stat().st_size > 0
    assert summary["highs"]["common_instances"] == 1  # only the knapsack is taken by CP-SAT too
    (out / "table.md").unlink()
    assert miplib.main(["--report-only", "--out", str(out)]) == 0
    assert (out / "table.md").read_text() == table
