"""Feature extraction and the strong-branching expert on a three-variable MIP checked by hand.

    min  -3x - 2y + z
    s.t. r1:  2x + 2y      <= 3
         r2:        y - z  >= -2
         r3:   x       + z  = 1.5
         x, y binary, 0 <= z <= 4 continuous

With presolve, propagation, cuts and heuristics off, the root LP optimum is x = 1, y = 0.5,
z = 0.5 (objective -3.5). Basic: y, z and r2's slack; duals (c - A'pi = reduced costs):
pi1 = -1, pi2 = 0, pi3 = 1; reduced cost of x = -3 - (2·(-1) + 1·1) = -2. ||c|| = sqrt(14).
Strong branching on y: y = 0 gives x = 1, z = 0.5 and y = 1 gives x = 0.5, z = 1, both with LP
value -2.5: gains 1 and 1, SCIP's product score 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pyscipopt = pytest.importorskip("pyscipopt")

from ormodel.learned.branching.expert import expert_decision
from ormodel.learned.branching.observation import (
    CONSTRAINT_FEATURES,
    VARIABLE_FEATURES,
    ObservationExtractor,
)

OBJECTIVE_NORM = math.sqrt(14.0)
SQRT2 = math.sqrt(2.0)
SQRT8 = math.sqrt(8.0)


def _tiny_model() -> pyscipopt.Model:
    model = pyscipopt.Model()
    model.hideOutput()
    x = model.addVar("x", vtype="B", obj=-3.0)
    y = model.addVar("y", vtype="B", obj=-2.0)
    z = model.addVar("z", vtype="C", lb=0.0, ub=4.0, obj=1.0)
    model.addCons(2 * x + 2 * y <= 3, name="r1")
    model.addCons(y - z >= -2, name="r2")
    model.addCons(x + z == 1.5, name="r3")
    model.setPresolve(pyscipopt.SCIP_PARAMSETTING.OFF)
    model.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
    model.setSeparating(pyscipopt.SCIP_PARAMSETTING.OFF)
    model.setIntParam("propagating/maxroundsroot", 0)
    model.setLongintParam("limits/nodes", 1)
    return model


class _Probe(pyscipopt.Branchrule):
    """Records the root observation, the LP column names and the expert decision, then defers."""

    def __init__(self) -> None:
        self.extractor = ObservationExtractor()
        self.observation = None
        self.second = None
        self.names: list[str] = []
        self.decision = None
        self.lp_before = self.lp_after = math.nan
        self.bounds_after: list[tuple[float, float]] = []

    def branchexeclp(self, allowaddcons):
        if self.observation is None:
            self.observation = self.extractor.extract(self.model)
            self.second = self.extractor.extract(self.model)
            self.names = [column.getVar().name.removeprefix("t_") for column in self.model.getLPColsData()]
            candidates, *_ = self.model.getLPBranchCands()
            self.lp_before = self.model.getLPObjVal()
            self.decision = (len(candidates), candidates[0].name.removeprefix("t_"), expert_decision(self.model, candidates))
            self.lp_after = self.model.getLPObjVal()
            self.bounds_after = [(column.getLb(), column.getUb()) for column in self.model.getLPColsData()]
        return {"result": pyscipopt.SCIP_RESULT.DIDNOTRUN}


@pytest.fixture(scope="module")
def probe() -> _Probe:
    model = _tiny_model()
    rule = _Probe()
    model.includeBranchrule(rule, "probe", "test probe", 10_000_000, -1, 1.0)
    model.optimize()
    assert rule.observation is not None, "SCIP never branched on the root LP"
    return rule


def test_shapes_and_feature_names(probe: _Probe) -> None:
    observation = probe.observation
    assert len(CONSTRAINT_FEATURES) == 5 and len(VARIABLE_FEATURES) == 19
    # r2 and r3 have a left-hand side, r1 and r3 a right-hand side: 4 constraint nodes.
    assert observation.constraint_features.shape == (4, 5)
    assert observation.variable_features.shape == (3, 19)
    assert observation.edge_indices.shape == (2, 8)
    assert observation.edge_features.shape == (8, 1)


def test_constraint_features_by_hand(probe: _Probe) -> None:
    features = probe.observation.constraint_features
    # Node order: lhs sides in row order (r2, r3), then rhs sides (r1, r3).
    cosine_r1 = -10.0 / (SQRT8 * OBJECTIVE_NORM)
    cosine_r2 = -3.0 / (SQRT2 * OBJECTIVE_NORM)
    cosine_r3 = -2.0 / (SQRT2 * OBJECTIVE_NORM)
    expected = np.array([
        # obj_cosine, bias, is_tight, dual/(norm*||c||)
        [-cosine_r2, 2.0 / SQRT2, 0.0, 0.0],
        [-cosine_r3, -1.5 / SQRT2, 1.0, -1.0 / (SQRT2 * OBJECTIVE_NORM)],
        [cosine_r1, 3.0 / SQRT8, 1.0, -1.0 / (SQRT8 * OBJECTIVE_NORM)],
        [cosine_r3, 1.5 / SQRT2, 1.0, 1.0 / (SQRT2 * OBJECTIVE_NORM)],
    ])
    np.testing.assert_allclose(features[:, :4], expected, atol=1e-5)
    # Ages are scaled by (LPs + 5): the tight rows were never inactive.
    assert np.all(features[:, 4] >= 0.0) and np.all(features[:, 4] < 1.0)
    assert features[1, 4] == features[2, 4] == features[3, 4] == 0.0


def test_edges_by_hand(probe: _Probe) -> None:
    observation = probe.observation
    column = {name: index for index, name in enumerate(probe.names)}
    edges = {(int(constraint), probe.names[int(variable)]): float(value)
             for constraint, variable, value in zip(*observation.edge_indices, observation.edge_features[:, 0])}
    expected = {
        (0, "y"): -1 / SQRT2, (0, "z"): 1 / SQRT2,      # -(y - z) over ||(1, -1)||
        (1, "x"): -1 / SQRT2, (1, "z"): -1 / SQRT2,     # -(x + z)
        (2, "x"): 2 / SQRT8, (2, "y"): 2 / SQRT8,       # 2x + 2y
        (3, "x"): 1 / SQRT2, (3, "z"): 1 / SQRT2,       # x + z
    }
    assert set(edges) == set(expected)
    for key, value in expected.items():
        assert edges[key] == pytest.approx(value, abs=1e-6), key
    assert set(column) == {"x", "y", "z"}


def test_variable_features_by_hand(probe: _Probe) -> None:
    features = probe.observation.variable_features
    rows = {name: features[index] for index, name in enumerate(probe.names)}
    names = list(VARIABLE_FEATURES)

    def feature(variable: str, name: str) -> float:
        return float(rows[variable][names.index(name)])

    # Types.
    assert [feature("x", "type_binary"), feature("y", "type_binary"), feature("z", "type_continuous")] == [1, 1, 1]
    assert feature("z", "type_binary") == 0.0
    # Objective over ||c||.
    assert feature("x", "coef_normalized") == pytest.approx(-3 / OBJECTIVE_NORM, abs=1e-6)
    assert feature("y", "coef_normalized") == pytest.approx(-2 / OBJECTIVE_NORM, abs=1e-6)
    assert feature("z", "coef_normalized") == pytest.approx(1 / OBJECTIVE_NORM, abs=1e-6)
    # Bounds and LP solution x = 1 (at its upper bound), y = z = 0.5.
    for variable in "xyz":
        assert feature(variable, "has_lb") == feature(variable, "has_ub") == 1.0
    assert feature("x", "sol_is_at_ub") == 1.0 and feature("x", "sol_is_at_lb") == 0.0
    assert feature("y", "sol_is_at_ub") == feature("y", "sol_is_at_lb") == 0.0
    assert [feature(v, "sol_val") for v in "xyz"] == pytest.approx([1.0, 0.5, 0.5])
    assert feature("y", "sol_frac") == pytest.approx(0.5)
    assert feature("x", "sol_frac") == 0.0
    assert feature("z", "sol_frac") == 0.0  # continuous columns have no fractionality
    # Basis: x nonbasic at its upper bound, y and z basic.
    assert feature("x", "basis_upper") == 1.0
    assert feature("y", "basis_basic") == feature("z", "basis_basic") == 1.0
    # Reduced cost of x is -2; basic columns have 0.
    assert feature("x", "reduced_cost") == pytest.approx(-2 / OBJECTIVE_NORM, abs=1e-6)
    assert feature("y", "reduced_cost") == pytest.approx(0.0, abs=1e-9)
    # No incumbent yet (heuristics off).
    assert feature("x", "inc_val") == 0.0


def test_cached_extraction_matches_first(probe: _Probe) -> None:
    first, second = probe.observation, probe.second
    np.testing.assert_array_equal(first.constraint_features, second.constraint_features)
    np.testing.assert_array_equal(first.variable_features, second.variable_features)
    assert second.edge_indices is first.edge_indices  # static part reused, not rebuilt


def test_expert_scores_by_hand_without_side_effects(probe: _Probe) -> None:
    count, name, decision = probe.decision
    assert (count, name) == (1, "y")
    assert decision.best == 0 and decision.lp_errors == 0
    assert decision.scores[0] == pytest.approx(1.0 * 1.0, rel=1e-4)
    assert probe.lp_after == pytest.approx(probe.lp_before) == pytest.approx(-3.5)
    assert probe.bounds_after == [(0.0, 1.0), (0.0, 1.0), (0.0, 4.0)]
