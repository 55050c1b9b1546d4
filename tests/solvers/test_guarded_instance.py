"""The wall-clock guard for persistent HiGHS instances: re-solves of a large model return in time, and the worker's
mirror of the instance gives the in-process Result and follows every change."""

from __future__ import annotations

import math
import os
import signal
import threading
import time

import numpy as np
import pytest
from ormodel.solvers.base import Capability
from ormodel.solvers.conformance import CASES
from ormodel.solvers.guard import GUARD_FACTOR, worker_pids

import ormodel as om
from ormodel.datasets.milp.grid_facility import grid_facility_location
from ormodel.errors import OptionError, UnsupportedProblem
from ormodel.problem import Problem
from ormodel.result import Result, Status

GUARDED = {"wall_clock_guard": True}
IN_PROCESS = {"wall_clock_guard": False}


def test_a_resolve_of_a_large_instance_returns_within_its_wall_clock_limit() -> None:
    """fac-40 (538 k non-zeros): in process, HiGHS's presolve ran 3.5-3.8 s against time_limit=1, on the first solve and
    on every re-solve; the guard is on by size and stops both within T × 1.05 + 1 s."""
    limit = 1.0
    inst = om.Instance(grid_facility_location(40, demand=True), solver="highs", time_limit=limit, threads=1)
    for change in (None, 2.0):
        if change is not None:
            inst.set_parameter("demand", {(3, 4): change})
        started = time.monotonic()
        result = inst.solve()
        wall = time.monotonic() - started
        assert wall <= limit * GUARD_FACTOR + 1.0, wall
        assert result.status in (Status.TIME_LIMIT, Status.OPTIMAL)
        guard = result.extra["wall_clock_guard"]
        assert guard["worker"] and guard["instance"]
        if guard["killed"]:
            assert result.status == Status.TIME_LIMIT and "wall-clock guard" in result.message and result.limit is not None
            assert result.values is None or len(result.values) == inst.form.num_columns


def _instance_cases() -> list:
    cases = []
    for case in CASES:
        if case.needs not in (Capability.LP, Capability.MILP) or case.native or case.max_wall_time is not None:
            continue
        model = case.build()
        if not isinstance(model, Problem):
            continue
        try:
            om.Instance(model, solver="highs")
        except UnsupportedProblem:
            continue
        cases.append(pytest.param(case, id=case.name))
    return cases


def _same(in_process: Result, guarded: Result, points: bool = True) -> None:
    """The same Result; ``points``: the same point too (not where the optimum is not unique and the two had other warm starts)."""
    assert guarded.status == in_process.status
    for field in ("objective", "bound"):
        mine, theirs = getattr(guarded, field), getattr(in_process, field)
        assert (mine is None) == (theirs is None), field
        if mine is not None:
            assert (math.isnan(mine) and math.isnan(theirs)) or mine == pytest.approx(theirs, rel=1e-9, abs=1e-9), field
    assert (guarded.values is None) == (in_process.values is None)
    if guarded.values is not None and points:
        np.testing.assert_allclose(guarded.values, in_process.values, atol=1e-9)
    assert (guarded.conflict is None) == (in_process.conflict is None)
    if guarded.conflict is not None:
        assert sorted(guarded.conflict.rows) == sorted(in_process.conflict.rows)
    assert (guarded.ray is None) == (in_process.ray is None)
    assert guarded.termination == in_process.termination
    assert guarded.names is not None and guarded.names.column_labels(3) == in_process.names.column_labels(3)
    assert guarded.extra["wall_clock_guard"]["worker"] and not guarded.extra["wall_clock_guard"]["killed"]
    assert "wall_clock_guard" not in in_process.extra


@pytest.mark.parametrize("case", _instance_cases())
def test_guarded_and_in_process_instance_solves_agree(case) -> None:
    in_process = om.Instance(case.build(), solver="highs", solve_options=case.options).solve(extra={**case.options.extra, **IN_PROCESS},
                                                                                             check=True)
    guarded = om.Instance(case.build(), solver="highs", solve_options=case.options).solve(extra={**case.options.extra, **GUARDED},
                                                                                         check=True)
    _same(in_process, guarded)
    assert guarded.status in case.statuses
    if case.objective is not None and guarded.objective is not None and guarded.status == Status.OPTIMAL:
        assert guarded.objective == pytest.approx(case.objective, rel=case.tolerance, abs=case.tolerance)


