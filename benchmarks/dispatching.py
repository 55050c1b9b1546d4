"""Job-shop dispatching on Taillard ta01–ta80: static rules, the learned policy and CP-SAT side by side.

Instances come from the project's own Taillard generator (checked against the files under
``--data`` when present); best-known upper bounds come from ``--data``'s ``bounds_taillard.json``
when present, else from the committed table. Columns per instance:

* static rules (non-delay and Giffler–Thompson active variants);
* the learned policy, greedy and best of ``--samples`` samples (+ greedy);
* ``cpsat=policy``: cold CP-SAT with the same wall time as the policy's sampling run;
* for each ``--time-limits`` L: cold CP-SAT with L seconds, and CP-SAT warm-started from the
  policy's sampled schedule with L seconds in total (the policy's time included).

Reported: mean gap (%) to the best-known upper bound per size class (``best-rule`` is the best
single rule of the class, ``best-rule/inst`` the best rule picked per instance), plus a JSONL of
every run, a markdown table and a plot.

Usage:
    python benchmarks/dispatching.py --sizes 15x15,100x20 --per-class 2 --time-limits 10,60 --out benchmarks/out/dispatching
    python benchmarks/dispatching.py --instances ta01,ta71 --methods rules,greedy
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from ormodel.datasets.jssp import TAILLARD_BOUNDS, read_jobshop, taillard_instance, taillard_names, taillard_size_class
from ormodel.learned.dispatching.cpsat import solve_jobshop_cpsat
from ormodel.learned.dispatching.policy import load_policy
from ormodel.learned.dispatching.rules import dispatch_with_rule
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
RULE_NAMES = ("spt", "lpt", "mwkr", "mopnr", "fifo")
SIZE_ORDER = ["15x15", "20x15", "20x20", "30x15", "30x20", "50x15", "50x20", "100x20"]
METHOD_GROUPS = ("rules", "greedy", "sampling", "cpsat")


def upper_bounds(data: Path) -> dict[str, int]:
    """Best-known upper bounds: the shared data file when present, else the committed table."""
    path = data / "jssp" / "bounds_taillard.json"
    if path.is_file():
        return {name: int(entry["ub"]) for name, entry in json.loads(path.read_text()).items()}
    return {name: upper for name, (_, upper) in TAILLARD_BOUNDS.items()}


def choose_instances(arguments: argparse.Namespace) -> list[str]:
    """Instance names from ``--instances`` or ``--sizes``/``--per-class``."""
    if arguments.instances:
        return [taillard_instance(name).name for name in arguments.instances.split(",")]
    sizes = arguments.sizes.split(",") if arguments.sizes else SIZE_ORDER
    chosen = []
    for size in sizes:
        members = [name for name in taillard_names() if taillard_size_class(name) == size]
        if not members:
            raise SystemExit(f"no Taillard size class {size!r}; choose from {', '.join(SIZE_ORDER)}")
        chosen.extend(members[: arguments.per_class])
    return chosen


def run_instance(name: str, arguments: argparse.Namespace, policy, data: Path) -> dict:
    """Every requested method on one instance; makespans and seconds by column."""
    instance = taillard_instance(name)
    shared_file = data / "jssp" / "instances" / "ta" / f"{name}.txt"
    if shared_file.is_file():
        published = read_jobshop(shared_file)
        if not (
            np.array_equal(published.machines, instance.machines)
            and np.array_equal(published.durations, instance.durations)
        ):
            raise SystemExit(f"{name}: the generated instance differs from {shared_file}")
    row: dict = {"instance": name, "size": taillard_size_class(name), "makespan": {}, "seconds": {}}
    methods = set(arguments.methods.split(","))
    if "rules" in methods:
        for mode, suffix in (("non_delay", ""), ("active", "-gt")):
            for rule in RULE_NAMES:
                began = time.perf_counter()
                schedule = dispatch_with_rule(instance, rule, mode=mode)
                row["makespan"][rule + suffix] = schedule.makespan
                row["seconds"][rule + suffix] = time.perf_counter() - began
    sampled = None
    if "greedy" in methods:
        greedy = policy.solve(instance, samples=0, device=arguments.device, threads=arguments.threads)
        instance.check_schedule(greedy.starts)
        row["makespan"]["policy-greedy"] = greedy.makespan
        row["seconds"]["policy-greedy"] = greedy.seconds
    if "sampling" in methods:
        sampled = policy.solve(
            instance, samples=arguments.samples, seed=arguments.seed, device=arguments.device, threads=arguments.threads
        )
        instance.check_schedule(sampled.starts)
        label = f"policy-s{arguments.samples}"
        row["makespan"][label] = sampled.makespan
        row["seconds"][label] = sampled.seconds
    if "cpsat" in methods:
        if sampled is not None:
            cold = solve_jobshop_cpsat(
                instance, time_limit=max(sampled.seconds, 0.1), seed=arguments.seed, workers=arguments.workers
            )
            row["makespan"]["cpsat=policy"] = cold.makespan
            row["seconds"]["cpsat=policy"] = cold.solve_time
        for limit in arguments.time_limits:
            cold = solve_jobshop_cpsat(instance, time_limit=limit, seed=arguments.seed, workers=arguments.workers)
            row["makespan"][f"cpsat-{limit:g}s"] = cold.makespan
            row["seconds"][f"cpsat-{limit:g}s"] = cold.solve_time
            if sampled is not None:
                remaining = max(limit - sampled.seconds, 0.1)
                warm = solve_jobshop_cpsat(
                    instance,
                    time_limit=remaining,
                    seed=arguments.seed,
                    workers=arguments.workers,
                    warm_start=sampled.starts,
                )
                instance.check_schedule(warm.starts)
                row["makespan"][f"policy+cpsat-{limit:g}s"] = warm.makespan
                row["seconds"][f"policy+cpsat-{limit:g}s"] = sampled.seconds + warm.solve_time
    return row


def summarize(
    rows: list[dict], bounds: dict[str, int]
) -> tuple[list[str], list[str], dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Mean gap (%) and mean seconds per size class and column."""
    columns: list[str] = []
    for row in rows:
        columns.extend(column for column in row["makespan"] if column not in columns)
    gaps: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    seconds: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        upper = bounds[row["instance"]]
        rule_columns = [column for column in row["makespan"] if column.split("-gt")[0] in RULE_NAMES]
        for column, makespan in row["makespan"].items():
            gaps[row["size"]][column].append((makespan - upper) / upper * 100)
            seconds[row["size"]][column].append(row["seconds"][column])
        if rule_columns:
            best = min(row["makespan"][column] for column in rule_columns)
            gaps[row["size"]]["best-rule/inst"].append((best - upper) / upper * 100)
    sizes = [size for size in SIZE_ORDER if size in gaps]
    mean_gaps = {size: {column: float(np.mean(values)) for column, values in gaps[size].items()} for size in sizes}
    if any(gaps[size].get("best-rule/inst") for size in sizes):
        position = len([column for column in columns if column.split("-gt")[0] in RULE_NAMES])
        columns[position:position] = ["best-rule", "best-rule/inst"]
        for size in sizes:
            rule_means = [value for column, value in mean_gaps[size].items() if column.split("-gt")[0] in RULE_NAMES]
            mean_gaps[size]["best-rule"] = min(rule_means)
    mean_seconds = {
        size: {column: float(np.mean(values)) for column, values in seconds[size].items()} for size in sizes
    }
    return sizes, columns, mean_gaps, mean_seconds


