"""Run the ``balans`` PyPI package (Cai, Kadioglu & Dilkina) on one MPS file and print its incumbents as they come.

This script runs inside its own virtual environment (``.venv-balans``: ``pip install balans``), never
in ormodel's: the package pulls ``gurobipy``, which must not become an ormodel dependency. It uses
the package's SCIP backend (``mip_solver="scip"``, one MIP thread), so no Gurobi licence is needed.

Usage (called by ``benchmarks/balans.py``)::

    .venv-balans/bin/python benchmarks/balans_pypi_runner.py INSTANCE.mps SECONDS SEED

The package's seed is its default (1283) plus SEED. Output: ``SOLVE_STARTED`` when the package's clock starts (imports are done), one line ``TRACE <seconds> <objective>`` per new incumbent (seconds since ``Balans.solve``
was called, objective in the package's minimised space: negated for maximisation problems), then
``ARMS <json>`` (destroy-operator outcome counts) and ``DONE <seconds>``. The package's time
limits are its ``configs/default.json`` values (first solution 10 s, iteration 12 s, local branching
15 s, crossover 6 s for a 60 s run) scaled to the budget.
"""

from __future__ import annotations

import json
import sys
import time

PACKAGE_SEED = 1283  # the package's default seed (configs/default.json)


def main() -> int:
    path, seconds = sys.argv[1], float(sys.argv[2])
    seed = PACKAGE_SEED + int(sys.argv[3])  # the package draws randint(0, seed): seed 0 fails
    from alns.ALNS import ALNS
    from alns.Outcome import Outcome
    from alns.stop import MaxRuntime
    from balans import base_instance
    from balans.solver import Balans

    started = [0.0]
    best = [float("inf")]

    def report(objective: float) -> None:
        if objective < best[0] - 1e-9:
            best[0] = objective
            print(f"TRACE {time.perf_counter() - started[0]:.4f} {objective!r}", flush=True)

    original_eval = ALNS._eval_cand

    def eval_cand(self, accept, best_state, current, candidate, **kwargs):  # type: ignore[no-untyped-def]
        outcome = original_eval(self, accept, best_state, current, candidate, **kwargs)
        if outcome[2] == Outcome.BEST:
            report(float(candidate.objective()))
        return outcome

    ALNS._eval_cand = eval_cand

    original_initial = base_instance._Instance.initial_solve

    def initial_solve(self, index_to_val=None):  # type: ignore[no-untyped-def]
        values, objective = original_initial(self, index_to_val)
        if values:
            report(float(objective))
        return values, objective

    base_instance._Instance.initial_solve = initial_solve

    scale = seconds / 60.0
    solver = Balans(
        stop=MaxRuntime(seconds),
        seed=seed,
        n_mip_jobs=1,
        mip_solver="scip",
        timelimit_first_solution=10 * scale,
        timelimit_alns_iteration=12 * scale,
        timelimit_local_branching_iteration=15 * scale,
        timelimit_crossover_random_feasible=6 * scale,
    )
    print("SOLVE_STARTED", flush=True)
    started[0] = time.perf_counter()
    result = solver.solve(path)
    elapsed = time.perf_counter() - started[0]
    if result is not None:
        counts = {name: [int(count) for count in values] for name, values in result.statistics.destroy_operator_counts.items()}
        print("ARMS " + json.dumps(counts), flush=True)
    print(f"DONE {elapsed:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
