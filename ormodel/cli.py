"""The ``ormodel`` command line: solve, validate, show and convert models; more commands from plugins.

Exit codes: 0 solved (optimal, feasible, or a limit with a solution); 1 bad input or a failure;
3 no solution (infeasible, unbounded, or a limit without a point) — reported with a diagnosis.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import sys
from typing import Any, Callable, Sequence

from ormodel.errors import ModelError

__all__ = ["main", "build_parser", "COMMAND_MODULES"]

# Modules contributing subcommands through ``add_commands(subparsers)``.
COMMAND_MODULES = ("ormodel.datasets.cli", "ormodel.bench.cli", "ormodel.nl2opt.cli")

EXIT_OK, EXIT_ERROR, EXIT_NO_SOLUTION = 0, 1, 3


def _parse_params(items: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ModelError(f"--param {item!r} must read key=value")
        key, value = item.split("=", 1)
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def _load(path: str) -> Any:
    from ormodel.io import load

    return load(path)


def command_solve(args: argparse.Namespace) -> int:
    """Solve a model file and print the solution."""
    from ormodel.compiler import as_standard_form
    from ormodel.methods import run_method
    from ormodel.problem import Problem
    from ormodel.solve import solve

    options = {"time_limit": args.time_limit, "gap": args.gap, "threads": args.threads, "seed": args.seed, "verbose": args.verbose}
    params = _parse_params(args.param)
    if args.model:
        params["model"] = args.model
    if args.gantt:
        params["gantt"] = args.gantt  # a chart of the schedule, for methods that return one (dispatch)
    if args.method:
        from ormodel.solvers import SolveOptions

        result = run_method(args.method, args.file, SolveOptions(**options), params)
        model = None
    else:
        model = _load(args.file)
        result = solve(model, solver=args.solver, params=params or None, **options)
    if model is not None and result.values is None and result.status.value in ("infeasible", "unbounded", "infeasible_or_unbounded"):
        from ormodel.solvers.diagnosis import diagnose

        diagnose(model, result)  # IIS or unbounded ray in the model's names, whatever the backend
    check = None
    if args.check and model is not None and result.values is not None:
        from ormodel.solvers.diagnosis import check_solution

        check = check_solution(model if isinstance(model, Problem) else as_standard_form(model), result)
    if args.json:
        payload = result.to_dict(include_zeros=args.all)
        if check is not None:
            payload["check"] = {**dataclasses.asdict(check), "feasible": check.feasible}
        print(json.dumps(payload, indent=2))
    else:
        _print_result(result, args.all, check)
    return EXIT_OK if result.has_solution else EXIT_NO_SOLUTION


def _print_result(result: Any, include_zeros: bool, check: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    status = result.status.value
    console.print(f"[bold]status[/bold]: {status} ({result.solver}: {result.raw_status})")
    if result.message:
        console.print(f"[bold]note[/bold]: {result.message}")
    if result.has_solution:
        console.print(f"[bold]objective[/bold]: {result.objective:.10g}")
    if math.isfinite(result.bound) and result.bound != result.objective:
        console.print(f"[bold]bound[/bold]: {result.bound:.10g}   gap: {result.gap:.4%}")
    console.print(f"[bold]time[/bold]: {result.solve_time:.3f} s" + (f", nodes: {result.nodes}" if result.nodes else ""))
    if result.conflict is not None:
        console.print(Text("irreducible infeasible subset: ", style="bold red") + Text(result.conflict.describe()))
    if result.ray is not None:
        console.print(Text("unbounded direction: ", style="bold red") + Text(result.ray.describe()))
    if result.extra.get("diagnosis"):
        console.print(Text("diagnosis: ", style="bold") + Text(str(result.extra["diagnosis"])))
    if result.has_solution:
        values = result.values_by_name(nonzero_only=not include_zeros)
        table = Table(title="solution" + ("" if include_zeros else " (non-zero values)"))
        table.add_column("variable")
        table.add_column("value", justify="right")
        for label, value in values.items():
            if not label.startswith("_"):
                table.add_row(Text(label), f"{value:.10g}")
        console.print(table)
    if check is not None:
        console.print(Text("check: ", style="bold") + Text(check.describe()))


def command_validate(args: argparse.Namespace) -> int:
    """Parse and compile a model; print its size or the first error."""
    from ormodel.compiler import as_standard_form
    from ormodel.problem import Problem

    model = _load(args.file)
    form = as_standard_form(model)
    what = "five-element model" if isinstance(model, Problem) else "matrix model"
    print(f"{args.file}: valid {what} '{form.name}', {form.problem_class()}: {form.num_columns} variables "
          f"({int(form.integrality.sum())} integer), {form.num_rows} constraints, {form.matrix.nnz} non-zeros")
    if isinstance(model, Problem):
        print(f"  sets {len(model.sets)}, parameters {len(model.parameters)}, variable families {len(model.variables)}, "
              f"constraint families {len(model.constraints)}")
    return EXIT_OK


def command_show(args: argparse.Namespace) -> int:
    """Print a five-element model as Markdown."""
    from ormodel.markdown import to_markdown
    from ormodel.problem import Problem

    model = _load(args.file)
    if not isinstance(model, Problem):
        raise ModelError(f"{args.file} is a matrix model (MPS/LP) without sets or parameters; 'show' renders five-element models",
                         hint="use 'ormodel validate' for its size, or 'ormodel convert' to LP for a readable form")
    print(to_markdown(model), end="")
    return EXIT_OK


def command_convert(args: argparse.Namespace) -> int:
    """Convert between YAML/JSON, MPS and LP."""
    from ormodel.io import save

    save(_load(args.file), args.output)
    print(f"wrote {args.output}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, plugin commands included."""
    parser = argparse.ArgumentParser(prog="ormodel", description="Model, solve and benchmark optimization problems.")
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", required=True)

    solve = subparsers.add_parser("solve", help="solve a model file (.yaml/.json/.mps/.lp, or a method's own format)")
    solve.add_argument("file")
    solve.add_argument("--solver", default="highs", help="highs, scip, cpsat, pyomo, or auto (default: highs)")
    solve.add_argument("--method", help="a meta-solver or learned method, e.g. balans, gnn-branching, dispatch")
    solve.add_argument("--model", help="path of trained weights for a learned method")
    solve.add_argument("--gantt", metavar="FILE", help="with --method dispatch: write a Gantt chart (.png, .svg or .html)")
    solve.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="method parameter (repeatable)")
    solve.add_argument("--time-limit", type=float, help="seconds")
    solve.add_argument("--gap", type=float, help="relative MIP gap")
    solve.add_argument("--threads", type=int)
    solve.add_argument("--seed", type=int)
    solve.add_argument("--check", action="store_true", help="re-check the solution against the model's constraints")
    solve.add_argument("--json", action="store_true", help="machine-readable output")
    solve.add_argument("--all", action="store_true", help="list zero values too")
    solve.add_argument("--verbose", action="store_true", help="print the solver log")
    solve.set_defaults(func=command_solve)

    validate = subparsers.add_parser("validate", help="parse and compile a model, report its size or the first error")
    validate.add_argument("file")
    validate.set_defaults(func=command_validate)

    show = subparsers.add_parser("show", help="print a five-element model as Markdown")
    show.add_argument("file")
    show.set_defaults(func=command_show)

    convert = subparsers.add_parser("convert", help="convert a model (to .mps, .lp, .yaml or .json by extension)")
    convert.add_argument("file")
    convert.add_argument("output")
    convert.set_defaults(func=command_convert)

    for module_name in COMMAND_MODULES:
        hook = _command_hook(module_name)
        if hook is not None:
            hook(subparsers)
    return parser


def _command_hook(module_name: str) -> Callable[[Any], None] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and module_name.startswith(error.name):
            return None
        raise
    return getattr(module, "add_commands", None)


def _version() -> str:
    from ormodel import __version__

    return f"ormodel {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