def markdown(sizes: list[str], columns: list[str], mean_gaps: dict, mean_seconds: dict, counts: dict[str, int]) -> str:
    """Gap table (and a seconds table) in markdown."""
    header = "| size | n | " + " | ".join(columns) + " |"
    rule = "|" + "---|" * (len(columns) + 2)
    lines = ["Mean gap (%) to best-known upper bound:", "", header, rule]
    for size in sizes:
        cells = [f"{mean_gaps[size][column]:.1f}" if column in mean_gaps[size] else "" for column in columns]
        lines.append(f"| {size} | {counts[size]} | " + " | ".join(cells) + " |")
    lines += ["", "Mean seconds per instance:", "", header, rule]
    for size in sizes:
        cells = [f"{mean_seconds[size][column]:.2f}" if column in mean_seconds[size] else "" for column in columns]
        lines.append(f"| {size} | {counts[size]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(sizes: list[str], columns: list[str], mean_gaps: dict, path: Path) -> None:
    """Grouped bars of the mean gap per size class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [column for column in columns if not column.endswith("-gt") and column not in ("lpt", "spt")]
    figure, axes = plt.subplots(figsize=(max(6, 1.2 * len(sizes) * len(shown) / 4), 4))
    width = 0.8 / max(len(shown), 1)
    for index, column in enumerate(shown):
        values = [mean_gaps[size].get(column, np.nan) for size in sizes]
        axes.bar(np.arange(len(sizes)) + index * width, values, width, label=column)
    axes.set_xticks(np.arange(len(sizes)) + 0.4 - width / 2, sizes)
    axes.set_ylabel("gap to best-known UB (%)")
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--sizes", default="", help="size classes, e.g. 15x15,100x20 (default: all)")
    parser.add_argument("--per-class", type=int, default=10, help="instances per size class (first ones)")
    parser.add_argument("--instances", default="", help="explicit instance names, e.g. ta01,ta71 (overrides --sizes)")
    parser.add_argument(
        "--time-limits", default="10,60", help="CP-SAT time limits in seconds, comma-separated ('' for none)"
    )
    parser.add_argument("--methods", default=",".join(METHOD_GROUPS), help=f"subset of {','.join(METHOD_GROUPS)}")
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads for the policy (1 is fastest for its small batches)"
    )
    parser.add_argument("--weights", default=None, help="policy weights (default: the shipped ones)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "dispatching")
    arguments = parser.parse_args()
    arguments.time_limits = [float(value) for value in arguments.time_limits.split(",") if value.strip()]
    unknown = set(arguments.methods.split(",")) - set(METHOD_GROUPS)
    if unknown:
        raise SystemExit(f"unknown method groups {sorted(unknown)}; choose from {', '.join(METHOD_GROUPS)}")
    torch.manual_seed(arguments.seed)
    names = choose_instances(arguments)
    bounds = upper_bounds(arguments.data)
    policy = load_policy(arguments.weights, device=arguments.device)
    arguments.out.mkdir(parents=True, exist_ok=True)
    console = Console(width=240)
    rows = []
    began = time.perf_counter()
    with (arguments.out / "runs.jsonl").open("w") as runs, Progress(console=console) as progress:
        task = progress.add_task("dispatching benchmark", total=len(names))
        for name in names:
            progress.update(task, description=f"{name} ({taillard_size_class(name)})")
            row = run_instance(name, arguments, policy, arguments.data)
            rows.append(row)
            runs.write(json.dumps(row) + "\n")
            runs.flush()
            progress.advance(task)
    sizes, columns, mean_gaps, mean_seconds = summarize(rows, bounds)
    counts = {size: sum(row["size"] == size for row in rows) for size in sizes}
    table = Table(title="Mean gap (%) to best-known UB")
    table.add_column("size")
    table.add_column("n")
    for column in columns:
        table.add_column(column, justify="right")
    for size in sizes:
        table.add_row(
            size,
            str(counts[size]),
            *[f"{mean_gaps[size][column]:.1f}" if column in mean_gaps[size] else "" for column in columns],
        )
    console.print(table)
    text = markdown(sizes, columns, mean_gaps, mean_seconds, counts)
    command = "python benchmarks/dispatching.py " + " ".join(os.sys.argv[1:])
    (arguments.out / "table.md").write_text(
        f"Command: `{command}`\n\nInstances: {', '.join(names)}\n\nWall time: {time.perf_counter() - began:.0f} s\n\n{text}"
    )
    plot(sizes, columns, mean_gaps, arguments.out / "gaps.png")
    console.print(f"wrote {arguments.out / 'table.md'}, {arguments.out / 'runs.jsonl'}, {arguments.out / 'gaps.png'}")


if __name__ == "__main__":
    main()
