"""Job-shop dispatching: the learned policy against the per-instance best of 12 static rules, and CP-SAT.

Instance sets (``--sets``, all generated in this script, nothing read from disk):

* ``taillard``: ta01–ta80 (Taillard's generator; gaps to the best-known upper bounds);
* generated test sets, ``--per-shape`` instances each, seeds ``--test-seed + i`` (never used in
  training: training seeds are below 10^7 and validation seeds start at 9·10^8):
  ``uniform30x20`` (Taillard-style), ``dmu30x20`` and ``dmu50x20`` (DMU-style, two machine
  subsets), ``wide10x100``, ``long1000x10``, ``general50x10`` (ragged jobs, re-entrant machines, zero
  durations); gaps to the best makespan any method found in the run.

Parts (``--parts``), each appended to ``runs.jsonl`` as it finishes:

1. ``rules``: the 12 static rules (6 rules × non-delay and Giffler–Thompson ``-gt``) and the
   policy's greedy schedule (wall and CPU seconds).
2. ``sampling``: greedy plus sampled schedules for ``--sampling-seconds`` (default 1 s; with
   ``--cpu-budget`` counted in CPU seconds of this process, so that other load on a shared
   machine does not shrink it).
3. ``cpsat``: on ``--cpsat-per-class`` instances per class, at each of ``--cpsat-limits``: cold
   CP-SAT; CP-SAT warm-started (hint + cutoff) from the 1 s sample for the rest of the limit; and
   the ``dispatch`` method's ``warm=auto`` (a cold probe, then warm-started from the better schedule).

Everything runs on one core (CP-SAT with one worker, torch with one thread). ``--summarize DIR``
rebuilds the tables and the plot (mean gap against time budget per class) from ``runs.jsonl``.

Usage:
    flock /tmp/ormodel-bench.lock taskset -c 1 python benchmarks/dispatching.py --parts rules,sampling --out DIR
    python benchmarks/dispatching.py --sets taillard:ta01 --per-shape 1 --parts rules --out /tmp/x
    python benchmarks/dispatching.py --summarize DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from ormodel.datasets.jssp import (
    TAILLARD_BOUNDS,
    JobShopInstance,
    dmu_jobshop,
    general_jobshop,
    random_jobshop,
    taillard_instance,
    taillard_names,
    taillard_size_class,
)
from ormodel.learned.dispatching.cpsat import solve_jobshop_cpsat
from ormodel.learned.dispatching.method import improve_with_cpsat
from ormodel.learned.dispatching.policy import load_policy
from ormodel.learned.dispatching.rules import RULES, dispatch_with_rule
from rich.console import Console
from rich.progress import Progress

RULE_COLUMNS = tuple(rule + suffix for suffix in ("", "-gt") for rule in RULES)
SHAPES: dict[str, Callable[[int], JobShopInstance]] = {
    "uniform30x20": lambda seed: random_jobshop(30, 20, seed=seed, name=f"uniform30x20_s{seed}"),
    "dmu30x20": lambda seed: dmu_jobshop(30, 20, seed=seed, name=f"dmu30x20_s{seed}"),
    "dmu50x20": lambda seed: dmu_jobshop(50, 20, seed=seed, name=f"dmu50x20_s{seed}"),
    "wide10x100": lambda seed: random_jobshop(10, 100, seed=seed, name=f"wide10x100_s{seed}"),
    "long1000x10": lambda seed: random_jobshop(1000, 10, seed=seed, name=f"long1000x10_s{seed}"),
    "general50x10": lambda seed: general_jobshop(50, 10, seed=seed, name=f"general50x10_s{seed}"),
}


def chosen_instances(arguments: argparse.Namespace) -> list[tuple[str, str, Callable[[], JobShopInstance]]]:
    """``(class, name, builder)`` of every instance of ``--sets``."""
    chosen = []
    for item in arguments.sets.split(","):
        kind, _, selection = item.partition(":")
        if kind == "taillard":
            names = selection.split("+") if selection else taillard_names()
            chosen += [(f"ta{taillard_size_class(name)}", name, lambda name=name: taillard_instance(name)) for name in names]
        elif kind in SHAPES:
            for index in range(arguments.per_shape):
                seed = arguments.test_seed + index
                chosen.append((kind, f"{kind}_s{seed}", lambda kind=kind, seed=seed: SHAPES[kind](seed)))
        else:
            raise SystemExit(f"unknown set {kind!r}; choose taillard[:ta01+ta02] or one of {', '.join(SHAPES)}")
    return chosen


def _timed(function: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = function()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def run(arguments: argparse.Namespace) -> None:
    """Run the chosen parts; every record goes to ``runs.jsonl`` at once."""
    torch.set_num_threads(1)
    policy = load_policy(arguments.weights)
    instances = chosen_instances(arguments)
    parts = set(arguments.parts.split(","))
    arguments.out.mkdir(parents=True, exist_ok=True)
    sink = (arguments.out / "runs.jsonl").open("a")
    sink.write(json.dumps({"command": " ".join(sys.argv), "started": time.strftime("%Y-%m-%d %H:%M:%S")}) + "\n")

    def record(klass: str, name: str, part: str, method: str, makespan: float, seconds: float, **extra: object) -> None:
        entry = {"class": klass, "name": name, "part": part, "method": method, "makespan": float(makespan),
                 "seconds": round(seconds, 4), **extra}
        sink.write(json.dumps(entry) + "\n")
        sink.flush()

    per_class: dict[str, int] = defaultdict(int)
    with Progress(console=Console(width=160)) as progress:
        task = progress.add_task("dispatching", total=len(instances))
        for klass, name, build in instances:
            progress.update(task, description=f"{klass} {name}")
            instance = build()
            if "rules" in parts:
                for rule in RULES:
                    for mode, suffix in (("non_delay", ""), ("active", "-gt")):
                        schedule, wall, cpu = _timed(lambda: dispatch_with_rule(instance, rule, mode))
                        record(klass, name, "rules", rule + suffix, schedule.makespan, wall, cpu=round(cpu, 4))
                greedy, wall, cpu = _timed(lambda: policy.solve(instance))
                instance.check_schedule(greedy.starts)
                record(klass, name, "rules", "policy-greedy", greedy.makespan, wall, cpu=round(cpu, 4),
                       lower_bound=instance.lower_bound())
            sampled = None
            compare_cpsat = "cpsat" in parts and per_class[klass] < arguments.cpsat_per_class
            if "sampling" in parts or compare_cpsat:
                clock = time.process_time if arguments.cpu_budget else time.perf_counter
                if "rules" in parts and (cpu if arguments.cpu_budget else wall) >= arguments.sampling_seconds:
                    # The greedy run alone used the budget: sampling would return that same greedy schedule.
                    sampled = greedy
                else:
                    sampled, wall, cpu = _timed(lambda: policy.sample_for(
                        instance, arguments.sampling_seconds, seed=arguments.seed, temperature=arguments.temperature,
                        clock=clock))
                instance.check_schedule(sampled.starts)
                record(klass, name, "sampling", "policy-sampling", sampled.makespan, wall, cpu=round(cpu, 4),
                       samples=len(sampled.all_makespans) - 1)
            if compare_cpsat:
                per_class[klass] += 1
                for limit in arguments.cpsat_limits:
                    cold = solve_jobshop_cpsat(instance, time_limit=limit, seed=arguments.seed, workers=1)
                    record(klass, name, f"cpsat{limit:g}", "cold", cold.makespan if cold.has_solution else float("nan"),
                           cold.solve_time, status=cold.status)
                    rest = max(limit - sampled.seconds, 0.1)
                    warm = solve_jobshop_cpsat(instance, time_limit=rest, seed=arguments.seed, workers=1, warm_start=sampled.starts)
                    instance.check_schedule(warm.starts)
                    record(klass, name, f"cpsat{limit:g}", "warm", warm.makespan, sampled.seconds + warm.solve_time)
                    began = time.perf_counter()
                    starts, _, _, notes = improve_with_cpsat(instance, sampled.starts, rest, arguments.seed, 1, "auto")
                    instance.check_schedule(starts)
                    record(klass, name, f"cpsat{limit:g}", "auto", instance.makespan(starts),
                           sampled.seconds + time.perf_counter() - began, hint_from=notes.get("hint_from"))
            progress.advance(task)
    sink.close()


# ---------------------------------------------------------------------------------------------- summary
def reference_makespans(records: list[dict]) -> dict[str, float]:
    """Best-known upper bound for Taillard, else the best makespan found in the run."""
    best: dict[str, float] = {}
    for entry in records:
        if np.isfinite(entry["makespan"]):
            best[entry["name"]] = min(best.get(entry["name"], np.inf), entry["makespan"])
    for name in best:
        if name in TAILLARD_BOUNDS:
            best[name] = float(TAILLARD_BOUNDS[name][1])
    return best


def _gap(value: float, reference: float) -> float:
    return 100.0 * (value - reference) / reference


def summarize(records: list[dict]) -> tuple[str, dict]:
    """Markdown tables and the headline numbers."""
    runs = [entry for entry in records if "part" in entry]
    reference = reference_makespans(runs)
    table: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    classes: dict[str, list[str]] = defaultdict(list)
    for entry in runs:
        table[(entry["part"], entry["name"])][entry["method"]] = entry
        if entry["name"] not in classes[entry["class"]]:
            classes[entry["class"]].append(entry["name"])
    lines = ["**Greedy policy and 1 s sampling against the per-instance best of the 12 static rules** "
             "(wins/ties/losses per instance; gaps in % to the best-known upper bound for Taillard, to the best "
             "makespan found in this run for generated sets; times: mean greedy wall / CPU seconds)", "",
             "| class | n | best rule at bound | best of 12 rules gap | greedy gap | greedy W/T/L | greedy wins % | "
             "sampling 1 s gap | sampling W/T/L | sampling wins % | best rule s (CPU) | greedy s (wall / CPU) |",
             "|" + "---|" * 12]
    headline: dict = {"classes": {}}
    totals = defaultdict(int)
    for klass, names in classes.items():
        best_rule, greedy, sampled, rule_cpu, greedy_wall, greedy_cpu = [], [], [], [], [], []
        greedy_score, sample_score = [0, 0, 0], [0, 0, 0]
        at_bound = 0  # the best rule reaches the trivial lower bound: it can be tied, never beaten
        for name in names:
            rules = table.get(("rules", name), {})
            if not all(column in rules for column in RULE_COLUMNS) or "policy-greedy" not in rules:
                continue
            best = min(rules[column]["makespan"] for column in RULE_COLUMNS)
            at_bound += int(best <= rules["policy-greedy"].get("lower_bound", -1))
            rule_cpu.append(sum(rules[column].get("cpu", 0.0) for column in RULE_COLUMNS) / len(RULE_COLUMNS))
            best_rule.append(_gap(best, reference[name]))
            value = rules["policy-greedy"]["makespan"]
            greedy.append(_gap(value, reference[name]))
            greedy_wall.append(rules["policy-greedy"]["seconds"])
            greedy_cpu.append(rules["policy-greedy"].get("cpu", np.nan))
            greedy_score[0 if value < best else 1 if value == best else 2] += 1
            sample = table.get(("sampling", name), {}).get("policy-sampling")
            if sample is not None:
                sampled.append(_gap(sample["makespan"], reference[name]))
                sample_score[0 if sample["makespan"] < best else 1 if sample["makespan"] == best else 2] += 1
        if not best_rule:
            continue
        count = len(best_rule)
        sample_count = sum(sample_score)
        lines.append(
            f"| {klass} | {count} | {at_bound} | {np.mean(best_rule):.2f} | {np.mean(greedy):.2f} | {'/'.join(map(str, greedy_score))} | "
            f"{100 * greedy_score[0] / count:.0f} | {np.mean(sampled) if sampled else float('nan'):.2f} | "
            f"{'/'.join(map(str, sample_score))} | {100 * sample_score[0] / max(sample_count, 1):.0f} | "
            f"{np.mean(rule_cpu):.3f} | {np.mean(greedy_wall):.3f} / {np.mean(greedy_cpu):.3f} |"
        )
        headline["classes"][klass] = {"n": count, "best_rule_at_bound": at_bound, "greedy_wins": greedy_score, "sampling_wins": sample_score,
                                      "best_rule_gap": float(np.mean(best_rule)), "greedy_gap": float(np.mean(greedy)),
                                      "sampling_gap": float(np.mean(sampled)) if sampled else None,
                                      "greedy_wall": float(np.mean(greedy_wall)), "greedy_cpu": float(np.nanmean(greedy_cpu))}
        totals["at_bound"] += at_bound
        for index, value in enumerate(greedy_score):
            totals[f"greedy{index}"] += value
        for index, value in enumerate(sample_score):
            totals[f"sampling{index}"] += value
    lines.append("")
    lines.append(f"All instances: greedy W/T/L {totals['greedy0']}/{totals['greedy1']}/{totals['greedy2']}, "
                 f"sampling W/T/L {totals['sampling0']}/{totals['sampling1']}/{totals['sampling2']}; "
                 f"the best rule reaches the trivial lower bound (unbeatable) on {totals['at_bound']}.")
    cpsat_parts = sorted({entry["part"] for entry in runs if entry["part"].startswith("cpsat")}, key=lambda part: float(part[5:]))
    for part in cpsat_parts:
        lines += ["", f"**CP-SAT at {part[5:]} s (one worker)**: mean gap %, and how often warm/auto beat (<), tie or lose to cold", "",
                  "| class | n | cold | warm (hint + cutoff) | auto (probe, then hint) | warm vs cold W/T/L | auto vs cold W/T/L |",
                  "|---|---|---|---|---|---|---|"]
        for klass, names in classes.items():
            rows = [table[(part, name)] for name in names if len(table.get((part, name), {})) == 3]
            if not rows:
                continue
            gaps = {method: np.mean([_gap(row[method]["makespan"], reference[row[method]["name"]]) for row in rows])
                    for method in ("cold", "warm", "auto")}

            def score(method: str) -> str:
                pairs = [(row[method]["makespan"], row["cold"]["makespan"]) for row in rows]
                return f"{sum(a < b for a, b in pairs)}/{sum(a == b for a, b in pairs)}/{sum(a > b for a, b in pairs)}"

            lines.append(f"| {klass} | {len(rows)} | {gaps['cold']:.2f} | {gaps['warm']:.2f} | {gaps['auto']:.2f} | "
                         f"{score('warm')} | {score('auto')} |")
    return "\n".join(lines) + "\n", headline


def plot(records: list[dict], path: Path) -> None:
    """Mean gap against time budget per class: best rule, greedy, 1 s sampling, CP-SAT cold/warm/auto."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [entry for entry in records if "part" in entry]
    reference = reference_makespans(runs)
    classes = sorted({entry["class"] for entry in runs})
    figure, axes = plt.subplots(1, 1, figsize=(9, 5.5))
    markers = {"best rule": "s", "greedy": "o", "sampling": "^", "cold": "x", "warm": "+", "auto": "D"}
    for number, klass in enumerate(classes):
        color = plt.cm.tab20(number % 20)
        mine = [entry for entry in runs if entry["class"] == klass]
        points = []
        by_name = defaultdict(dict)
        for entry in mine:
            by_name[entry["name"]][(entry["part"], entry["method"])] = entry
        for label, key in (("greedy", ("rules", "policy-greedy")), ("sampling", ("sampling", "policy-sampling"))):
            values = [(entry[key]["seconds"], _gap(entry[key]["makespan"], reference[name])) for name, entry in by_name.items() if key in entry]
            if values:
                points.append((label, *np.mean(values, axis=0)))
        for method in ("cold", "warm", "auto"):
            for part in sorted({entry["part"] for entry in mine if entry["part"].startswith("cpsat")}):
                values = [(float(part[5:]), _gap(entry[(part, method)]["makespan"], reference[name]))
                          for name, entry in by_name.items() if (part, method) in entry]
                if values:
                    points.append((method, *np.mean(values, axis=0)))
        points.sort(key=lambda point: point[1])
        if points:
            axes.plot([point[1] for point in points], [point[2] for point in points], "-", color=color, label=klass, alpha=0.7)
            for label, seconds, gap in points:
                axes.plot(seconds, gap, markers[label], color=color)
    axes.set_xscale("log")
    axes.set_xlabel("time budget (s, log)")
    axes.set_ylabel("mean gap (%)")
    axes.set_title("Gap against time budget (o greedy, ^ 1 s sampling, x cold / + warm / D auto CP-SAT)")
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_summary(out: Path) -> None:
    """Tables (``table.md``), headline numbers (``summary.json``) and the plot (``gaps.png``) from ``runs.jsonl``."""
    records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines() if line.strip()]
    text, headline = summarize(records)
    commands = [entry["command"] for entry in records if "command" in entry]
    (out / "table.md").write_text("Commands:\n" + "\n".join(f"    {command}" for command in commands) + "\n\n" + text)
    (out / "summary.json").write_text(json.dumps(headline, indent=1))
    plot(records, out / "gaps.png")


def main() -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="taillard," + ",".join(SHAPES))
    parser.add_argument("--per-shape", type=int, default=10)
    parser.add_argument("--test-seed", type=int, default=2_100_000_000)
    parser.add_argument("--parts", default="rules,sampling")
    parser.add_argument("--sampling-seconds", type=float, default=1.0)
    parser.add_argument("--cpu-budget", action="store_true", help="count the sampling budget in CPU seconds of this process")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--cpsat-limits", type=lambda text: [float(value) for value in text.split(",")], default=[10.0])
    parser.add_argument("--cpsat-per-class", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/dispatching"))
    parser.add_argument("--summarize", type=Path, default=None, help="only rebuild the tables from DIR/runs.jsonl")
    arguments = parser.parse_args()
    if arguments.summarize is not None:
        write_summary(arguments.summarize)
        print((arguments.summarize / "table.md").read_text())
        return
    run(arguments)
    write_summary(arguments.out)
    print((arguments.out / "table.md").read_text())


if __name__ == "__main__":
    main()
