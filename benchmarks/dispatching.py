"""Job-shop dispatching on Taillard ta01–ta80: static rules, the learned policy and CP-SAT side by side.

Instances come from the project's own Taillard generator (checked against the files under
``--data`` when present); best-known upper bounds come from ``--data``'s ``jssp/bounds_taillard.json``
when present, else from the committed table. CP-SAT runs with ``--workers`` (default 1) and torch
with ``--threads`` (default 1), so the whole run fits on one core. Three parts, in this order:

1. **Rules and greedy** on every chosen instance: the static rules (non-delay and
   Giffler–Thompson ``-gt`` variants) and the learned policy's greedy schedule.
2. **Short time limits** on ``--limit-sizes`` (default 100x20), for each ``LIMIT:COUNT`` of
   ``--time-limits`` on the first COUNT instances of the class: cold CP-SAT with LIMIT seconds,
   and the policy's greedy schedule warm-starting CP-SAT for the rest of LIMIT (policy time included).
3. **Sampling** on the first ``--sampling-per-class`` instances of each class: the best of
   ``--samples`` sampled schedules (plus greedy) taking T seconds; cold CP-SAT with the same T
   seconds; CP-SAT warm-started from the sampled schedule for another T seconds (total 2T).

Every run is appended to ``runs.jsonl`` as it finishes; ``--max-seconds`` stops starting new
runs after that much wall time, and ``--summarize DIR`` rebuilds the tables from a run's JSONL.
Reported: mean gap (%) to the best-known upper bound per size class (``best-rule`` = the rule
with the lowest mean gap in that class; ``best-rule/inst`` = the best rule picked per instance).

Usage:
    python benchmarks/dispatching.py --out benchmarks/results/dispatching
    python benchmarks/dispatching.py --instances ta01,ta71 --time-limits 10:1 --sampling-per-class 1 --samples 4
    python benchmarks/dispatching.py --summarize benchmarks/results/dispatching
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

REPO = Path(__file__).resolve().parents[1]
RULE_NAMES = ("spt", "lpt", "mwkr", "mopnr", "fifo")
RULE_COLUMNS = tuple(rule + suffix for suffix in ("", "-gt") for rule in RULE_NAMES)
SIZE_ORDER = ["15x15", "20x15", "20x20", "30x15", "30x20", "50x15", "50x20", "100x20"]


def upper_bounds(data: Path) -> dict[str, int]:
    """Best-known upper bounds: the shared data file when present, else the committed table."""
    path = data / "jssp" / "bounds_taillard.json"
    if path.is_file():
        return {name: int(entry["ub"]) for name, entry in json.loads(path.read_text()).items()}
    return {name: upper for name, (_, upper) in TAILLARD_BOUNDS.items()}


def parse_limits(text: str) -> list[tuple[float, int]]:
    """``"10:10,60:2"`` → ``[(10.0, 10), (60.0, 2)]`` (seconds, instances of each limit class)."""
    limits = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        seconds, _, count = part.partition(":")
        try:
            limits.append((float(seconds), int(count) if count else 10))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"time limit {part!r} is not SECONDS or SECONDS:COUNT, e.g. 60:2"
            ) from None
    return limits


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


def checked_instance(name: str, data: Path):
    """The generated instance, compared with the published file when ``data`` has it."""
    instance = taillard_instance(name)
    shared_file = data / "jssp" / "instances" / "ta" / f"{name}.txt"
    if shared_file.is_file():
        published = read_jobshop(shared_file)
        if not (
            np.array_equal(published.machines, instance.machines)
            and np.array_equal(published.durations, instance.durations)
        ):
            raise SystemExit(f"{name}: the generated instance differs from {shared_file}")
    return instance


def first_per_class(names: list[str], count: int, sizes: set[str] | None = None) -> list[str]:
    """The first ``count`` names of each size class (restricted to ``sizes`` when given)."""
    seen: dict[str, int] = defaultdict(int)
    chosen = []
    for name in names:
        size = taillard_size_class(name)
        if (sizes is None or size in sizes) and seen[size] < count:
            seen[size] += 1
            chosen.append(name)
    return chosen


class Recorder:
    """Appends one JSON line per (instance, method) run."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w")

    def __call__(self, name: str, part: str, method: str, makespan: float, seconds: float, **extra) -> None:
        record = {
            "instance": name,
            "size": taillard_size_class(name),
            "part": part,
            "method": method,
            "makespan": float(makespan),
            "seconds": round(float(seconds), 3),
            **extra,
        }
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()


