"""Shared fixtures of the benchmark-runner tests: small MILPs written as MPS files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from ormodel.solvers.highs import write_model_file

from ormodel import StandardForm

PLUGIN = str(Path(__file__).with_name("plugin_methods.py"))


def small_set_cover(rows: int, columns: int, seed: int) -> StandardForm:
    """A random set-cover MILP with every row coverable (solves in well under a second)."""
    rng = np.random.default_rng(seed)
    dense = rng.random((rows, columns)) < 0.08
    dense[np.arange(rows), rng.integers(columns, size=rows)] = True
    return StandardForm.from_arrays(
        objective=rng.integers(1, 100, columns).astype(float),
        matrix=sp.csr_array(dense.astype(float)),
        row_lower=np.ones(rows),
        row_upper=np.full(rows, np.inf),
        column_lower=np.zeros(columns),
        column_upper=np.ones(columns),
        integrality=np.ones(columns, dtype=bool),
        name=f"cover{seed}",
    )


@pytest.fixture(scope="session")
def mps_folder(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Four small set-cover instances as MPS files, plus a .solu file with the optimum of one of them."""
    folder = tmp_path_factory.mktemp("mps")
    from ormodel.solvers.highs import HighsBackend

    for seed in range(4):
        write_model_file(small_set_cover(40, 80, seed), os.path.join(folder, f"cover{seed}.mps"))
    optimum = HighsBackend().solve(small_set_cover(40, 80, 0)).objective
    (folder / "optimal.solu").write_text(f"=opt= cover0 {optimum!r}\n=inf= nothing\n")
    return str(folder)
