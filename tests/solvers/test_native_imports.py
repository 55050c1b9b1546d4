"""highspy and OR-Tools load in either order (matching HiGHS releases), each in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("ortools")

ORDERS = {
    "highspy-first": "from ormodel.solvers.native import import_highspy, import_cp_model\nimport_highspy(); import_cp_model()",
    "ortools-first": "from ormodel.solvers.native import import_highspy, import_cp_model\nimport_cp_model(); import_highspy()",
}


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_both_solver_libraries_load_in_one_process(order: str) -> None:
    code = ORDERS[order] + "\nimport highspy; h = highspy.Highs(); h.setOptionValue('output_flag', False); print(h.version())"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