def run_benchmark(arguments: argparse.Namespace) -> None:
    """Parts 1–3 with a progress bar; writes ``runs.jsonl`` under ``--out``."""
    names = choose_instances(arguments)
    policy = load_policy(arguments.weights, device=arguments.device)
    record = Recorder(arguments.out / "runs.jsonl")
    began = time.perf_counter()
    limit_names = {
        limit: first_per_class(names, count, set(arguments.limit_sizes.split(",")))
        for limit, count in arguments.time_limits
    }
    sampling_names = first_per_class(names, arguments.sampling_per_class)
    total = len(names) + sum(len(chosen) for chosen in limit_names.values()) + len(sampling_names)
    greedy_schedules: dict[str, tuple[np.ndarray, float]] = {}
    solve_options = {"seed": arguments.seed, "workers": arguments.workers}
    policy_options = {"device": arguments.device, "threads": arguments.threads}

    def out_of_time() -> bool:
        return arguments.max_seconds is not None and time.perf_counter() - began > arguments.max_seconds

    with Progress(console=Console(width=200)) as progress:
        task = progress.add_task("dispatching benchmark", total=total)
        # Part 1: rules and greedy on every instance.
        for name in names:
            if out_of_time():
                break
            progress.update(task, description=f"rules+greedy {name}")
            instance = checked_instance(name, arguments.data)
            for mode, suffix in (("non_delay", ""), ("active", "-gt")):
                for rule in RULE_NAMES:
                    started = time.perf_counter()
                    schedule = dispatch_with_rule(instance, rule, mode=mode)
                    record(name, "rules", rule + suffix, schedule.makespan, time.perf_counter() - started)
            greedy = policy.solve(instance, samples=0, **policy_options)
            instance.check_schedule(greedy.starts)
            greedy_schedules[name] = (greedy.starts, greedy.seconds)
            record(name, "rules", "policy-greedy", greedy.makespan, greedy.seconds)
            progress.advance(task)
        # Part 2: cold CP-SAT vs CP-SAT warm-started from the greedy policy at equal short limits.
        for limit, chosen in limit_names.items():
            for name in chosen:
                if out_of_time() or name not in greedy_schedules:
                    continue
                progress.update(task, description=f"{limit:g} s limit {name}")
                instance = taillard_instance(name)
                cold = solve_jobshop_cpsat(instance, time_limit=limit, **solve_options)
                record(name, f"limit{limit:g}", "cpsat", cold.makespan, cold.solve_time, status=cold.status)
                starts, policy_seconds = greedy_schedules[name]
                remaining = limit - policy_seconds
                if remaining > 0.05:
                    warm = solve_jobshop_cpsat(instance, time_limit=remaining, warm_start=starts, **solve_options)
                    instance.check_schedule(warm.starts)
                    makespan, seconds = warm.makespan, policy_seconds + warm.solve_time
                else:  # the policy alone used the whole limit
                    makespan, seconds = instance.makespan(starts), policy_seconds
                record(name, f"limit{limit:g}", "policy+cpsat", makespan, seconds, policy_seconds=policy_seconds)
                progress.advance(task)
        # Part 3: sampling, CP-SAT with the sampling's time, CP-SAT warm-started from the sample.
        for name in sampling_names:
            if out_of_time():
                break
            progress.update(task, description=f"sampling {name}")
            instance = taillard_instance(name)
            sampled = policy.solve(instance, samples=arguments.samples, seed=arguments.seed, **policy_options)
            instance.check_schedule(sampled.starts)
            record(name, "sampling", "policy-sampling", sampled.makespan, sampled.seconds, samples=arguments.samples)
            budget = max(sampled.seconds, 0.1)
            cold = solve_jobshop_cpsat(instance, time_limit=budget, **solve_options)
            makespan = cold.makespan if cold.has_solution else float("nan")
            record(name, "sampling", "cpsat=T", makespan, cold.solve_time, status=cold.status)
            warm = solve_jobshop_cpsat(instance, time_limit=budget, warm_start=sampled.starts, **solve_options)
            instance.check_schedule(warm.starts)
            record(name, "sampling", "policy-sampling+cpsat(T)", warm.makespan, sampled.seconds + warm.solve_time)
            progress.advance(task)


