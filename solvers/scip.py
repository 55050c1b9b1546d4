"""SCIP backend (pyscipopt): LP, MILP, MIQP and nonlinear models, IIS, warm starts and plugins.

Linear and quadratic-objective models go through the compiled
:class:`~ormodel.standard_form.StandardForm` (one ``addVar`` per column, one linear constraint per
row built from the CSR arrays). Models with nonlinear terms (``exp``, ``log``, ``sqrt``, ``sin``,
``cos``, products of variables in constraints, powers, division by variables) are built element
by element from the :class:`~ormodel.problem.Problem`: every row of every constraint family is
evaluated into a pyscipopt expression (:class:`~ormodel.solvers.elementwise.SymbolicBuilder`).
A nonlinear objective becomes an epigraph variable, as SCIP requires a linear objective.

Access to the native model, e.g. for a branching-rule plugin::

    backend = ScipBackend()
    built = backend.build(problem_or_form)          # BuiltScipModel
    built.model.includeBranchrule(MyRule(), "gnn", "learned branching", priority=1_000_000,
                                  maxdepth=-1, maxbounddist=1.0)
    result = backend.solve_built(built, SolveOptions(time_limit=60))

or, through the protocol, ``SolveOptions(extra={"setup": callback})`` where ``callback(model,
built)`` receives the pyscipopt ``Model`` and the :class:`BuiltScipModel` (``variables`` lists
the pyscipopt variable of each column) before ``optimize``. Every other ``extra`` entry is
passed to ``Model.setParam`` (e.g. ``{"presolving/maxrounds": 0}``).

Example:
    >>> from ormodel.solvers.scip import ScipBackend
    >>> ScipBackend().available()
    True
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from ormodel.errors import OptionError
from ormodel.backends import seconds_left
from ormodel.solvers.base import Capability, SolveOptions, unknown_option
from ormodel.solvers.callbacks import trace_scip
from ormodel.solvers.labels import column_labels, row_labels
from ormodel.solvers.native import new_log_file, read_log

from ormodel.result import Conflict, Limit, Result, Status
from ormodel.standard_form import NameMap, Sense, StandardForm

if TYPE_CHECKING:

    from ormodel.problem import Problem

__all__ = ["BuiltScipModel", "ScipBackend"]

_STATUS_MAP = {
    "optimal": Status.OPTIMAL,
    "infeasible": Status.INFEASIBLE,
    "unbounded": Status.UNBOUNDED,
    "inforunbd": Status.INFEASIBLE_OR_UNBOUNDED,
    "timelimit": Status.TIME_LIMIT,
    "gaplimit": Status.FEASIBLE,
    "sollimit": Status.FEASIBLE,
    "bestsollimit": Status.FEASIBLE,
}


def _scip_module() -> Any:
    import pyscipopt

    return pyscipopt


@dataclass
class BuiltScipModel:
    """A pyscipopt model built from an ormodel model, with the map back to ormodel's names.

    Attributes:
        model: the native ``pyscipopt.Model`` (add plugins, set parameters here).
        variables: the pyscipopt variable of each column, in column order.
        constraints: the pyscipopt constraint of each row (``None`` for rows that had no
            variables and held).
        names: column and row names of the ormodel model.
        form: the StandardForm when the model was built from one (``None`` for nonlinear models).
        problem: the Problem when built element-wise.
        epigraph: the auxiliary objective variable of a quadratic or nonlinear objective.
        sense: the optimization direction.
    """

    model: Any
    variables: list[Any]
    constraints: list[Any]
    names: NameMap
    form: StandardForm | None = None
    problem: Problem | None = None
    epigraph: Any = None
    sense: Sense = Sense.MINIMIZE
    objective_offset: float = 0.0
    unsatisfiable_rows: list[str] = field(default_factory=list)


class ScipBackend:
    """SCIP through pyscipopt."""

    name = "scip"
    capabilities = frozenset(
        {Capability.LP, Capability.MILP, Capability.QP, Capability.MIQP, Capability.MINLP, Capability.IIS,
         Capability.WARM_START, Capability.CALLBACKS, Capability.INDICATORS, Capability.DUALS, Capability.SOS1, Capability.SOS2,
         Capability.SEMICONTINUOUS, Capability.SEMIINTEGER, Capability.PERSISTENT}
    )

    def open_persistent(self, form: StandardForm, options: SolveOptions | None = None) -> Any:
        """The form loaded once into a persistent model that takes changes and re-solves (:mod:`ormodel.solvers.persistent`)."""
        from ormodel.solvers.persistent import ScipPersistentModel

        options = options or SolveOptions()
        return ScipPersistentModel(form, threads=options.threads or 1, seed=options.seed or 0, extra=dict(options.extra))

    def available(self) -> bool:
        """True when pyscipopt imports."""
        try:
            _scip_module()
        except ImportError:
            return False
        return True

    # ---- building ------------------------------------------------------------------------

    def build(self, model: StandardForm | Problem) -> BuiltScipModel:
        """A pyscipopt model for a StandardForm, or for a Problem (element-wise when nonlinear or with
        ``when:`` rows, which become native indicator constraints)."""
        from ormodel.problem import Problem
        from ormodel.reductions import reductions_for

        if isinstance(model, Problem):
            chain = reductions_for(model, self.capabilities)
            if chain[0].name == "keep_expression_trees":
                from ormodel.errors import ModelError

                try:
                    return self._build_elementwise(model)
                except ModelError as error:  # located in the model's file, as the compiler's errors are
                    raise error.at(model.source_location(error.location.element, error.location.item)) from None
            from ormodel.reductions import apply_chain

            form, _ = apply_chain(chain, model)  # SCIP declares every special construct: nothing to invert
            return self.build_from_form(form)
        from ormodel.compiler import as_standard_form

        return self.build_from_form(as_standard_form(model))

    def build_from_form(self, form: StandardForm) -> BuiltScipModel:
        """One ``addVar`` per column and one linear constraint per row, from the CSR arrays."""
        pyscipopt = _scip_module()
        from pyscipopt.scip import Expr, Term

        scip = pyscipopt.Model(form.name)
        scip.hideOutput()
        labels = column_labels(form.names, form.num_columns)
        lower, upper = form.column_lower.tolist(), form.column_upper.tolist()
        integer = form.integrality.tolist()
        objective = form.objective.tolist()
        variables = []
        for column in range(form.num_columns):
            low, high = lower[column], upper[column]
            kind = "C"
            if integer[column]:
                kind = "B" if low >= 0.0 and high <= 1.0 else "I"
            variables.append(scip.addVar(name=labels[column], vtype=kind, lb=None if math.isinf(low) else low,
                                         ub=None if math.isinf(high) else high, obj=objective[column]))
        terms = [Term(variable) for variable in variables]
        matrix = form.matrix
        pointers, indices, values = matrix.indptr.tolist(), matrix.indices.tolist(), matrix.data.tolist()
        row_names = row_labels(form.names, form.num_rows)
        row_lower, row_upper = form.row_lower.tolist(), form.row_upper.tolist()
        constraints: list[Any] = []
        unsatisfiable: list[str] = []
        for row in range(form.num_rows):
            start, end = pointers[row], pointers[row + 1]
            expression = Expr({terms[indices[k]]: values[k] for k in range(start, end)})
            constraints.append(self._add_row(scip, expression, row_lower[row], row_upper[row], row_names[row], end > start, unsatisfiable))
        self._add_special(scip, form, variables)
        epigraph = None
        if form.is_quadratic:
            assert form.quadratic is not None
            coordinates = form.quadratic.tocoo()
            quadratic: dict[Any, float] = {}
            for first, second, value in zip(coordinates.row.tolist(), coordinates.col.tolist(), coordinates.data.tolist()):
                if first > second:
                    continue
                weight = 0.5 * value if first == second else value
                key = Term(variables[first], variables[second])
                quadratic[key] = quadratic.get(key, 0.0) + weight
            epigraph = scip.addVar(name="_objective", vtype="C", lb=None, ub=None, obj=1.0)
            body = Expr(quadratic) - epigraph
            scip.addCons(body <= 0.0 if form.sense == Sense.MINIMIZE else body >= 0.0, name="_objective_quadratic")
        if form.objective_offset:
            scip.addObjoffset(form.objective_offset)
        if form.sense == Sense.MAXIMIZE:
            scip.setMaximize()
        return BuiltScipModel(scip, variables, constraints, form.names, form=form, epigraph=epigraph, sense=form.sense,
                              objective_offset=form.objective_offset, unsatisfiable_rows=unsatisfiable)

    @staticmethod
    def _add_special(scip: Any, form: StandardForm, variables: list[Any]) -> None:
        """SOS1/SOS2 sets as SCIP's SOS constraints; a semi-continuous column ``x`` as ``l y <= x <= u y`` with a binary ``y``."""
        if form.has_sos:
            assert form.sos is not None
            for position in range(len(form.sos)):
                kind, columns, weights = form.sos.members(position)
                members = [variables[int(column)] for column in columns]
                add = scip.addConsSOS1 if kind == 1 else scip.addConsSOS2
                add(members, weights=[float(weight) for weight in weights], name=form.sos.label(position))
        if form.has_semicontinuous:
            assert form.semicontinuous is not None
            for column in np.flatnonzero(form.semicontinuous).tolist():
                variable = variables[column]
                low, high = float(form.column_lower[column]), float(form.column_upper[column])
                if not math.isfinite(high):
                    from ormodel.errors import Location, ModelError

                    raise ModelError(f"the semi-continuous variable {variable.name} needs a finite upper bound", Location(element="variables"))
                scip.chgVarLb(variable, min(low, 0.0))
                on = scip.addVar(name=f"_on_{variable.name}", vtype="B")
                scip.addCons(variable - high * on <= 0.0, name=f"_semicontinuous_upper_{variable.name}")
                if low > 0:
                    scip.addCons(variable - low * on >= 0.0, name=f"_semicontinuous_lower_{variable.name}")

    @staticmethod
    def _add_row(scip: Any, expression: Any, lower: float, upper: float, label: str, has_terms: bool, unsatisfiable: list[str]) -> Any:
        if not has_terms:
            constant = float(expression.terms.get((), 0.0)) if hasattr(expression, "terms") else float(expression)
            if lower - 1e-9 <= constant <= upper + 1e-9:
                return None
            unsatisfiable.append(label)
            # Keep the contradiction in the model so that SCIP reports infeasibility under this row's name.
            witness = scip.addVar(name=f"_empty_{label}", vtype="C", lb=0.0, ub=0.0)
            expression = expression + witness
        if lower == upper:
            return scip.addCons(expression == lower, name=label)
        if math.isinf(lower) and math.isinf(upper):
            return scip.addCons(expression >= -scip.infinity(), name=label)
        if math.isinf(lower):
            return scip.addCons(expression <= upper, name=label)
        if math.isinf(upper):
            return scip.addCons(expression >= lower, name=label)
        return scip.addCons((expression >= lower) <= upper, name=label)

    def _build_elementwise(self, problem: Problem) -> BuiltScipModel:
        pyscipopt = _scip_module()
        from ormodel.solvers.elementwise import Symbolic, SymbolicBuilder, row_block

        from ormodel.compiler import Frame
        from ormodel.errors import Location, ModelError

        functions: dict[str, Callable[..., Any]] = {
            "exp": pyscipopt.exp, "log": pyscipopt.log, "sqrt": pyscipopt.sqrt, "sin": pyscipopt.sin, "cos": pyscipopt.cos,
            "abs": abs, "sum": pyscipopt.quicksum,
        }
        builder = SymbolicBuilder(problem, np.empty(0, dtype=object), functions)
        scip = pyscipopt.Model(problem.name)
        scip.hideOutput()
        lower, upper = builder.bounds()
        integer = np.concatenate(builder.column_integer) if builder.column_integer else np.zeros(0, dtype=bool)
        names = NameMap(variables=list(builder.variable_blocks))
        labels = column_labels(names, builder.num_columns)
        variables = []
        for column in range(builder.num_columns):
            low, high = float(lower[column]), float(upper[column])
            kind = ("B" if low >= 0.0 and high <= 1.0 else "I") if integer[column] else "C"
            variables.append(scip.addVar(name=labels[column], vtype=kind, lb=None if math.isinf(low) else low, ub=None if math.isinf(high) else high))
        atoms = np.empty(len(variables), dtype=object)
        atoms[:] = variables
        builder.atoms = atoms
        constraints: list[Any] = []
        blocks = []
        unsatisfiable: list[str] = []
        for constraint in problem.constraints:
            builder.location = Location(element="constraints", item=constraint.name)
            frame = builder.frame_for(constraint.generators)
            row_lower, body, row_upper = builder.relation_sides(constraint, frame)
            block = row_block(constraint.name, len(constraints), frame)
            blocks.append(block)
            indicator = self._indicator(builder, constraint, frame) if constraint.when is not None else None
            for row in range(frame.size):
                label = block.label(row)
                expression = body[row]
                has_terms = not isinstance(expression, float)
                if not has_terms:
                    expression = pyscipopt.Expr() + expression
                if indicator is not None:
                    constraints.append(self._add_indicator(scip, expression, float(row_lower[row]), float(row_upper[row]), indicator[0][row],
                                                           bool(indicator[1][row]), label, constraint.name))
                    continue
                constraints.append(self._add_row(scip, expression, float(row_lower[row]), float(row_upper[row]), label, has_terms, unsatisfiable))
        names.constraints = blocks
        # A feasibility model (no objective) minimizes the constant 0.
        goal = problem.objective_or_zero()
        builder.location = Location(element="objective")
        objective = builder.evaluate(goal.expression, Frame.root())
        expression = objective.values[0] if isinstance(objective, Symbolic) else float(builder.numbers(objective, goal.expression)[0])
        epigraph = None
        offset = 0.0
        if isinstance(expression, float):
            offset = expression
            scip.addObjoffset(expression)
        elif isinstance(expression, pyscipopt.Expr) and expression.degree() <= 1:
            scip.setObjective(expression, sense="maximize" if goal.sense == Sense.MAXIMIZE else "minimize")
        else:
            epigraph = scip.addVar(name="_objective", vtype="C", lb=None, ub=None, obj=1.0)
            relation = expression - epigraph <= 0 if goal.sense == Sense.MINIMIZE else expression - epigraph >= 0
            scip.addCons(relation, name="_objective_epigraph")
        if goal.sense == Sense.MAXIMIZE:
            scip.setMaximize()
        return BuiltScipModel(scip, variables, constraints, names, problem=problem, epigraph=epigraph, sense=goal.sense,
                              objective_offset=offset, unsatisfiable_rows=unsatisfiable)

    @staticmethod
    def _indicator(builder: Any, constraint: Any, frame: Any) -> tuple[list[Any], np.ndarray]:
        from ormodel.solvers.elementwise import indicator_binaries

        return indicator_binaries(builder, constraint.when, frame, lambda variable: hasattr(variable, "vtype") and variable.vtype() == "BINARY")

    @staticmethod
    def _add_indicator(scip: Any, expression: Any, lower: float, upper: float, binary: Any, active_one: bool, label: str, family: str) -> Any:
        if not math.isinf(lower) and not math.isinf(upper):
            from ormodel.errors import Location, ModelError

            raise ModelError("'when' works on one-sided constraints (<= or >=)", Location(element="constraints", item=family),
                             "split an equality or range into two constraints")
        if expression.degree() > 1:
            from ormodel.errors import Location, ModelError
            from ormodel.nonlinearity import NONLINEAR_INDICATOR, NONLINEAR_INDICATOR_HINT

            raise ModelError(NONLINEAR_INDICATOR, Location(element="constraints", item=family), NONLINEAR_INDICATOR_HINT)
        relation = expression <= upper if math.isinf(lower) else expression >= lower
        return scip.addConsIndicator(relation, binvar=binary, activeone=active_one, name=label)

    # ---- solving -------------------------------------------------------------------------

    def solve(self, model: StandardForm | Problem, options: SolveOptions | None = None) -> Result:
        """Solve with SCIP; infeasible models get an IIS (SCIP's IIS finder) in the model's names.

        The time limit counts from this call, the model's build included. A time-limited solve of a
        large StandardForm runs in a worker process that ormodel kills when SCIP overruns its limit
        (:mod:`ormodel.solvers.guard`; ``extra={"wall_clock_guard": True}`` or ``False`` forces it).
        """
        from ormodel.solvers.guard import GUARD_OPTION, guard_choice, solve_guarded

        options = options or SolveOptions()
        started = time.monotonic()
        if isinstance(model, StandardForm) and "setup" not in options.extra:
            options, guarded = guard_choice(model, options, self.name)
            if guarded:
                return solve_guarded(model, options, started, self.name)
        elif GUARD_OPTION in options.extra:
            if options.extra[GUARD_OPTION] is True:
                raise OptionError("SCIP's wall-clock guard takes matrix models without a setup callback",
                                  hint="solve a linear or quadratic model without extra['setup'], or leave the guard off")
            options = dataclasses.replace(options, extra={key: value for key, value in options.extra.items() if key != GUARD_OPTION})
        built = self.build(model)
        try:
            result = self.solve_built(built, options, started=started)
        finally:
            if "setup" not in options.extra:  # a setup callback may have kept the model: leave it alive then
                _release(built)
        result.solve_time = time.monotonic() - started
        return result

    def solve_built(self, built: BuiltScipModel, options: SolveOptions | None = None, *, started: float | None = None,
                    log_path: str | None = None, on_incumbent: Callable[[float, np.ndarray], None] | None = None,
                    on_bound: Callable[[float, int], None] | None = None) -> Result:
        """Solve an already built (and possibly customized) model.

        ``started``: the ``time.monotonic()`` reading the time limit and the trace count from (default:
        now). With ``log_path`` the log goes to that file, which is left in place. ``on_incumbent(seconds,
        values)`` and ``on_bound(bound, nodes)`` hear each new best solution as SCIP finds it.
        """
        options = options or SolveOptions()
        scip = built.model
        started = time.monotonic() if started is None else started
        deadline = None if options.time_limit is None else started + float(options.time_limit)
        is_lp = built.form is not None and not built.form.is_mip and not built.form.is_quadratic
        if is_lp and not any(key.startswith(("presolving/", "propagating/", "heuristics/")) for key in options.extra):
            # Duals of the original LP need SCIP to solve it untransformed.
            pyscipopt = _scip_module()
            scip.setPresolve(pyscipopt.SCIP_PARAMSETTING.OFF)
            scip.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
            scip.disablePropagation()
        own_log = log_path is None
        log_path = self._apply_options(built, options, deadline, log_path)
        if options.warm_start is not None:
            self._warm_start(built, options.warm_start)
        origin = time.perf_counter() - (time.monotonic() - started)
        hear = None if on_incumbent is None and on_bound is None else _streamer(built, on_incumbent, on_bound)
        incumbents = trace_scip(scip, origin, built.sense.value, on_improvement=hear)
        if deadline is not None and "limits/time" not in options.extra:  # SCIP's own parameter, given in extra, wins
            scip.setParam("limits/time", float(seconds_left(deadline)))
        run_started = time.perf_counter()
        scip.optimize()
        run_seconds = time.perf_counter() - run_started
        elapsed = time.monotonic() - started
        result = self._result(built, elapsed)
        result.extra["solver_seconds"] = run_seconds
        if incumbents is not None:
            result.extra["trace"] = incumbents.points
        if is_lp and result.status == Status.OPTIMAL:
            duals = _lp_duals(built)
            if duals is not None:
                result.row_duals, result.reduced_costs = duals
        raw = result.raw_status
        result.limit = _SCIP_LIMITS.get(raw) if result.status.is_limit or result.status == Status.FEASIBLE else None
        if options.compute_conflict and result.status == Status.INFEASIBLE:
            result.conflict = self.conflict(built)
        result.log = read_log(log_path, remove=True) if own_log else read_log(log_path)
        if options.verbose:
            print(result.log)
        return result

    @staticmethod
    def _apply_options(built: BuiltScipModel, options: SolveOptions, deadline: float | None = None, log_path: str | None = None) -> str:
        scip = built.model
        if log_path is None:
            log_path = new_log_file("scip")
        scip.setLogfile(log_path)
        if deadline is not None:
            scip.setParam("limits/time", float(seconds_left(deadline)))
        elif options.time_limit is not None:
            scip.setParam("limits/time", float(max(options.time_limit, 0.0)))
        if options.gap is not None:
            scip.setParam("limits/gap", float(options.gap))
        if options.seed is not None:
            scip.setParam("randomization/randomseedshift", int(options.seed))
        if options.node_limit is not None:
            scip.setParam("limits/nodes", int(options.node_limit))
        if options.solution_limit is not None:
            scip.setParam("limits/solutions", int(options.solution_limit))
        for key, value in options.extra.items():
            if key == "setup":
                continue
            _set_param(scip, key, value)
        setup = options.extra.get("setup")
        if setup is not None:
            if not callable(setup):
                raise TypeError("SolveOptions.extra['setup'] must be a callable taking (model, built)")
            setup(scip, built)
        return log_path

    @staticmethod
    def _warm_start(built: BuiltScipModel, warm_start: Any) -> None:
        scip = built.model
        if isinstance(warm_start, dict):
            position = {label: column for column, label in enumerate(column_labels(built.names, len(built.variables)))}
            entries = [(position[label], float(value)) for label, value in warm_start.items() if label in position]
        else:
            point = np.asarray(warm_start, dtype=np.float64)
            if point.shape != (len(built.variables),):
                raise ValueError(f"warm start has {point.shape[0]} values, the model has {len(built.variables)} columns")
            entries = [(column, float(value)) for column, value in enumerate(point.tolist()) if not math.isnan(value)]
        if not entries:
            return
        solution = scip.createPartialSol()
        for column, value in entries:
            scip.setSolVal(solution, built.variables[column], value)
        scip.addSol(solution)

    def _result(self, built: BuiltScipModel, elapsed: float) -> Result:
        scip = built.model
        raw = scip.getStatus()
        status = _STATUS_MAP.get(raw, Status.OTHER_LIMIT if raw.endswith("limit") else Status.ERROR)
        result = Result(status=status, solver=self.name, solve_time=elapsed, raw_status=raw, names=built.names)
        if scip.getNSols() > 0 and status not in (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED):
            solution = scip.getBestSol()
            values = np.array([scip.getSolVal(solution, variable) for variable in built.variables], dtype=np.float64)
            result.values = values
            if built.form is not None:
                result.objective = built.form.objective_value(values)
            else:
                result.objective = float(scip.getSolObjVal(solution))
        elif status == Status.FEASIBLE:
            result.status = Status.OTHER_LIMIT
        is_mip = built.form.is_mip if built.form is not None else any(variable.vtype() != "CONTINUOUS" for variable in built.variables)
        if status not in (Status.INFEASIBLE, Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED, Status.ERROR):
            bound = float(scip.getDualbound())
            result.bound = bound if abs(bound) < scip.infinity() else math.copysign(math.inf, bound)
        if is_mip or built.form is None:
            result.nodes = int(scip.getNNodes())
        if built.form is None and status == Status.OPTIMAL and not is_mip:
            result.message = "nonlinear model solved by SCIP's spatial branch-and-bound (globally optimal within tolerances)"
        return result

    def conflict(self, built: BuiltScipModel) -> Conflict | None:
        """An irreducible infeasible subsystem from SCIP's IIS finder, in the model's names.

        ``rows`` are the constraints SCIP kept; ``columns`` the variables of those constraints
        whose finite bounds remain in the subsystem (SCIP relaxes bounds it does not need).
        """
        if built.unsatisfiable_rows:
            return Conflict(rows=list(built.unsatisfiable_rows), columns=[], complete=True, source=self.name)
        try:
            iis = built.model.generateIIS()
        except Exception:  # noqa: BLE001 - the IIS finder may fail on models SCIP cannot copy
            return None
        subsystem = iis.getSubscip()
        if not iis.isSubscipInfeasible():
            return None
        kept = [constraint for constraint in subsystem.getConss() if not constraint.name.startswith("_objective")]
        rows = [constraint.name for constraint in kept]
        # A variable in none of the kept constraints cannot take part, whatever its bounds.
        involved: set[str] = set()
        for constraint in kept:
            try:
                involved.update(variable.name for variable in subsystem.getConsVars(constraint))
            except Exception:  # noqa: BLE001 - constraint types without a variable list: keep every variable
                involved = {variable.name for variable in subsystem.getVars()}
                break
        original = {variable.name: variable for variable in built.variables}
        columns = []
        for variable in subsystem.getVars():
            source = original.get(variable.name)
            if source is None or variable.name.startswith("_") or variable.name not in involved:
                continue
            kept_lower = variable.getLbOriginal() > -subsystem.infinity() and variable.getLbOriginal() == source.getLbOriginal()
            kept_upper = variable.getUbOriginal() < subsystem.infinity() and variable.getUbOriginal() == source.getUbOriginal()
            if kept_lower or kept_upper:
                columns.append(variable.name)
        return Conflict(rows=rows, columns=columns, complete=bool(iis.isSubscipIrreducible()), source=self.name)


