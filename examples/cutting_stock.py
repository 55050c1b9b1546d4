"""Cutting stock by column generation (Gilmore & Gomory) on a persistent instance.

Rolls of width 100 are cut into orders of widths 45, 36, 31 and 14 (demands 97, 610, 395, 211;
the classic example of Chvátal's *Linear Programming*, ch. 13). The master LP chooses how often
to cut each pattern; a pattern is a column. The model reserves ``slots`` pattern columns whose
coefficients are a parameter ``pieces[i, p]`` (0 for unused slots) and whose upper bound is a
parameter ``open[p]`` (0 for unused slots); adding a pattern is two ``set_parameter`` calls: only the
coefficients of the cover rows that change, and the one bound, are sent to the solver. The pricing problem is an integer knapsack on the cover rows'
duals, solved by dynamic programming. The master LP's optimum is 452.25 rolls; rounding its
patterns up and solving the integer master over them gives 453.
"""

from __future__ import annotations

import numpy as np

import ormodel as om

ROLL = 100
MOST = 1000  # no pattern is cut more often (the largest demand is 610)
WIDTHS = {"w45": 45, "w36": 36, "w31": 31, "w14": 14}
DEMAND = {"w45": 97, "w36": 610, "w31": 395, "w14": 211}


def build(slots: int = 30) -> om.Model:
    """The master over ``slots`` pattern slots, the first ones holding one single-width pattern per order."""
    model = om.Model("cutting_stock")
    items = model.set("items", list(WIDTHS))
    patterns = model.set("patterns", range(slots))
    initial = np.zeros((len(WIDTHS), slots))
    for position, width in enumerate(WIDTHS.values()):
        initial[position, position] = ROLL // width
    pieces = model.parameter("pieces", (items, patterns), initial)
    demand = model.parameter("demand", items, list(DEMAND.values()))
    upper = model.parameter("open", patterns, [MOST if slot < len(WIDTHS) else 0.0 for slot in range(slots)])
    cut = model.variable("cut", patterns, upper=upper)
    i, p = items.index("i"), patterns.index("p")
    model.minimize(om.sum(cut[p], over=p))
    model.constrain("cover", om.sum(pieces[i, p] * cut[p], over=p) >= demand[i], for_each=i)
    return model


def best_pattern(prices: list[float]) -> tuple[float, list[int]]:
    """The most valuable pattern (an integer knapsack of the roll, by dynamic programming) and its value."""
    widths = list(WIDTHS.values())
    value = [0.0] * (ROLL + 1)
    choice: list[int | None] = [None] * (ROLL + 1)
    for capacity in range(1, ROLL + 1):
        value[capacity], choice[capacity] = value[capacity - 1], None
        for item, width in enumerate(widths):
            if width <= capacity and value[capacity - width] + prices[item] > value[capacity] + 1e-12:
                value[capacity], choice[capacity] = value[capacity - width] + prices[item], item
    counts = [0] * len(widths)
    capacity = ROLL
    while capacity > 0:
        item = choice[capacity]
        if item is None:
            capacity -= 1
            continue
        counts[item] += 1
        capacity -= widths[item]
    return value[ROLL], counts


def column_generation(solver: str = "highs", slots: int = 30) -> tuple[om.Result, om.Instance, int]:
    """Add the best pattern while it prices out below 1; returns the last master solution, the instance and the patterns used."""
    inst = build(slots).instance(solver=solver)
    used = len(WIDTHS)
    while True:
        result = inst.solve()
        duals = result.duals_by_name()
        prices = [duals[f"cover[{item}]"] for item in WIDTHS]
        value, counts = best_pattern(prices)
        if value <= 1.0 + 1e-9 or used == slots:
            return result, inst, used
        inst.set_parameter("pieces", {(item, used): count for item, count in zip(WIDTHS, counts)})
        inst.set_parameter("open", {used: MOST})
        used += 1


def integer_master(inst: om.Instance) -> om.Result:
    """The master over the generated patterns with integer cuts (solved from scratch)."""
    import dataclasses

    problem = inst.problem
    variables = dict(problem.variables, cut=dataclasses.replace(problem.variables["cut"], domain=om.Domain.INTEGER))
    return om.solve(dataclasses.replace(problem, variables=variables), solver="highs")


if __name__ == "__main__":
    master, instance, patterns = column_generation()
    print(f"master LP: {master.objective:.2f} rolls with {patterns} patterns; integer master: {integer_master(instance).objective:.0f}")
