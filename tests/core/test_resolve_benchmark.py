"""benchmarks/resolve.py on a tiny fac-N: both paths run interleaved and agree, the table and plot are written, the changes are seeded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_resolve_benchmark_smoke(repo_root: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(repo_root / "benchmarks"))
    try:
        from resolve import changes, schedule
    finally:
        sys.path.pop(0)
    assert changes(5, 4, seed=3) == changes(5, 4, seed=3) and changes(5, 4, seed=3) != changes(5, 4, seed=4)
    assert schedule(2, 2) == [("persistent", 0), ("rebuild", 0), ("persistent", 1), ("rebuild", 1)]
    order = schedule(6, 2)
    assert sorted(order) == [("persistent", k) for k in range(6)] + [("rebuild", 0), ("rebuild", 1)]
    assert order.index(("rebuild", 0)) in (2, 3) and order.index(("rebuild", 1)) in (6, 7)
    completed = subprocess.run([sys.executable, "benchmarks/resolve.py", "--size", "3", "--resolves", "3", "--solvers", "highs",
                                "--time-limit", "5", "--out", str(tmp_path)], cwd=repo_root, capture_output=True, text=True, timeout=300,
                               env={**os.environ, "PYTHONPATH": str(repo_root)})
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "| highs | persistent | 3 |" in completed.stdout and "| highs | rebuild | 3 |" in completed.stdout
    payload = json.loads((tmp_path / "resolve-highs.json").read_text())
    persistent = payload["results"]["highs"]["persistent"]
    rebuild = payload["results"]["highs"]["rebuild"]
    assert persistent["rebuilds"] == 1 and all(sample["status"] == "optimal" for sample in persistent["samples"] + rebuild["samples"])
    # Step k changes the same entry on both paths: the same optimum.
    assert [round(sample["objective"], 6) for sample in persistent["samples"]] == [round(sample["objective"], 6) for sample in rebuild["samples"]]
    assert all(0 <= sample["gc"] <= sample["overhead"] + 1e-9 for sample in persistent["samples"] + rebuild["samples"])
    assert (tmp_path / "resolve-highs.png").stat().st_size > 0
