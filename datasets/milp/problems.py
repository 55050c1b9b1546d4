"""Generated MILP instances as five-element Problems (sets, parameters, variables, objective, constraints).

Each family's generator assembles a :class:`~ormodel.standard_form.StandardForm` with named
blocks (``x[j]``, ``cover[i]``, ...). :func:`to_problem` reads the instance data back from those
blocks (costs, incidences, demands, capacities) and states the family's model in the five
elements, so that compiling the Problem gives the same rows, columns and coefficients under the
same names as the generated form.

Example:
    >>> from ormodel.datasets.milp import generate
    >>> problem = to_problem(generate("setcover", "easy", 0, n_rows=60, n_cols=60))
    >>> sorted(problem.sets), [constraint.name for constraint in problem.constraints]
    (['covers', 'elements', 'subsets'], ['cover'])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from ormodel.api import Model
from ormodel.problem import IndexSet, Problem
from ormodel.standard_form import Block, StandardForm

__all__ = ["PROBLEM_BUILDERS", "to_problem"]


def _family_of(form: StandardForm) -> str:
    family = (form.name or "").split("-", 1)[0]
    if family not in PROBLEM_BUILDERS:
        raise ValueError(
            f"instance {form.name!r}: cannot tell its family from the name; pass family= one of {', '.join(PROBLEM_BUILDERS)}"
        )
    return family


def _rows(form: StandardForm, name: str) -> tuple[Block, sp.csr_array]:
    block = form.names.constraint_block(name)
    matrix = sp.csr_array(form.matrix)[block.start : block.start + block.size, :]
    return block, sp.csr_array(matrix)


def _row_entries(matrix: sp.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row (local), column and value of every nonzero, in row order."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return rows, matrix.indices.astype(np.int64), matrix.data


def _keys(block: Block) -> np.ndarray:
    """The integer keys of a block's elements as an ``(size, dimen)`` array."""
    if block.key_columns:
        return np.stack([np.asarray(column, dtype=np.int64) for column in block.key_columns], axis=1)
    return np.arange(block.size, dtype=np.int64)[:, None]


def _tuples(model: Model, name: str, *columns: np.ndarray) -> None:
    model.problem.add_set(IndexSet(name, tuple(np.asarray(column, dtype=np.int64) for column in columns)))


def _range(model: Model, name: str, size: int) -> None:
    model.problem.add_set(IndexSet.from_range(name, 0, size))


def _members(model: Model, name: str, values: np.ndarray) -> None:
    model.problem.add_set(IndexSet(name, (np.asarray(values, dtype=np.int64),)))


def _set_cover(form: StandardForm) -> Problem:
    model = Model(form.name or "setcover")
    block, matrix = _rows(form, "cover")
    rows, columns, _ = _row_entries(matrix)
    _range(model, "elements", block.size)
    _range(model, "subsets", form.num_columns)
    _tuples(model, "covers", rows, columns)
    model.parameter("cost", "subsets", form.objective)
    model.variable("x", "subsets", "binary", 0, 1)
    model.minimize("sum(cost[j] * x[j] for j in subsets)")
    model.constrain("cover", "sum(x[j] for (e, j) in covers if e == i) >= 1", "i in elements")
    return model.problem


def _combinatorial_auction(form: StandardForm) -> Problem:
    model = Model(form.name or "cauctions")
    _range(model, "bids", form.num_columns)
    model.parameter("price", "bids", form.objective)
    model.variable("x", "bids", "binary", 0, 1)
    model.maximize("sum(price[b] * x[b] for b in bids)")
    block, matrix = _rows(form, "item")
    rows, columns, _ = _row_entries(matrix)
    items = _keys(block)[:, 0]
    _members(model, "items", items)
    _tuples(model, "bundles", items[rows], columns)
    model.constrain("item", "sum(x[b] for (k, b) in bundles if k == i) <= 1", "i in items")
    if "xor" in [constraint.name for constraint in form.names.constraints]:
        block, matrix = _rows(form, "xor")
        rows, columns, _ = _row_entries(matrix)
        _range(model, "bidders", block.size)
        _tuples(model, "exclusive", rows, columns)
        model.constrain("xor", "sum(x[b] for (h, b) in exclusive if h == g) <= 1", "g in bidders")
    return model.problem


def _facility(form: StandardForm) -> Problem:
    model = Model(form.name or "facility")
    assign = form.names.variable_block("x")
    opening = form.names.variable_block("open")
    customers, facilities = assign.shape
    _, capacity_rows = _rows(form, "capacity")
    first_row = capacity_rows[[0], :].toarray().ravel()
    demand = first_row[assign.start : assign.start + assign.size].reshape(customers, facilities)[:, 0]
    capacity = -np.diag(capacity_rows[:, opening.start : opening.start + opening.size].toarray())
    _range(model, "customers", customers)
    _range(model, "facilities", facilities)
    model.parameter("demand", "customers", demand)
    model.parameter("capacity", "facilities", capacity)
    model.parameter("fixed_cost", "facilities", form.objective[opening.start : opening.start + opening.size])
    model.parameter(
        "transport_cost", ("customers", "facilities"),
        form.objective[assign.start : assign.start + assign.size].reshape(customers, facilities),
    )
    model.variable("x", ("customers", "facilities"), "continuous", 0, 1)
    model.variable("open", "facilities", "binary", 0, 1)
    model.minimize(
        "sum(transport_cost[i,j] * x[i,j] for i in customers for j in facilities) + sum(fixed_cost[j] * open[j] for j in facilities)"
    )
    model.constrain("demand", "sum(x[i,j] for j in facilities) >= 1", "i in customers")
    model.constrain("capacity", "sum(demand[i] * x[i,j] for i in customers) <= capacity[j] * open[j]", "j in facilities")
    model.constrain("total_capacity", "sum(capacity[j] * open[j] for j in facilities) >= sum(demand[i] for i in customers)")
    model.constrain("tightening", "x[i,j] <= open[j]", "i in customers, j in facilities")
    return model.problem


