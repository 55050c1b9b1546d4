"""Balans benchmark: ormodel's Balans (HiGHS, SCIP) against HiGHS, SCIP and the ``balans`` PyPI package.

Generated Distributional-MIPLIB-style instances (``ormodel.datasets.milp``) at the Balans paper's
sizes where the project has them (independent set and vertex cover: 9000-node Barabási–Albert
graphs, affinity 5; multiple knapsack: 400 items / 40 knapsacks; set cover: 5000 rows x 4000
columns) and GISP at the generator's ``hard`` level (100 nodes). Every method gets the same
wall-clock budget and one thread, runs one at a time, and reports its incumbents over time:

* ``highs``: ormodel's HiGHS backend alone (``threads=1``); incumbents from its MIP
  improving-solution callback (``Result.extra["trace"]``).
* ``scip``: SCIP (PySCIPOpt) alone reading the instance's MPS file, one thread; the read time is
  charged to its budget (its time limit is what is left) and to its incumbent times, just as
  ormodel's Balans pays for loading its persistent model; incumbents from a best-solution event
  handler (``ormodel.solvers.callbacks.trace_scip``).
* ``balans-pypi``: the ``balans`` package (2.2.0, SCIP backend) in its own virtual environment
  (``--balans-python``), run by ``benchmarks/balans_pypi_runner.py`` in a subprocess; its clock
  starts when ``Balans.solve`` is called (imports excluded) and the process is killed a little
  after the budget.
* ``ormodel-balans-highs``, ``ormodel-balans-scip``: :func:`ormodel.learned.balans.solve` with
  its default configuration.

Metrics (``ormodel.bench.metrics``): the primal gap (Berthold 2013, in [0, 1]) at the budget,
against the best objective any method found on the instance within the budget, and the primal integral over
``[0, budget]`` in seconds. Only incumbents found within the budget count.

Usage::

    nice .venv/bin/python benchmarks/balans.py --instances 5 --time-limit 10 --out bench_out/balans

Rows are appended to ``<out>/results.jsonl`` (rerunning resumes); ``--report-only`` rebuilds the
tables and the plot (``<out>/balans_primal_gap.png``) from it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FAMILY_LEVELS: dict[str, str] = {
    "indset": "balans",
    "vertexcover": "balans",
    "mknapsack": "balans",
    "setcover": "balans",
    "gisp": "hard",
}
METHODS: tuple[str, ...] = ("highs", "scip", "balans-pypi", "ormodel-balans-highs", "ormodel-balans-scip")
GRACE_SECONDS = 3.0


def write_mps(form: Any, path: Path) -> None:
    """Write an instance as MPS with plain column names (``c0, c1, ...``), readable by SCIP and HiGHS."""
    from ormodel.solvers.highs import load_into_highs

    highs = load_into_highs(form)
    highs.writeModel(str(path))


def run_backend(name: str, form: Any, seconds: float) -> dict[str, Any]:
    """One backend alone with one thread; its trace comes from the solver's improving-solution events."""
    from ormodel.solvers import SolveOptions, get_backend

    backend = get_backend(name)
    started = time.perf_counter()
    offset = 0.0
    if hasattr(backend, "build") and hasattr(backend, "solve_built"):
        built = backend.build(form)
        offset = time.perf_counter() - started
        result = backend.solve_built(built, SolveOptions(time_limit=max(seconds - offset, 0.1), threads=1, seed=0))
    else:
        result = backend.solve(form, SolveOptions(time_limit=seconds, threads=1, seed=0))
    wall = time.perf_counter() - started
    trace = [[offset + float(point[0]), float(point[1])] for point in result.extra.get("trace", [])]
    objective = float(result.objective) if result.has_solution else math.nan
    return {"objective": objective, "wall": wall, "trace": trace, "status": result.status.value,
            "final_time": wall, "build_seconds": offset}


def run_scip_file(path: Path, seconds: float) -> dict[str, Any]:
    """SCIP alone as a SCIP user runs it: read the MPS file (charged to the budget), then solve with one thread.

    Building the model through ormodel's SCIP backend (one ``addVar``/``addCons`` per column/row)
    took 9.7 s of a 10 s budget on the 9000-node independent-set instances here, which would
    measure ormodel's model building rather than SCIP; SCIP's own MPS reader is what Balans
    (both implementations) uses too.
    """
    import pyscipopt
    from ormodel.solvers.callbacks import trace_scip

    started = time.perf_counter()
    model = pyscipopt.Model()
    model.hideOutput()
    model.readProblem(str(path))
    offset = time.perf_counter() - started
    model.setParam("limits/time", max(seconds - offset, 0.1))
    model.setParam("parallel/maxnthreads", 1)
    incumbents = trace_scip(model, started)  # times from `started`: the MPS read is charged
    model.optimize()
    wall = time.perf_counter() - started
    objective = float(model.getObjVal()) if model.getNSols() > 0 else math.nan
    trace = incumbents.points if incumbents is not None else []
    return {"objective": objective, "wall": wall, "trace": trace, "status": model.getStatus(), "final_time": wall,
            "build_seconds": offset}