_SCIP_LIMITS = {
    "timelimit": Limit.TIME, "nodelimit": Limit.NODE, "totalnodelimit": Limit.NODE, "stallnodelimit": Limit.NODE,
    "sollimit": Limit.SOLUTION, "bestsollimit": Limit.SOLUTION, "gaplimit": Limit.GAP, "memlimit": Limit.MEMORY,
    "userinterrupt": Limit.INTERRUPT, "restartlimit": Limit.OTHER, "primallimit": Limit.OBJECTIVE, "duallimit": Limit.OBJECTIVE,
}
"""The kind of limit behind each SCIP limit status."""


def _set_param(scip: Any, key: str, value: Any) -> None:
    """Set one SCIP parameter; an unknown name or a value of the wrong type is an :class:`OptionError`."""
    try:
        scip.setParam(key, value)
    except KeyError:
        raise unknown_option("SCIP", key, scip.getParams().keys()) from None
    except (ValueError, TypeError) as error:
        raise OptionError(f"SCIP rejected {value!r} for parameter {key!r}: {error}") from None


def _lp_duals(built: BuiltScipModel) -> tuple[np.ndarray, np.ndarray] | None:
    """Row duals and reduced costs of a solved LP in ormodel's convention (``c = A'y + z``), or ``None``."""
    scip = built.model
    if built.form is None or len(built.constraints) != built.form.num_rows:
        return None
    try:
        row_duals = np.array([0.0 if constraint is None else scip.getDualsolLinear(constraint) for constraint in built.constraints],
                             dtype=np.float64)
        reduced_costs = np.array([scip.getVarRedcost(variable) for variable in built.variables], dtype=np.float64)
    except Exception:  # noqa: BLE001 - SCIP refuses duals in some stages (e.g. after presolve solved the LP)
        return None
    form = built.form
    if form.sense == Sense.MAXIMIZE:  # SCIP reports the duals of the minimization of -c
        row_duals, reduced_costs = -row_duals, -reduced_costs
    residual = np.abs(form.objective - form.matrix.T @ row_duals - reduced_costs).max(initial=0.0)
    scale = max(1.0, float(np.abs(form.objective).max(initial=0.0)))
    if not np.isfinite(residual) or residual > 1e-6 * scale:
        return None
    return row_duals, reduced_costs