def _edge_set(model: Model, form: StandardForm, constraint: str, set_name: str) -> bool:
    block = form.names.constraint_block(constraint)
    keys = _keys(block)
    if block.size == 0:
        return False
    _tuples(model, set_name, keys[:, 0], keys[:, 1])
    return True


def _independent_set(form: StandardForm) -> Problem:
    model = Model(form.name or "indset")
    _range(model, "nodes", form.num_columns)
    model.variable("x", "nodes", "binary", 0, 1)
    model.maximize("sum(x[v] for v in nodes)")
    block, matrix = _rows(form, "clique")
    if block.size:
        rows, columns, _ = _row_entries(matrix)
        _range(model, "cliques", block.size)
        _tuples(model, "clique_members", rows, columns)
        model.constrain("clique", "sum(x[v] for (c, v) in clique_members if c == k) <= 1", "k in cliques")
    if _edge_set(model, form, "edge", "edges"):
        model.constrain("edge", "x[u] + x[v] <= 1", "(u, v) in edges")
    return model.problem


def _vertex_cover(form: StandardForm) -> Problem:
    model = Model(form.name or "vertexcover")
    _range(model, "nodes", form.num_columns)
    model.parameter("weight", "nodes", form.objective)
    model.variable("x", "nodes", "binary", 0, 1)
    model.minimize("sum(weight[v] * x[v] for v in nodes)")
    if _edge_set(model, form, "cover", "edges"):
        model.constrain("cover", "x[u] + x[v] >= 1", "(u, v) in edges")
    return model.problem


def _multiple_knapsack(form: StandardForm) -> Problem:
    model = Model(form.name or "mknapsack")
    assign = form.names.variable_block("x")
    items, knapsacks = assign.shape
    block, capacity_rows = _rows(form, "capacity")
    weight = capacity_rows[[0], :].toarray().ravel().reshape(items, knapsacks)[:, 0]
    _range(model, "items", items)
    _range(model, "knapsacks", knapsacks)
    model.parameter("profit", "items", form.objective.reshape(items, knapsacks)[:, 0])
    model.parameter("weight", "items", weight)
    model.parameter("capacity", "knapsacks", form.row_upper[block.start : block.start + block.size])
    model.variable("x", ("items", "knapsacks"), "binary", 0, 1)
    model.maximize("sum(profit[i] * x[i,k] for i in items for k in knapsacks)")
    model.constrain("capacity", "sum(weight[i] * x[i,k] for i in items) <= capacity[k]", "k in knapsacks")
    model.constrain("assign", "sum(x[i,k] for k in knapsacks) <= 1", "i in items")
    return model.problem


def _generalized_independent_set(form: StandardForm) -> Problem:
    model = Model(form.name or "gisp")
    nodes = form.names.variable_block("x")
    removable = form.names.variable_block("y")
    _range(model, "nodes", nodes.size)
    model.parameter("node_weight", "nodes", -form.objective[nodes.start : nodes.start + nodes.size])
    model.variable("x", "nodes", "binary", 0, 1)
    objective = "sum(-node_weight[v] * x[v] for v in nodes)"
    if removable.size:
        keys = _keys(removable)
        _tuples(model, "removable_edges", keys[:, 0], keys[:, 1])
        model.parameter("edge_cost", "removable_edges", form.objective[removable.start : removable.start + removable.size])
        model.variable("y", "removable_edges", "binary", 0, 1)
        objective += " + sum(edge_cost[u,v] * y[u,v] for (u, v) in removable_edges)"
    model.minimize(objective)
    if _edge_set(model, form, "conflict", "fixed_edges"):
        model.constrain("conflict", "x[u] + x[v] <= 1", "(u, v) in fixed_edges")
    if removable.size:
        model.constrain("removable", "x[u] + x[v] - y[u,v] <= 1", "(u, v) in removable_edges")
    return model.problem


PROBLEM_BUILDERS: dict[str, Callable[[StandardForm], Problem]] = {
    "setcover": _set_cover,
    "cauctions": _combinatorial_auction,
    "facility": _facility,
    "indset": _independent_set,
    "vertexcover": _vertex_cover,
    "mknapsack": _multiple_knapsack,
    "gisp": _generalized_independent_set,
}


def to_problem(form: StandardForm, family: str | None = None) -> Problem:
    """The five-element Problem of a generated instance (family read from its name unless given)."""
    key = family or _family_of(form)
    if key not in PROBLEM_BUILDERS:
        raise ValueError(f"unknown MILP family {key!r}; choose one of {', '.join(PROBLEM_BUILDERS)}")
    return PROBLEM_BUILDERS[key](form)