def run_ormodel_balans(backend: str, form: Any, seconds: float, seed: int,
                       config: dict[str, Any] | None = None) -> dict[str, Any]:
    """ormodel's Balans (default configuration unless ``config`` overrides it); trace and arm statistics from ``Result.extra``."""
    from ormodel.learned.balans import solve

    started = time.monotonic()
    result = solve(form, backend=backend, time_limit=seconds, seed=seed, config=config)
    wall = time.monotonic() - started
    return {"objective": float(result.objective) if result.has_solution else math.nan, "wall": wall,
            "trace": result.extra["trace"], "status": result.status.value, "final_time": wall,
            "arms": result.extra["arms"], "iterations": result.extra["iterations"], "phases": result.extra["phases"]}


def run_balans_pypi(python: str, path: Path, seconds: float, seed: int, maximize: bool) -> dict[str, Any]:
    """The ``balans`` package in its own environment, killed ``GRACE_SECONDS`` after its budget."""
    runner = REPO / "benchmarks" / "balans_pypi_runner.py"
    if not os.path.exists(python):
        return {"objective": math.nan, "wall": 0.0, "trace": [], "status": "error",
                "error": f"{python} not found; create it with: python3 -m venv .venv-balans && .venv-balans/bin/pip install balans"}
    log_path = path.with_suffix(f".balans-s{seed}.log")
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen([python, "-P", str(runner), str(path), str(seconds), str(seed)], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=str(REPO), start_new_session=True)
        launched = time.monotonic()
        solve_started: float | None = None
        killed = False
        while process.poll() is None:
            time.sleep(0.1)
            now = time.monotonic()
            if solve_started is None and "SOLVE_STARTED" in log_path.read_text(encoding="utf-8", errors="replace"):
                solve_started = now
            limit = (solve_started + seconds + GRACE_SECONDS) if solve_started is not None else launched + 120.0
            if now > limit:
                os.killpg(process.pid, 9)
                process.wait()
                killed = True
        wall = time.monotonic() - (solve_started or launched)
    sign = -1.0 if maximize else 1.0
    trace: list[list[float]] = []
    arms: dict[str, Any] = {}
    done: float | None = None
    error = ""
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("TRACE "):
            _, at, value = line.split()
            trace.append([float(at), sign * float(value)])
        elif line.startswith("ARMS "):
            arms = json.loads(line[5:])
        elif line.startswith("DONE "):
            done = float(line.split()[1])
        elif "Error" in line and not error:
            error = line.strip()
    objective = trace[-1][1] if trace else math.nan
    status = "killed_after_budget" if killed else ("ok" if done is not None else "crashed")
    return {"objective": objective, "wall": done if done is not None else wall, "trace": trace, "status": status,
            "final_time": done if done is not None else wall, "arms": arms, "error": error}