def mean_gap(records: list[dict], bounds: dict[str, int]) -> float:
    """Mean gap (%) of ``records`` to the best-known upper bound (NaN counts as missing)."""
    gaps = [(entry["makespan"] - bounds[entry["instance"]]) / bounds[entry["instance"]] * 100 for entry in records]
    gaps = [gap for gap in gaps if not np.isnan(gap)]
    return float(np.mean(gaps)) if gaps else float("nan")


def _cell(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.1f}"


def summarize(records: list[dict], bounds: dict[str, int]) -> tuple[str, dict]:
    """Markdown tables for the three parts, and the per-class numbers behind the targets."""
    by_part: dict[str, dict[str, dict[str, list[dict]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for entry in records:
        by_part[entry["part"]][entry["size"]][entry["method"]].append(entry)
    lines: list[str] = []
    targets: dict = {"rules": {}, "sampling": {}, "limits": {}}

    def best_rule_gaps(names: set[str], size: str) -> tuple[str, float, float]:
        rule_records = by_part["rules"][size]
        means = {
            column: mean_gap([entry for entry in rule_records[column] if entry["instance"] in names], bounds)
            for column in RULE_COLUMNS
            if rule_records.get(column)
        }
        best_column = min(means, key=means.get)
        per_instance = []
        for name in sorted(names):
            best = min(
                entry["makespan"]
                for column in RULE_COLUMNS
                for entry in rule_records[column]
                if entry["instance"] == name
            )
            per_instance.append({"instance": name, "makespan": best})
        return best_column, means[best_column], mean_gap(per_instance, bounds)

    rule_sizes = [size for size in SIZE_ORDER if by_part["rules"].get(size, {}).get("policy-greedy")]
    if rule_sizes:
        header = [
            "size",
            "n",
            *RULE_COLUMNS,
            "best-rule",
            "best-rule/inst",
            "policy-greedy",
            "greedy s",
            "greedy < best-rule",
        ]
        lines += ["**Part 1 — rules and greedy policy**, mean gap (%) to best-known UB:", ""]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for size in rule_sizes:
            methods = by_part["rules"][size]
            names = {entry["instance"] for entry in methods["policy-greedy"]}
            best_column, best_gap, per_instance_gap = best_rule_gaps(names, size)
            greedy_gap = mean_gap(methods["policy-greedy"], bounds)
            seconds = float(np.mean([entry["seconds"] for entry in methods["policy-greedy"]]))
            met = greedy_gap < best_gap
            targets["rules"][size] = {
                "greedy": greedy_gap,
                "best_rule": best_gap,
                "best_rule_name": best_column,
                "met": met,
            }
            cells = [
                _cell(mean_gap([e for e in methods[column] if e["instance"] in names], bounds))
                for column in RULE_COLUMNS
            ]
            lines.append(
                f"| {size} | {len(names)} | "
                + " | ".join(cells)
                + f" | {best_gap:.1f} ({best_column}) | {per_instance_gap:.1f} | {greedy_gap:.1f} | {seconds:.2f} | {'yes' if met else 'no'} |"
            )
        lines.append("")

    limit_parts = sorted((part for part in by_part if part.startswith("limit")), key=lambda part: float(part[5:]))
    if limit_parts:
        header = [
            "limit",
            "size",
            "n",
            "cpsat (cold)",
            "policy-greedy + warm cpsat",
            "policy-greedy",
            "warm better / equal / worse",
        ]
        lines += ["**Part 2 — equal short time limits**, mean gap (%) to best-known UB:", ""]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for part in limit_parts:
            for size in [size for size in SIZE_ORDER if size in by_part[part]]:
                methods = by_part[part][size]
                cold = {entry["instance"]: entry["makespan"] for entry in methods["cpsat"]}
                warm = {entry["instance"]: entry["makespan"] for entry in methods["policy+cpsat"]}
                names = sorted(set(cold) & set(warm))
                greedy_gap = mean_gap(
                    [e for e in by_part["rules"][size]["policy-greedy"] if e["instance"] in names], bounds
                )
                unsolved = sum(bool(np.isnan(cold[name])) for name in names)
                better = sum(bool(np.isnan(cold[name])) or warm[name] < cold[name] for name in names)
                equal = sum(warm[name] == cold[name] for name in names)
                cold_gap = mean_gap([e for e in methods["cpsat"] if e["instance"] in names], bounds)
                warm_gap = mean_gap([e for e in methods["policy+cpsat"] if e["instance"] in names], bounds)
                targets["limits"][f"{part[5:]}s {size}"] = {
                    "cold": cold_gap,
                    "cold_without_schedule": unsolved,
                    "warm": warm_gap,
                    "met": better > len(names) / 2 and not warm_gap > cold_gap,
                }
                cold_cell = _cell(cold_gap) + (f" ({unsolved} without a schedule)" if unsolved else "")
                lines.append(
                    f"| {part[5:]} s | {size} | {len(names)} | {cold_cell} | {_cell(warm_gap)} | {_cell(greedy_gap)} | "
                    f"{better} / {equal} / {len(names) - better - equal} |"
                )
        lines.append("")
    sampling_sizes = [size for size in SIZE_ORDER if size in by_part["sampling"]]
    if sampling_sizes:
        columns = ["policy-sampling", "cpsat=T", "policy-sampling+cpsat(T)"]
        header = ["size", "n", "best-rule", "policy-greedy", *columns, "T (s)", "sampling < best-rule"]
        lines += [
            "**Part 3 — sampling subset**, mean gap (%) to best-known UB (best-rule: the class's best rule of part 1, on these instances):",
            "",
        ]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for size in sampling_sizes:
            methods = by_part["sampling"][size]
            names = {entry["instance"] for entry in methods["policy-sampling"]}
            best_column = targets["rules"].get(size, {}).get("best_rule_name")
            rule_records = by_part["rules"][size]
            best_gap = (
                mean_gap([e for e in rule_records[best_column] if e["instance"] in names], bounds)
                if best_column
                else float("nan")
            )
            greedy_gap = mean_gap([e for e in rule_records["policy-greedy"] if e["instance"] in names], bounds)
            gaps = {column: mean_gap(methods[column], bounds) for column in columns}
            seconds = float(np.mean([entry["seconds"] for entry in methods["policy-sampling"]]))
            met = gaps["policy-sampling"] < best_gap
            targets["sampling"][size] = {**gaps, "best_rule": best_gap, "greedy": greedy_gap, "met": met}
            lines.append(
                f"| {size} | {len(names)} | {_cell(best_gap)} | {_cell(greedy_gap)} | "
                + " | ".join(_cell(gaps[column]) for column in columns)
                + f" | {seconds:.1f} | {'yes' if met else 'no'} |"
            )
        lines.append("")

    return "\n".join(lines), targets


def plot(records: list[dict], bounds: dict[str, int], path: Path) -> None:
    """Left: best rule vs greedy policy on every instance; right: the sampling subset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, targets = summarize(records, bounds)
    panels = []
    sizes = [size for size in SIZE_ORDER if size in targets["rules"]]
    panels.append(
        (
            "all instances",
            sizes,
            {
                "best rule": [targets["rules"][size]["best_rule"] for size in sizes],
                "policy greedy": [targets["rules"][size]["greedy"] for size in sizes],
            },
        )
    )
    subset = [size for size in SIZE_ORDER if size in targets["sampling"]]
    if subset:
        columns = {
            "best rule": "best_rule",
            "policy greedy": "greedy",
            "policy sampling (T s)": "policy-sampling",
            "cold CP-SAT (T s)": "cpsat=T",
            "sampling + warm CP-SAT (2T s)": "policy-sampling+cpsat(T)",
        }
        panels.append(
            (
                "sampling subset",
                subset,
                {
                    label: [targets["sampling"][size].get(key, np.nan) for size in subset]
                    for label, key in columns.items()
                },
            )
        )
    figure, axes_list = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4), squeeze=False)
    for axes, (title, panel_sizes, series) in zip(axes_list[0], panels, strict=True):
        width = 0.8 / len(series)
        for index, (label, values) in enumerate(series.items()):
            axes.bar(np.arange(len(panel_sizes)) + index * width, values, width, label=label)
        axes.set_xticks(np.arange(len(panel_sizes)) + 0.4 - width / 2, panel_sizes, fontsize=8)
        axes.set_title(title)
        axes.set_ylabel("mean gap to best-known UB (%)")
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--sizes", default="", help="size classes, e.g. 15x15,100x20 (default: all)")
    parser.add_argument("--per-class", type=int, default=10, help="instances per size class (first ones)")
    parser.add_argument("--instances", default="", help="explicit instance names, e.g. ta01,ta71 (overrides --sizes)")
    parser.add_argument("--limit-sizes", default="100x20", help="size classes of part 2")
    parser.add_argument(
        "--time-limits", type=parse_limits, default=parse_limits("10:10,60:2"), help="part 2: SECONDS:COUNT,..."
    )
    parser.add_argument("--sampling-per-class", type=int, default=2, help="part 3: instances per size class")
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the policy")
    parser.add_argument("--weights", default=None, help="policy weights (default: the shipped ones)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--max-seconds", type=float, default=None, help="start no new run after this wall time")
    parser.add_argument("--summarize", type=Path, default=None, help="only rebuild the tables from DIR/runs.jsonl")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "dispatching")
    arguments = parser.parse_args()
    bounds = upper_bounds(arguments.data)
    out = arguments.summarize or arguments.out
    began = time.perf_counter()
    if arguments.summarize is None:
        torch.manual_seed(arguments.seed)
        out.mkdir(parents=True, exist_ok=True)
        run_benchmark(arguments)
    command_file = out / "command.txt"
    if arguments.summarize is None:
        elapsed = time.perf_counter() - began
        command_file.write_text("python benchmarks/dispatching.py " + " ".join(os.sys.argv[1:]) + f"\n{elapsed:.0f}\n")
    command, elapsed_text = (
        (command_file.read_text().splitlines() + ["", ""])[:2] if command_file.is_file() else ("", "")
    )
    records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines() if line.strip()]
    text, targets = summarize(records, bounds)
    header = f"Command: `{command}`\n\nRuns: {len(records)}; wall time {elapsed_text} s\n\n"
    (out / "table.md").write_text(header + text)
    (out / "targets.json").write_text(json.dumps(targets, indent=1))
    plot(records, bounds, out / "gaps.png")
    console = Console(width=240)
    console.print(text)
    console.print(f"wrote {out / 'table.md'}, {out / 'runs.jsonl'}, {out / 'targets.json'}, {out / 'gaps.png'}")


if __name__ == "__main__":
    main()
