"""The ``fac-N`` facility-location model of PyOptInterface's benchmark, without its cone row
(ormodel's own version: :mod:`ormodel.datasets.milp.grid_facility`).

G = F = N; variables ``y[F,2] in [0,1]``, ``s[0:G,0:G,F] >= 0``, ``z[0:G,0:G,F]`` binary,
``r[0:G,0:G,F,2]`` free, ``d`` free; minimize ``d`` subject to ``sum_f z[i,j,f] = 1``,
``s[i,j,f] = d + M (1 - z[i,j,f])``, ``r[i,j,f,1] = i/G - y[f,1]``, ``r[i,j,f,2] = j/G - y[f,2]``
with ``M = 2 sqrt(2)``. One builder per modeling tool; each returns a loaded ``highspy.Highs``
(or the tool's own HiGHS handle) without running it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ormodel.datasets.milp.grid_facility import BIG_M, grid_facility_location, grid_facility_size


def expected_size(size: int) -> tuple[int, int, int]:
    """(columns, rows, non-zeros) of fac-N."""
    return grid_facility_size(size)


def ormodel_model(size: int, demand: bool = False) -> Any:
    """fac-N with ormodel's Python API (an ``ormodel.Model``, not yet compiled; ``ormodel.datasets.milp.grid_facility``);
    ``demand``: the assignment rows read a parameter ``demand[i,j]`` (1 everywhere)."""
    return grid_facility_location(size, demand=demand)


def build_ormodel(size: int) -> Any:
    """ormodel's Python API, compiled and passed to HiGHS."""
    from ormodel.solvers.highs import load_into_highs

    return load_into_highs(ormodel_model(size).compile())