def _load_rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(args: argparse.Namespace) -> None:
    """Generate the instances and run every method on each, appending rows to the results file."""
    from ormodel.datasets.milp import generate
    from rich.progress import Progress

    out = Path(args.out)
    (out / "instances").mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = {(row["instance"], row["method"]) for row in _load_rows(results)}
    families = args.families.split(",")
    methods = args.methods.split(",")
    seeds = range(args.first_seed, args.first_seed + args.instances)
    # Import alns, mabwiser and PySCIPOpt before any clock starts.
    import ormodel.learned.balans.search
    import ormodel.solvers.scip  # noqa: F401
    import pyscipopt  # noqa: F401

    total = len(families) * len(seeds) * len(methods)
    with Progress() as progress, open(results, "a", encoding="utf-8") as sink:
        task = progress.add_task("balans benchmark", total=total)
        # Seeds outermost: a run cut short still has the same number of instances of every family.
        for seed in seeds:
            for family in families:
                level = FAMILY_LEVELS[family]
                form = None
                name = f"{family}-{level}-s{seed}"
                mps = out / "instances" / f"{name}.mps"
                for method in methods:
                    progress.update(task, description=f"{name} {method}")
                    if (name, method) in done:
                        progress.advance(task)
                        continue
                    if form is None:
                        form = generate(family, level, seed)
                        if not mps.exists():
                            write_mps(form, mps)
                    if method == "highs":
                        row = run_backend(method, form, args.time_limit)
                    elif method == "scip":
                        row = run_scip_file(mps, args.time_limit)
                    elif method == "balans-pypi":
                        row = run_balans_pypi(args.balans_python, mps, args.time_limit, seed,
                                              maximize=form.sense.value == "maximize")
                    elif method.startswith("ormodel-balans-"):
                        row = run_ormodel_balans(method.rsplit("-", 1)[1], form, args.time_limit, seed,
                                                 json.loads(args.config) if args.config else None)
                    else:
                        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
                    row.update({"family": family, "level": level, "seed": seed, "instance": name, "method": method,
                                "sense": form.sense.value, "time_limit": args.time_limit,
                                "rows": form.num_rows, "columns": form.num_columns,
                                "load_average": os.getloadavg()[0]})
                    sink.write(json.dumps(row, default=float) + "\n")
                    sink.flush()
                    progress.advance(task)


def _better(first: float, second: float, sense: str) -> bool:
    return first > second if sense == "maximize" else first < second


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per family and method: mean primal gap at the budget, mean primal integral, wins; plus per-instance references."""
    from ormodel.bench.metrics import gap_at, gap_curve, primal_integral

    references: dict[str, float] = {}
    for row in rows:
        # Only what a method had within the budget sets the reference (some run past it: HiGHS, the package).
        horizon = float(row["time_limit"])
        values = [point[1] for point in row["trace"] if point[0] <= horizon]
        if float(row["wall"]) <= horizon + 0.5:
            values.append(row["objective"])
        for value in values:
            if value is None or not math.isfinite(value):
                continue
            known = references.get(row["instance"])
            if known is None or _better(value, known, row["sense"]):
                references[row["instance"]] = value
    table: dict[str, dict[str, dict[str, float]]] = {}
    curves: dict[str, dict[str, list[list[tuple[float, float]]]]] = {}
    for row in rows:
        reference = references.get(row["instance"])
        horizon = float(row["time_limit"])
        trace = [point for point in row["trace"] if point[0] <= horizon]
        curve = gap_curve(trace, reference, horizon, row["sense"])
        integral = primal_integral(trace, reference, horizon, row["sense"])
        gap = gap_at(curve, horizon)
        entry = table.setdefault(row["family"], {}).setdefault(row["method"], {"gap": [], "integral": [], "wall": []})
        entry["gap"].append(gap)
        entry["integral"].append(integral)
        entry["wall"].append(float(row["wall"]))
        curves.setdefault(row["family"], {}).setdefault(row["method"], []).append(curve)
    return {"references": references, "table": table, "curves": curves}


def _arm_table(label: str, runs: list[tuple[str, dict[str, tuple[int, int]]]]) -> list[str]:
    """Markdown table of arm usage: per operator and family, share of pulls and new incumbents (in brackets).

    ``runs`` holds ``(family, {operator: (pulls, new incumbents)})`` per run.
    """
    totals: dict[str, dict[str, list[int]]] = {}
    for family, arms in runs:
        for operator, (pulls, best) in arms.items():
            cell = totals.setdefault(operator, {}).setdefault(family, [0, 0])
            cell[0] += pulls
            cell[1] += best
    pulls_by_family = {family: sum(totals[op].get(family, [0, 0])[0] for op in totals) for family in FAMILY_LEVELS}
    lines = [f"| {label} | " + " | ".join(FAMILY_LEVELS) + " |", "|---" * (len(FAMILY_LEVELS) + 1) + "|"]
    for operator in sorted(totals):
        cells = []
        for family in FAMILY_LEVELS:
            pulls, best = totals[operator].get(family, [0, 0])
            share = 100 * pulls / pulls_by_family[family] if pulls_by_family[family] else 0.0
            cells.append(f"{share:.0f}% ({best})")
        lines.append(f"| {operator} | " + " | ".join(cells) + " |")
    lines.append("| iterations | " + " | ".join(str(pulls_by_family[family]) for family in FAMILY_LEVELS) + " |")
    lines.append("")
    return lines


def markdown(summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The results tables and arm statistics as Markdown."""
    table = summary["table"]
    lines = ["| family | method | mean primal gap at budget | mean primal integral (s) | max wall (s) | runs |",
             "|---|---|---|---|---|---|"]
    lowest: dict[str, str] = {}
    for family, methods in table.items():
        best = min(methods, key=lambda method: float(np.mean(methods[method]["integral"])))
        lowest[family] = best
        for method, entry in methods.items():
            mark = "**" if method == best else ""
            lines.append(f"| {family} | {method} | {mark}{100 * np.mean(entry['gap']):.2f}%{mark} | "
                         f"{mark}{np.mean(entry['integral']):.3f}{mark} | {max(entry['wall']):.1f} | {len(entry['gap'])} |")
    lines.append("")
    ours = {family: best.startswith("ormodel-balans") for family, best in lowest.items()}
    lines.append(f"Lowest mean primal integral: {', '.join(f'{family}: {best}' for family, best in lowest.items())} "
                 f"-> ormodel's Balans lowest on {sum(ours.values())} of {len(ours)} families.")
    lines.append("")
    lines.append("Arm usage of ormodel's Balans (share of pulls; new incumbents in brackets), summed over instances:")
    lines.append("")
    for method in ("ormodel-balans-highs", "ormodel-balans-scip"):
        lines += _arm_table(method, [(row["family"], {operator: (int(entry["pulls"]), int(entry["best"]))
                                                      for operator, entry in row.get("arms", {}).items()})
                                     for row in rows if row["method"] == method])
    pypi_runs = [(row["family"], {operator: (int(sum(counts)), int(counts[0]) if counts else 0)
                                  for operator, counts in (row.get("arms") or {}).items()})
                 for row in rows if row["method"] == "balans-pypi"]
    if any(arms for _, arms in pypi_runs):
        lines.append("Arm usage of the balans PyPI package (runs that reached the end of `Balans.solve`; share of pulls, "
                     "new incumbents in brackets):")
        lines.append("")
        lines += _arm_table("balans-pypi", pypi_runs)
    statuses: dict[str, int] = {}
    for row in rows:
        if row["method"] == "balans-pypi":
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    if statuses:
        lines.append("balans-pypi run outcomes: " + ", ".join(f"{key} {value}" for key, value in sorted(statuses.items())))
    loads = [row.get("load_average", math.nan) for row in rows]
    lines.append(f"1-minute load average during the runs (2-core machine): mean {np.nanmean(loads):.1f}, max {np.nanmax(loads):.1f}")
    return "\n".join(lines)


