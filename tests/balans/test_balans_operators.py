"""Every destroy operator, repaired by a sub-MIP, yields a feasible neighbour of the incumbent."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ormodel.learned.balans.config import BalansConfig, parse_operator
from ormodel.learned.balans.operators import make_operator
from ormodel.learned.balans.search import BalansState, Deadline, SearchContext, _Destroyed, trivial_solution
from ormodel.solvers.persistent import open_persistent

from .conftest import mixed_knapsack, set_cover


def _context(form, backend: str) -> tuple[SearchContext, BalansState]:
    config = BalansConfig(iteration_time=5.0)
    context = SearchContext(form, open_persistent(form, backend), config, Deadline(60.0))
    incumbent = trivial_solution(form)
    assert incumbent is not None
    context.add_to_pool(incumbent)
    return context, BalansState(incumbent, context.internal_objective(incumbent))


# One size per kind (the sizes only scale the same construction).
KINDS = ("crossover", "dins", "local_branching_25", "mutation_50", "proximity_1.5", "rens_50", "rins_50", "random_objective")


@pytest.mark.parametrize("make_form", [mixed_knapsack, set_cover], ids=["mixed-knapsack", "set-cover"])
@pytest.mark.parametrize("name", KINDS)
def test_operator_yields_feasible_neighbour(make_form, name: str, backend: str) -> None:
    form = make_form()
    context, state = _context(form, backend)
    operator = make_operator(name)
    neighborhood = operator(context, state.values, np.random.default_rng(1))
    if operator.kind == "dins" and form.name.startswith("set-cover"):
        # Binary problem: DINS may find no column with |x_lp - x_inc| >= 0.5 at an all-ones start; both are valid.
        pass
    else:
        assert not neighborhood.empty, f"{name} found nothing to search on {form.name}"
    candidate = context.repair(_Destroyed(state, neighborhood, name))
    if neighborhood.empty:
        assert candidate.value == math.inf  # rejected by every acceptance criterion
        return
    assert math.isfinite(candidate.value), f"{name}: the sub-MIP returned no solution"
    violations = form.violations(candidate.values)
    assert max(violations.values()) <= 1e-6
    assert candidate.value == pytest.approx(context.internal_objective(candidate.values))
    if neighborhood.warm_start and neighborhood.objective is None:
        assert candidate.value <= state.value + 1e-9  # started from the incumbent, never worse
    if neighborhood.fix.size:
        assert np.allclose(candidate.values[neighborhood.fix], state.values[neighborhood.fix])
    assert context.model.checkpoint() == 0  # every change was rolled back


def test_local_branching_and_proximity_stay_close() -> None:
    form = set_cover()
    context, state = _context(form, "highs")
    radius_rows = make_operator("local_branching_10")(context, state.values, np.random.default_rng(0)).rows
    matrix, _, upper = radius_rows[0]
    binaries = int(context.binary.sum())
    candidate = context.repair(_Destroyed(state, make_operator("local_branching_10")(context, state.values, np.random.default_rng(0)), "lb"))
    distance = np.abs(candidate.values - state.values)[context.binary].sum()
    assert distance <= 0.10 * binaries + 1e-9
    assert matrix.shape == (1, form.num_columns) and upper[0] <= 0.10 * binaries - float(state.values[context.binary].sum()) + 1e-9
    proximity = make_operator("proximity_3")(context, state.values, np.random.default_rng(0))
    candidate = context.repair(_Destroyed(state, proximity, "proximity_3"))
    assert candidate.value <= state.value  # the objective cut (with its penalised slack) only admits improvements here


def test_operator_names_parse() -> None:
    assert parse_operator("rins_25") == ("rins", 0.25)
    assert parse_operator("proximity_0.5") == ("proximity", 0.005)
    assert parse_operator("dins") == ("dins", None)
    for bad, message in [("rins", "needs a neighbourhood size"), ("dins_5", "takes no size"), ("foo_5", "unknown operator"),
                         ("mutation_0", "must be in")]:
        with pytest.raises(ValueError, match=message):
            parse_operator(bad)


def test_full_model_sub_mips_wait_for_room_until_their_overrun_is_known() -> None:
    form = set_cover()
    config = BalansConfig(iteration_time=1.0)  # local branching wants 2.5 s
    context = SearchContext(form, open_persistent(form, "highs"), config, Deadline(2.0))
    incumbent = trivial_solution(form)
    assert incumbent is not None
    state = BalansState(incumbent, context.internal_objective(incumbent))
    operator = make_operator("local_branching_10")
    neighborhood = operator(context, state.values, np.random.default_rng(0))
    assert neighborhood.dense_rows
    # 2 s left < 2.5 s assumed overrun: not started, nothing solved.
    assert context.repair(_Destroyed(state, neighborhood, operator.name)).value == math.inf
    assert operator.name not in context.operator_overshoot
    # Once the operator's overrun is known to be small, it runs within what is left.
    context.operator_overshoot[operator.name] = 0.0
    candidate = context.repair(_Destroyed(state, neighborhood, operator.name))
    assert math.isfinite(candidate.value)
    assert operator.name in context.operator_overshoot