def _floor_arrays(size: int) -> dict[str, Any]:
    """Hand-written CSR arrays of fac-N (the floor every modeling layer is measured against)."""
    grid, facilities = size + 1, size
    points = grid * grid
    # Column layout: y (F*2), s (G*G*F), z (G*G*F), r (G*G*F*2), d (1).
    y_start, s_start = 0, 2 * facilities
    z_start = s_start + points * facilities
    r_start = z_start + points * facilities
    d_column = r_start + 2 * points * facilities
    columns = d_column + 1
    cell = np.arange(points * facilities)  # (i, j, f) flattened, f fastest
    i_value = cell // (grid * facilities)
    j_value = (cell // facilities) % grid
    f_value = cell % facilities
    # assign rows: z[i,j,:] sums to 1.
    assign_indptr = np.arange(points + 1) * facilities
    assign_index = z_start + np.arange(points * facilities)
    assign_value = np.ones(points * facilities)
    # distance rows: s - d + M z == M (3 entries per row).
    distance_index = np.stack([s_start + cell, np.full(cell.shape, d_column), z_start + cell], axis=1).ravel()
    distance_value = np.tile([1.0, -1.0, BIG_M], len(cell))
    # offset rows: r[.,k] + y[f,k] == coordinate / G (2 entries per row).
    offset_x_index = np.stack([r_start + 2 * cell, y_start + 2 * f_value], axis=1).ravel()
    offset_y_index = np.stack([r_start + 2 * cell + 1, y_start + 2 * f_value + 1], axis=1).ravel()
    offset_value = np.ones(2 * len(cell))
    index = np.concatenate([assign_index, distance_index, offset_x_index, offset_y_index]).astype(np.int32)
    value = np.concatenate([assign_value, distance_value, offset_value, offset_value])
    rows = points + 3 * len(cell)
    lengths = np.concatenate([np.full(points, facilities), np.full(len(cell), 3), np.full(2 * len(cell), 2)])
    indptr = np.zeros(rows + 1, dtype=np.int32)
    np.cumsum(lengths, out=indptr[1:])
    rhs = np.concatenate([np.ones(points), np.full(len(cell), BIG_M), i_value / size, j_value / size])
    lower = np.concatenate([np.zeros(2 * facilities), np.zeros(points * facilities), np.zeros(points * facilities),
                            np.full(2 * points * facilities + 1, -np.inf)])
    upper = np.concatenate([np.ones(2 * facilities), np.full(points * facilities, np.inf), np.ones(points * facilities),
                            np.full(2 * points * facilities + 1, np.inf)])
    cost = np.zeros(columns)
    cost[d_column] = 1.0
    integrality = np.zeros(columns, dtype=np.uint8)
    integrality[z_start:r_start] = 1
    return {"columns": columns, "rows": rows, "indptr": indptr, "index": index, "value": value, "rhs": rhs,
            "lower": lower, "upper": upper, "cost": cost, "integrality": integrality}


def build_floor(size: int, column_wise: bool) -> Any:
    """numpy arrays + one ``Highs.passModel`` (row-wise, or transposed to CSC first)."""
    import highspy
    import scipy.sparse as sp

    arrays = _floor_arrays(size)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    indptr, index, value = arrays["indptr"], arrays["index"], arrays["value"]
    matrix_format = highspy.MatrixFormat.kRowwise
    if column_wise:
        matrix = sp.csr_array((value, index, indptr), shape=(arrays["rows"], arrays["columns"])).tocsc()
        indptr, index, value = matrix.indptr, matrix.indices, matrix.data
        matrix_format = highspy.MatrixFormat.kColwise
    highs.passModel(arrays["columns"], arrays["rows"], len(value), int(matrix_format), int(highspy.ObjSense.kMinimize), 0.0,
                    arrays["cost"], arrays["lower"], arrays["upper"], arrays["rhs"], arrays["rhs"],
                    indptr.astype(np.int32), index.astype(np.int32), value, arrays["integrality"].astype(np.int32))
    return highs


def build_linopy(size: int) -> Any:
    """linopy, vectorized over labelled dimensions, handed to HiGHS with ``to_highspy``."""
    import linopy
    import pandas as pd
    import xarray as xr

    model = linopy.Model()
    grid = pd.RangeIndex(size + 1, name="i")
    grid_j = pd.RangeIndex(size + 1, name="j")
    facilities = pd.RangeIndex(1, size + 1, name="f")
    axes = pd.Index([1, 2], name="k")
    y = model.add_variables(lower=0, upper=1, coords=[facilities, axes], name="y")
    s = model.add_variables(lower=0, coords=[grid, grid_j, facilities], name="s")
    z = model.add_variables(binary=True, coords=[grid, grid_j, facilities], name="z")
    r = model.add_variables(coords=[grid, grid_j, facilities, axes], name="r")
    d = model.add_variables(name="d")
    model.add_objective(1 * d)
    model.add_constraints(z.sum("f") == 1, name="assign")
    model.add_constraints(s - d - BIG_M * (1 - z) == 0, name="distance")
    i_value = xr.DataArray(np.arange(size + 1) / size, coords=[grid])
    j_value = xr.DataArray(np.arange(size + 1) / size, coords=[grid_j])
    model.add_constraints(r.sel(k=1) + y.sel(k=1) == i_value, name="offset_x")
    model.add_constraints(r.sel(k=2) + y.sel(k=2) == j_value, name="offset_y")
    return model.to_highspy()


def build_poi(size: int) -> Any:
    """PyOptInterface's HiGHS model, written the way its facility benchmark writes it."""
    import pyoptinterface as poi
    from pyoptinterface import highs

    model = highs.Model()
    model.set_model_attribute(poi.ModelAttribute.Silent, True)
    grid, facilities = range(size + 1), range(1, size + 1)
    y = {(f, k): model.add_variable(lb=0.0, ub=1.0) for f in facilities for k in (1, 2)}
    s = {(i, j, f): model.add_variable(lb=0.0) for i in grid for j in grid for f in facilities}
    z = {(i, j, f): model.add_variable(domain=poi.VariableDomain.Binary) for i in grid for j in grid for f in facilities}
    r = {(i, j, f, k): model.add_variable() for i in grid for j in grid for f in facilities for k in (1, 2)}
    d = model.add_variable()
    model.set_objective(1.0 * d, poi.ObjectiveSense.Minimize)
    for i in grid:
        for j in grid:
            model.add_linear_constraint(poi.quicksum(z[i, j, f] for f in facilities), poi.Eq, 1.0)
    for i in grid:
        for j in grid:
            for f in facilities:
                model.add_linear_constraint(s[i, j, f] - d + BIG_M * z[i, j, f], poi.Eq, BIG_M)
                model.add_linear_constraint(r[i, j, f, 1] + y[f, 1], poi.Eq, i / size)
                model.add_linear_constraint(r[i, j, f, 2] + y[f, 2], poi.Eq, j / size)
    return model


def _pyomo_model(size: int) -> Any:
    import pyomo.environ as pyo

    model = pyo.ConcreteModel()
    model.G = pyo.RangeSet(0, size)
    model.F = pyo.RangeSet(1, size)
    model.K = pyo.RangeSet(1, 2)
    model.y = pyo.Var(model.F, model.K, bounds=(0, 1))
    model.s = pyo.Var(model.G, model.G, model.F, bounds=(0, None))
    model.z = pyo.Var(model.G, model.G, model.F, within=pyo.Binary)
    model.r = pyo.Var(model.G, model.G, model.F, model.K)
    model.d = pyo.Var()
    model.objective = pyo.Objective(expr=model.d)
    model.assign = pyo.Constraint(model.G, model.G, rule=lambda m, i, j: sum(m.z[i, j, f] for f in m.F) == 1)
    model.distance = pyo.Constraint(model.G, model.G, model.F, rule=lambda m, i, j, f: m.s[i, j, f] == m.d + BIG_M * (1 - m.z[i, j, f]))
    model.offset_x = pyo.Constraint(model.G, model.G, model.F, rule=lambda m, i, j, f: m.r[i, j, f, 1] == i / size - m.y[f, 1])
    model.offset_y = pyo.Constraint(model.G, model.G, model.F, rule=lambda m, i, j, f: m.r[i, j, f, 2] == j / size - m.y[f, 2])
    return model


def build_pyomo_persistent(size: int) -> Any:
    """Pyomo ConcreteModel loaded into its persistent HiGHS interface (``set_instance``)."""
    from pyomo.contrib.appsi.solvers import Highs

    solver = Highs()
    solver.set_instance(_pyomo_model(size))
    return solver


def build_pyomo_lpfile(size: int) -> Any:
    """Pyomo ConcreteModel written as an LP file and read by HiGHS."""
    import os
    import tempfile

    import highspy

    model = _pyomo_model(size)
    handle, path = tempfile.mkstemp(suffix=".lp")
    os.close(handle)
    try:
        model.write(path, io_options={"symbolic_solver_labels": False})
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.readModel(path)
    finally:
        os.unlink(path)
    return highs


BUILDERS = {
    "floor_rowwise": lambda size: build_floor(size, column_wise=False),
    "floor_colwise": lambda size: build_floor(size, column_wise=True),
    "ormodel": build_ormodel,
    "linopy": build_linopy,
    "pyoptinterface": build_poi,
    "pyomo_persistent": build_pyomo_persistent,
    "pyomo_lpfile": build_pyomo_lpfile,
}