def plot(summary: dict[str, Any], path: Path, horizon: float) -> None:
    """Mean primal gap over time, one panel per family, one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ormodel.bench.metrics import gap_at

    families = list(summary["curves"])
    figure, axes = plt.subplots(1, len(families), figsize=(4 * len(families), 3.4), squeeze=False)
    grid = np.linspace(0.0, horizon, 201)
    for axis, family in zip(axes[0], families):
        for method, curves in summary["curves"][family].items():
            mean = [np.mean([gap_at(curve, moment) for curve in curves]) for moment in grid]
            axis.plot(grid, mean, label=method, drawstyle="steps-post")
        axis.set_title(family)
        axis.set_xlabel("seconds")
        axis.set_ylim(-0.02, 1.02)
    axes[0][0].set_ylabel("mean primal gap")
    axes[0][-1].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default=",".join(FAMILY_LEVELS), help="comma-separated families")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    parser.add_argument("--instances", type=int, default=5, help="instances per family (seeds first-seed..)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=10.0, help="wall-clock seconds per method and instance")
    parser.add_argument("--out", default=str(REPO / "bench_out" / "balans"), help="folder for instances and results")
    parser.add_argument("--balans-python", default=str(REPO / ".venv-balans" / "bin" / "python"),
                        help="python of the virtual environment where `pip install balans` was run")
    parser.add_argument("--config", default="", help="JSON overrides of ormodel's Balans configuration "
                        "(for validation runs on other seeds; the recorded benchmark uses the defaults)")
    parser.add_argument("--report-only", action="store_true", help="only rebuild the tables and plot from results.jsonl")
    args = parser.parse_args(argv)
    if not args.report_only:
        run(args)
    rows = _load_rows(Path(args.out) / "results.jsonl")
    if not rows:
        print("no results yet")
        return 1
    summary = summarize(rows)
    text = markdown(summary, rows)
    print(text)
    horizon = max(float(row["time_limit"]) for row in rows)
    plot(summary, Path(args.out) / "balans_primal_gap.png", horizon)
    (Path(args.out) / "summary.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
