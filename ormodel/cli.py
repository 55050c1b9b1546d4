"""The ``ormodel`` command line: solve, validate, show and convert models; more commands from plugins.

Exit codes (``ormodel solve``):

* 0 a solution: optimal, feasible, or a limit with a point;
* 1 bad input: a model error (with its location), a missing file, an option out of range or
  unknown to the backend, an input past a size limit (see ``--limit``), a solver that is unknown
  or not installed (the message names the pip extra), or a problem the chosen solver does not
  support (the message names the construct and a solver that takes it);
* 2 a command-line usage error (from argparse);
* 3 no solution: infeasible, unbounded, or a limit without a point — reported with the IIS or ray;
* 4 the solver failed (an error status or a :class:`~ormodel.errors.SolverError`);
* 5 ``solve --check`` found the returned point violating the model;
* 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
from typing import Any, Callable, Sequence

from ormodel.errors import ModelError, OrmodelError, exit_code

__all__ = ["COMMAND_GROUP", "build_parser", "main"]

# Further subcommands: entry points ``name = "module:add_commands"``, each called with the subparsers.
COMMAND_GROUP = "ormodel.commands"

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NO_SOLUTION = 0, 1, 2, 3
EXIT_SOLVER_ERROR, EXIT_CHECK_FAILED, EXIT_INTERRUPTED = 4, 5, 130
# An unknown or missing solver and an unsupported problem are bad input for that solver (the message says which).
EXIT_SOLVER_NOT_AVAILABLE = EXIT_UNSUPPORTED = EXIT_ERROR

EXIT_CODES_HELP = ("exit codes: 0 solution found; 1 bad input (model, option, size limit, solver unknown or not "
                   "installed, problem the solver does not support); 2 usage error; 3 no solution (infeasible, "
                   "unbounded, or a limit without a point); 4 solver failed; 5 --check found violations; 130 interrupted")


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
    """Solve a model file through :func:`ormodel.solve` and print the solution (JSON alone on stdout with ``--json``)."""
    from ormodel.backends import is_backend_name
    from ormodel.solve import solve
    from ormodel.solvers.native import native_output_to_stderr

    options = {"time_limit": args.time_limit, "gap": args.gap, "threads": args.threads, "seed": args.seed, "verbose": args.verbose}
    params = _parse_params(args.param)
    if args.model:
        params["model"] = args.model
    if args.gantt:
        if not args.method:
            raise ModelError("--gantt draws the schedule of a job-shop method", hint="use it with --method dispatch")
        params["gantt"] = args.gantt  # a chart of the schedule, for methods that return one (dispatch)
    if params and (args.method is None or is_backend_name(args.method)):
        options["extra"] = params  # with a backend, --param sets the solver's own options (checked by name)
        params = {}
    started = getattr(args, "clock_started", None)
    # Under --json nothing but the document may reach stdout, whatever a native library prints.
    quiet = native_output_to_stderr() if args.json else contextlib.nullcontext()
    with quiet:
        result = solve(args.file, solver=args.solver, method=args.method, params=params or None, check=args.check,
                       started=started, **options)
        if args.json:
            labelled = time.perf_counter()
            payload = result.to_dict(include_zeros=args.all)
            payload.setdefault("timings", {})["labels"] = round(time.perf_counter() - labelled, 6)
    if args.json:
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        sys.stdout.flush()
    else:
        _print_result(result, args.all, result.check)
    if result.check is not None and not result.check.feasible:
        print(f"error: the returned point violates the model: {result.check.describe()}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    if result.status.value == "error":
        print(f"error: the solver failed: {result.message or result.raw_status}", file=sys.stderr)
        return EXIT_SOLVER_ERROR
    return EXIT_OK if result.has_solution else EXIT_NO_SOLUTION


def _print_result(result: Any, include_zeros: bool, check: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    status = result.status.value

    def line(label: str, text: str) -> None:  # solver and model text is printed as text, never as markup
        console.print(Text(f"{label}: ", style="bold") + Text(text))

    line("status", f"{status} ({result.solver}: {result.raw_status})")
    if result.message:
        line("note", str(result.message))
    if result.feasibility:
        line("objective", "none (feasibility model: the point below satisfies every constraint)" if result.has_solution
             else "none (feasibility model)")
    elif result.has_solution:
        line("objective", f"{result.objective:.10g}")
    if math.isfinite(result.bound) and result.bound != result.objective:
        line("bound", f"{result.bound:.10g}   gap: {result.gap:.4%}")
    line("time", f"{result.solve_time:.3f} s" + (f", nodes: {result.nodes}" if result.nodes else ""))
    if result.conflict is not None:
        console.print(Text("irreducible infeasible subset: ", style="bold red") + Text(result.conflict.describe()))
    if result.ray is not None:
        console.print(Text("unbounded direction: ", style="bold red") + Text(result.ray.describe()))
    if result.extra.get("diagnosis"):
        console.print(Text("diagnosis: ", style="bold") + Text(str(result.extra["diagnosis"])))
    if result.has_solution:
        values = result.values_by_name(nonzero_only=not include_zeros)
        table = Table(title=Text("solution" + ("" if include_zeros else " (non-zero values)")))
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
    if isinstance(model, Problem) and _validate_nonlinear(args.file, model):
        return EXIT_OK
    form = as_standard_form(model)
    what = "five-element model" if isinstance(model, Problem) else "matrix model"
    kind = f"{form.problem_class()} feasibility model (no objective)" if form.feasibility else form.problem_class()
    print(f"{args.file}: valid {what} '{form.name}', {kind}: {form.num_columns} variables "
          f"({int(form.integrality.sum())} integer), {form.num_rows} constraints, {form.matrix.nnz} non-zeros")
    if isinstance(model, Problem):
        print(f"  sets {len(model.sets)}, parameters {len(model.parameters)}, variable families {len(model.variables)}, "
              f"constraint families {len(model.constraints)}{_sos_note(model)}")
    return EXIT_OK


def _sos_note(problem: Any) -> str:
    """``, SOS families 2`` when the model has special ordered sets (they are not counted as constraint families)."""
    return f", SOS families {len(problem.sos_sets)}" if problem.sos_sets else ""


def _validate_nonlinear(path: str, problem: Any) -> bool:
    """Validate a nonlinear model as the nonlinear backend builds it and print its size; ``False`` for a linear model."""
    from ormodel.nonlinearity import uses_nonlinear_terms

    if not uses_nonlinear_terms(problem):
        return False
    from ormodel.solvers.nonlinear_validation import validate_nonlinear

    summary = validate_nonlinear(problem)
    kind = "MINLP feasibility model (no objective)" if problem.is_feasibility else "MINLP"
    print(f"{path}: valid five-element model '{problem.name}', {kind} (nonlinear: {', '.join(summary.kinds)}): "
          f"{summary.columns} variables ({summary.integer_columns} integer), {summary.rows} constraints; "
          "solve it with --solver scip or --solver auto")
    print(f"  sets {len(problem.sets)}, parameters {len(problem.parameters)}, variable families {len(problem.variables)}, "
          f"constraint families {len(problem.constraints)}{_sos_note(problem)}")
    return True


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


CORE_COMMANDS = ("solve", "validate", "show", "convert")


def build_parser(with_plugins: bool = True) -> argparse.ArgumentParser:
    """The full argument parser, plugin commands included unless ``with_plugins`` is false."""
    parser = argparse.ArgumentParser(prog="ormodel", description="Model, solve and benchmark optimization problems.",
                                     epilog=EXIT_CODES_HELP)
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                        help="raise or lower an input limit, e.g. --limit max_elements=1e9 (names in ormodel.limits.Limits; "
                             "also ORMODEL_LIMITS=\"name=value,...\")")
    subparsers = parser.add_subparsers(dest="command", required=True)

    solve = subparsers.add_parser("solve", help="solve a model file (.yaml/.json/.md/.mps/.lp, or a method's own format)",
                                  epilog=EXIT_CODES_HELP)
    solve.add_argument("file")
    solve.add_argument("--solver", default="highs", help="highs, scip, cpsat, pyomo, or auto (default: highs)")
    solve.add_argument("--method", help="a meta-solver or learned method, e.g. balans, gnn-branching, dispatch")
    solve.add_argument("--model", help="path of trained weights for a learned method")
    solve.add_argument("--gantt", metavar="FILE", help="with --method dispatch: write a Gantt chart (.png, .svg or .html)")
    solve.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="a method's parameter, or with a solver its own option, e.g. presolve=off for HiGHS (repeatable)")
    solve.add_argument("--time-limit", type=float, help="wall-clock seconds for the whole run (reading, compiling, solving, output)")
    solve.add_argument("--gap", type=float, help="relative MIP gap (>= 0)")
    solve.add_argument("--threads", type=int, help="solver threads (>= 1)")
    solve.add_argument("--seed", type=int)
    solve.add_argument("--check", action="store_true", help="re-check the solution against the model's constraints; exit 5 when it violates them")
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

    convert = subparsers.add_parser("convert", help="convert a model (to .mps, .lp, .yaml, .json or .md by extension)")
    convert.add_argument("file")
    convert.add_argument("output")
    convert.set_defaults(func=command_convert)

    if with_plugins:
        from ormodel.plugins import PluginError, entry_point_names, load_entry_point

        for name in entry_point_names(COMMAND_GROUP):
            try:
                add_commands: Callable[[Any], Any] = load_entry_point(COMMAND_GROUP, name)
            except PluginError as error:  # the other commands still work; this one says why it cannot
                unavailable = subparsers.add_parser(name, help="unavailable in this installation", add_help=False)
                unavailable.add_argument("rest", nargs=argparse.REMAINDER)
                unavailable.set_defaults(func=_unavailable(error))
                continue
            add_commands(subparsers)
    return parser


def _unavailable(error: Exception) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR

    return command


def _version() -> str:
    from ormodel import __version__

    return f"ormodel {__version__}"


def _process_clock_start() -> float:
    """``time.monotonic()`` at which this process started (so a time limit counts interpreter start-up), else now."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        age = uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return now
    return now - age if 0.0 <= age <= 10.0 else now


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (see the module docstring and ``ormodel solve --help``)."""
    # A run from the command line counts its time limit from process start; a call from Python, from now.
    clock_started = _process_clock_start() if argv is None else time.monotonic()
    arguments = list(sys.argv[1:] if argv is None else argv)
    # A core command needs no plugin modules (they import the dataset, bench and NL stacks).
    core = bool(arguments) and arguments[0] in CORE_COMMANDS
    parser = build_parser(with_plugins=not core)
    args = parser.parse_args(arguments)
    args.clock_started = clock_started
    try:
        if getattr(args, "limit", None):
            from ormodel.limits import parse_limit_settings, set_limits

            set_limits(**parse_limit_settings(",".join(args.limit)))
        return int(args.func(args))
    except OrmodelError as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_code(error)
    except MemoryError:
        print("error: out of memory; the model is too large for this machine "
              "(lower --limit max_elements=N so such models are refused early, or make the model smaller)", file=sys.stderr)
        return EXIT_ERROR
    except RecursionError:
        print("error: the input is nested too deeply to process; nest fewer brackets, signs and powers", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
