"""Example models reach their known optima, in YAML and through the Python API alike."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

import ormodel as om

KNOWN_OPTIMA = {
    "transportation": 153.675,  # GAMS model library, trnsport
    "production": 36.0,  # Hillier & Lieberman, Wyndor Glass
    "assignment": 13.0,  # checked by enumeration below
    "knapsack": 295.0,  # checked by enumeration below
    "facility_location": 505.0,  # checked by enumeration of open sets below
}


def _load_python_example(path: Path) -> om.Model:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build()


@pytest.mark.parametrize("name", sorted(KNOWN_OPTIMA) + ["diet"])
def test_yaml_and_python_agree(examples_dir: Path, name: str) -> None:
    from_yaml = om.solve(examples_dir / f"{name}.yaml")
    from_python = _load_python_example(examples_dir / f"{name}.py").solve()
    assert from_yaml.status == om.Status.OPTIMAL
    assert from_python.objective == pytest.approx(from_yaml.objective, rel=1e-9)
    if name in KNOWN_OPTIMA:
        assert from_yaml.objective == pytest.approx(KNOWN_OPTIMA[name], rel=1e-9)


def test_assignment_by_enumeration(examples_dir: Path) -> None:
    cost = np.array([[9, 2, 7, 8], [6, 4, 3, 7], [5, 8, 1, 8], [7, 6, 9, 4]])
    best = min(sum(cost[worker, job] for worker, job in enumerate(order)) for order in itertools.permutations(range(4)))
    assert best == KNOWN_OPTIMA["assignment"]


def test_knapsack_by_enumeration() -> None:
    value = [55, 10, 47, 5, 4, 50, 8, 61, 85, 87]
    weight = [95, 4, 60, 32, 23, 72, 80, 62, 65, 46]
    best = 0
    for mask in range(1 << 10):
        chosen = [item for item in range(10) if mask >> item & 1]
        if sum(weight[item] for item in chosen) <= 269:
            best = max(best, sum(value[item] for item in chosen))
    assert best == KNOWN_OPTIMA["knapsack"]


def test_facility_location_by_enumeration() -> None:
    fixed = [120, 100, 90, 110]
    capacity = [70, 60, 50, 80]
    demand = [20, 25, 15, 30, 10, 20]
    unit = np.array([[2, 3, 6, 7, 5, 4], [5, 2, 3, 6, 4, 6], [7, 6, 2, 3, 5, 5], [3, 5, 6, 2, 2, 3]], dtype=float)
    best = np.inf
    for mask in range(1, 16):
        opened = [depot for depot in range(4) if mask >> depot & 1]
        if sum(capacity[depot] for depot in opened) < sum(demand):
            continue
        count = len(opened) * 6
        equality = np.zeros((6, count))
        inequality = np.zeros((len(opened), count))
        for slot, depot in enumerate(opened):
            for customer in range(6):
                equality[customer, slot * 6 + customer] = 1
                inequality[slot, slot * 6 + customer] = 1
        solution = linprog(unit[opened].ravel(), A_ub=inequality, b_ub=[capacity[depot] for depot in opened],
                           A_eq=equality, b_eq=demand, bounds=[(0, demand[index % 6]) for index in range(count)])
        best = min(best, solution.fun + sum(fixed[depot] for depot in opened))
    assert best == pytest.approx(KNOWN_OPTIMA["facility_location"])


def test_diet_against_scipy(examples_dir: Path) -> None:
    cost = [2.0, 3.5, 8.0, 1.5, 11.0, 1.0]
    content = np.array([[65, 110, 100, 90, 150, 75], [2.0, 6.0, 7.0, 1.5, 22.0, 3.0], [5, 300, 200, 10, 12, 150]])
    solution = linprog(cost, A_ub=np.vstack([content, -content]), b_ub=[2500, 120, 1600, -2000, -55, -800], bounds=[(0, 10)] * 6)
    assert om.solve(examples_dir / "diet.yaml").objective == pytest.approx(solution.fun, rel=1e-9)


def _without_descriptions(document: object) -> object:
    if isinstance(document, dict):
        return {key: _without_descriptions(value) for key, value in document.items() if key != "description"}
    if isinstance(document, list):
        return [_without_descriptions(item) for item in document]
    return document


def test_timetable_is_a_feasibility_model_solved_on_cpsat(examples_dir: Path) -> None:
    pytest.importorskip("ortools")
    from ormodel.io import problem_to_dict

    module = timetable_module(examples_dir)
    timetable = module.build()
    from_yaml = om.load(examples_dir / "timetable.yaml")
    assert _without_descriptions(problem_to_dict(timetable.problem)) == _without_descriptions(problem_to_dict(from_yaml))
    result = om.solve(from_yaml, solver="cpsat", check=True)
    assert result.status == om.Status.OPTIMAL and result.feasibility and result.check.feasible
    # The rules, checked here on their own: each exam once, one exam per room and slot, seats, clashes, absent teachers.
    placed = {label.split("[")[1].rstrip("]") for label, value in result.values_by_name().items() if value > 0.5}
    slot_of = {exam: int(slot) for exam, slot, _ in (entry.split(",") for entry in placed)}
    rooms = [(slot, room) for _, slot, room in (entry.split(",") for entry in placed)]
    seats = {"hall": 150, "lab": 60, "annex": 40}
    students = dict(zip(module.EXAMS, module.STUDENTS))
    assert sorted(slot_of) == sorted(students) and len(placed) == len(students) and len(set(rooms)) == len(rooms)
    assert all(students[exam] <= seats[room] for exam, _, room in (entry.split(",") for entry in placed))
    assert all(slot_of[first] != slot_of[second] for first, second in module.CLASHES)
    assert all(slot_of[exam] != slot for exam, slot in module.UNAVAILABLE)


def timetable_module(examples_dir: Path) -> Any:
    spec = importlib.util.spec_from_file_location("timetable", examples_dir / "timetable.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_timetable_with_three_slots_is_infeasible_because_of_the_four_clashing_exams(examples_dir: Path) -> None:
    pytest.importorskip("ortools")
    result = timetable_module(examples_dir).build(slots=3).solve("cpsat")
    assert result.status == om.Status.INFEASIBLE and result.feasibility
    assert result.conflict is not None and "no_clash" in result.conflict.families()


def test_can_design_reaches_the_calculus_optimum(examples_dir: Path) -> None:
    pytest.importorskip("pyscipopt")
    radius = (1000 / (2 * np.pi)) ** (1 / 3)
    for result in (om.solve(examples_dir / "can_design.yaml", solver="auto", check=True), _load_python_example(examples_dir / "can_design.py").solve("auto")):
        assert result.status == om.Status.OPTIMAL
        assert result.objective == pytest.approx(6 * np.pi * radius**2, rel=1e-6)
        assert result.value("height") == pytest.approx(2 * result.value("radius"), rel=1e-4)