def _lots() -> om.Model:
    model = om.Model("lots")
    plants = model.set("I", [1, 2, 3])
    cost = model.parameter("cost", plants, [3, 1, 2])
    need = model.parameter("need", values=4)
    x = model.variable("x", plants, upper=3, domain="integer")
    i = plants.index("i")
    model.minimize(om.sum(cost[i] * x[i], over=i))
    model.constrain("demand", om.sum(x[i], over=i) >= need)
    return model


def test_changes_after_a_guarded_solve_reach_the_next_one() -> None:
    """Every kind of change, solved in the worker's mirror (sent as a diff) and in process: the same answer each time."""
    inst = _lots().instance(solver="highs", extra=GUARDED)
    pids = set()

    def agrees(expected: float) -> Result:
        guarded = inst.solve(check=True)
        in_process = inst.solve(extra=IN_PROCESS, check=True)
        assert guarded.status == Status.OPTIMAL and guarded.objective == pytest.approx(expected)
        _same(in_process, guarded, points=False)  # the in-process solve starts from the guarded one's point
        assert guarded.check is not None and guarded.check.feasible
        pids.add(guarded.extra["wall_clock_guard"]["pid"])
        return guarded

    first = agrees(5.0).extra["wall_clock_guard"]
    assert first["loaded"] or first["preload_wait"] is not None  # loaded when the instance was made, or by this solve
    inst.set_parameter("need", 5)
    assert not agrees(7.0).extra["wall_clock_guard"]["loaded"]  # the worker got the diff, not the model
    inst.set_parameter("cost", {2: 10})
    agrees(12.0)
    inst.set_bounds("x", upper=5, at=3)
    assert agrees(10.0).value("x[3]") == pytest.approx(5.0)
    inst.set_rhs("demand", 2)
    agrees(4.0)
    inst.add_constraint("first", "x[1] >= 1")
    agrees(5.0)
    inst.add_variable("y", upper=10, cost=0.5)
    inst.add_constraint("link", "sum(x[i] for i in I) + y >= 8")
    assert agrees(8.0).value("y") == pytest.approx(6.0)
    inst.remove_constraint("first")
    agrees(7.0)
    inst.set_objective("sum(x[i] for i in I) + y", "min")
    agrees(8.0)
    inst.remove_constraint("link")
    inst.set_objective("sum(x[i] for i in I)")
    inst.remove_variable("y")
    assert list(agrees(2.0).variable("x")) == [(1,), (2,), (3,)]
    assert inst.rebuilds == 1 and len(pids) == 1


def test_a_change_after_a_lost_worker_reaches_a_fresh_one() -> None:
    """The worker holding the instance is killed mid-solve (an ERROR Result saying so); the next solve loads the instance,
    with the change made in between, into a new worker."""
    inst = om.Instance(grid_facility_location(20, demand=True), solver="highs", time_limit=60, threads=1, extra=GUARDED)
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(inst.solve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not worker_pids() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    os.kill(worker_pids()[0], signal.SIGKILL)
    thread.join(timeout=20)
    assert results and results[0].status == Status.ERROR and "worker process died" in results[0].message
    inst.set_parameter("demand", {(0, 0): 21.0})  # 21 of the 20 facilities: infeasible, which presolve sees at once
    after = inst.solve()
    facts = after.extra["wall_clock_guard"]
    # Loaded again: in the background right after the loss (the solve waited for it), or by the solve itself.
    assert (facts["loaded"] or facts["preload_wait"] is not None) and not facts["killed"]
    assert after.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED)


def test_the_guard_switch_of_an_instance() -> None:
    small = _lots().instance(solver="highs", time_limit=5)
    assert "wall_clock_guard" not in small.solve().extra  # small: in process by default
    assert small.solve(extra=GUARDED).extra["wall_clock_guard"]["worker"]
    with pytest.raises(OptionError, match="wall_clock_guard"):
        small.solve(extra={"wall_clock_guard": "yes"})
    large = om.Instance(grid_facility_location(24), solver="highs", time_limit=30, extra=IN_PROCESS)
    assert "wall_clock_guard" not in large.solve(time_limit=0.0).extra  # forced off though large