def _release(built: BuiltScipModel) -> None:
    """Free a model nobody else holds now rather than at the garbage collector's next pass.

    PySCIPOpt keeps every included plugin (here the incumbent trace's event handler) and the model
    in a reference cycle, so without this a solved model, hundreds of MB for a model with 0.5 M
    columns, would stay allocated until a full collection, and its teardown would fall on
    whatever code runs then.
    """
    built.model.free()


def solve_form(form: StandardForm, options: SolveOptions, started: float, log_path: str | None = None,
               on_incumbent: Callable[[float, np.ndarray], None] | None = None,
               on_bound: Callable[[float, int], None] | None = None) -> Result:
    """Build and solve a form with SCIP in this process (the guarded worker's entry), the build inside the time limit."""
    backend = ScipBackend()
    built = backend.build_from_form(form)
    try:
        result = backend.solve_built(built, options, started=started, log_path=log_path, on_incumbent=on_incumbent, on_bound=on_bound)
    finally:
        _release(built)
    result.solve_time = time.monotonic() - started
    return result


def _streamer(built: BuiltScipModel, on_incumbent: Callable[[float, np.ndarray], None] | None,
              on_bound: Callable[[float, int], None] | None) -> Callable[[float], None]:
    """What ``trace_scip`` calls at each new best solution: pass on its point and SCIP's bound."""
    scip = built.model

    def hear(seconds: float) -> None:
        if on_incumbent is not None:
            solution = scip.getBestSol()
            on_incumbent(seconds, np.array([scip.getSolVal(solution, variable) for variable in built.variables], dtype=np.float64))
        if on_bound is not None:
            bound = float(scip.getDualbound())
            on_bound(bound if abs(bound) < scip.infinity() else math.copysign(math.inf, bound), int(scip.getNNodes()))

    return hear

