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
2. ``sampling``: for ``--sampling-seconds`` (default 1 s; with ``--cpu-budget`` counted in CPU
   seconds of this process, so that other load on a shared machine does not shrink it), pure policy
   sampling (greedy plus sampled schedules) and the sampling mode
   (:func:`~ormodel.learned.dispatching.portfolio.sample_and_search`: the 12 rules, sampling and tabu
   search, everything inside the budget; ``--search-share`` of the time after the rules goes to the search).
3. ``cpsat``: on ``--cpsat-per-class`` instances per class, at each of ``--cpsat-limits``: cold
   CP-SAT; CP-SAT warm-started (hint + cutoff) from the 1 s sampling mode for the rest of the limit;
   and the ``dispatch`` method's ``warm=auto`` after the same sampling (cold CP-SAT for half the
   rest, then CP-SAT from its own schedule if that is better, else tabu search from the sampled one).
   The limits are wall-clock and include the sampling's wall time (run without ``--cpu-budget``).
   ``--cpsat-methods`` picks which of the three run; a later run into the same ``--out`` can add the others.

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
from ormodel.learned.dispatching.portfolio import sample_and_search
from ormodel.learned.dispatching.rules import RULES, dispatch_with_rule, non_delay_rule_schedule
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
                        # Non-delay: the event-driven implementation (the same schedule as the environment's).
                        schedule, wall, cpu = _timed(lambda: non_delay_rule_schedule(instance, rule) if mode == "non_delay"
                                                     else dispatch_with_rule(instance, rule, mode))
                        record(klass, name, "rules", rule + suffix, schedule.makespan, wall, cpu=round(cpu, 4))
                greedy, wall, cpu = _timed(lambda: policy.solve(instance))
                instance.check_schedule(greedy.starts)
                record(klass, name, "rules", "policy-greedy", greedy.makespan, wall, cpu=round(cpu, 4),
                       lower_bound=instance.lower_bound())
            sampled = None
            compare_cpsat = "cpsat" in parts and per_class[klass] < arguments.cpsat_per_class
            if "sampling" in parts or compare_cpsat:
                clock = time.process_time if arguments.cpu_budget else time.perf_counter
                if "sampling" in parts:
                    pure, wall, cpu = _timed(lambda: sample_and_search(
                        policy, instance, arguments.sampling_seconds, seed=arguments.seed,
                        temperature=arguments.temperature, clock=clock, rules=False, local_search_on=False))
                    instance.check_schedule(pure.starts)
                    record(klass, name, "sampling", "policy-sampling", pure.makespan, wall, cpu=round(cpu, 4),
                           samples=pure.samples, lower_bound=instance.lower_bound())
                sampled, wall, cpu = _timed(lambda: sample_and_search(
                    policy, instance, arguments.sampling_seconds, seed=arguments.seed, temperature=arguments.temperature,
                    clock=clock, search_share=arguments.search_share))
                sampling_wall = wall
                instance.check_schedule(sampled.starts)
                record(klass, name, "sampling", "sampling-mode", sampled.makespan, wall, cpu=round(cpu, 4),
                       samples=sampled.samples, source=sampled.source, search_iterations=sampled.search_iterations,
                       rule_makespan=sampled.rule_makespan, policy_makespan=sampled.policy_makespan,
                       lower_bound=instance.lower_bound())
            if compare_cpsat:
                per_class[klass] += 1
                for limit in arguments.cpsat_limits:
                    if "cold" in arguments.cpsat_methods:
                        cold = solve_jobshop_cpsat(instance, time_limit=limit, seed=arguments.seed, workers=1)
                        record(klass, name, f"cpsat{limit:g}", "cold", cold.makespan if cold.has_solution else float("nan"),
                               cold.solve_time, status=cold.status)
                    rest = max(limit - sampling_wall, 0.1)  # CP-SAT limits are wall-clock: the sampling's wall time counts
                    if "warm" in arguments.cpsat_methods:
                        warm = solve_jobshop_cpsat(instance, time_limit=rest, seed=arguments.seed, workers=1,
                                                   warm_start=sampled.starts)
                        instance.check_schedule(warm.starts)
                        record(klass, name, f"cpsat{limit:g}", "warm", warm.makespan, sampling_wall + warm.solve_time,
                               sampled=sampled.makespan)
                    if "auto" not in arguments.cpsat_methods:
                        continue
                    began = time.perf_counter()
                    starts, _, _, notes = improve_with_cpsat(instance, sampled.starts, rest, arguments.seed, 1, "auto")
                    instance.check_schedule(starts)
                    record(klass, name, f"cpsat{limit:g}", "auto", instance.makespan(starts),
                           sampling_wall + time.perf_counter() - began, continued=notes.get("continued"),
                           probe=notes.get("probe_makespan"), sampled=sampled.makespan)
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
    lines = ["**Greedy policy, pure 1 s sampling and the 1 s sampling mode (rules + sampling + local search) against "
             "the per-instance best of the 12 static rules** (W = strictly better, T@LB = tie where the best rule "
             "already reaches the trivial lower bound, T = tie above it, L = worse; gaps in % to the best-known upper "
             "bound for Taillard, to the best makespan found in this run for generated sets)", "",
             "| class | n | best rule at bound | best of 12 rules gap | greedy gap | greedy W/T@LB/T/L | "
             "pure sampling gap | pure sampling W/T@LB/T/L | mode gap | mode W/T@LB/T/L | mode wins % (of beatable) | "
             "mode wall s mean / max | mode CPU s mean / max | rule s (CPU, mean of 12) | greedy s (wall / CPU) |",
             "|" + "---|" * 15]
    headline: dict = {"classes": {}}
    totals: dict[str, list[int]] = {key: [0, 0, 0, 0] for key in ("greedy", "pure", "mode")}
    at_bound_total = 0

    def outcome(value: float, best: float, bound: float) -> int:
        return 0 if value < best else (1 if best <= bound else 2) if value == best else 3

    for klass, names in classes.items():
        best_rule, rule_cpu, greedy_wall, greedy_cpu, mode_cpu, mode_wall = [], [], [], [], [], []
        gaps: dict[str, list[float]] = {"greedy": [], "pure": [], "mode": []}
        scores = {key: [0, 0, 0, 0] for key in gaps}
        at_bound = 0  # the best rule reaches the trivial lower bound: it can be tied, never beaten
        for name in names:
            rules = table.get(("rules", name), {})
            if not all(column in rules for column in RULE_COLUMNS) or "policy-greedy" not in rules:
                continue
            best = min(rules[column]["makespan"] for column in RULE_COLUMNS)
            bound = rules["policy-greedy"].get("lower_bound", -1)
            at_bound += int(best <= bound)
            rule_cpu.append(sum(rules[column].get("cpu", 0.0) for column in RULE_COLUMNS) / len(RULE_COLUMNS))
            best_rule.append(_gap(best, reference[name]))
            greedy_wall.append(rules["policy-greedy"]["seconds"])
            greedy_cpu.append(rules["policy-greedy"].get("cpu", np.nan))
            sampling = table.get(("sampling", name), {})
            for key, entry in (("greedy", rules["policy-greedy"]), ("pure", sampling.get("policy-sampling")),
                               ("mode", sampling.get("sampling-mode"))):
                if entry is not None:
                    gaps[key].append(_gap(entry["makespan"], reference[name]))
                    scores[key][outcome(entry["makespan"], best, bound)] += 1
            if "sampling-mode" in sampling:
                mode_cpu.append(sampling["sampling-mode"].get("cpu", np.nan))
                mode_wall.append(sampling["sampling-mode"]["seconds"])
        if not best_rule:
            continue
        count = len(best_rule)

        def mean(values: list[float]) -> str:
            return f"{np.mean(values):.2f}" if values else "–"

        mode = scores["mode"]
        beatable = sum(mode) - mode[1]
        lines.append(
            f"| {klass} | {count} | {at_bound} | {mean(best_rule)} | {mean(gaps['greedy'])} | {'/'.join(map(str, scores['greedy']))} | "
            f"{mean(gaps['pure'])} | {'/'.join(map(str, scores['pure']))} | {mean(gaps['mode'])} | {'/'.join(map(str, mode))} | "
            f"{100 * mode[0] / max(sum(mode), 1):.0f} ({100 * mode[0] / max(beatable, 1):.0f}) | "
            f"{np.mean(mode_wall) if mode_wall else np.nan:.2f} / {np.max(mode_wall) if mode_wall else np.nan:.2f} | "
            f"{np.mean(mode_cpu) if mode_cpu else np.nan:.2f} / {np.max(mode_cpu) if mode_cpu else np.nan:.2f} | "
            f"{np.mean(rule_cpu):.3f} | {np.mean(greedy_wall):.3f} / {np.mean(greedy_cpu):.3f} |"
        )
        headline["classes"][klass] = {"n": count, "best_rule_at_bound": at_bound, "best_rule_gap": float(np.mean(best_rule)),
                                      **{f"{key}_scores": value for key, value in scores.items()},
                                      **{f"{key}_gap": float(np.mean(value)) if value else None for key, value in gaps.items()},
                                      "greedy_wall": float(np.mean(greedy_wall)), "greedy_cpu": float(np.nanmean(greedy_cpu)),
                                      "mode_wall_max": float(np.max(mode_wall)) if mode_wall else None}
        at_bound_total += at_bound
        for key, value in scores.items():
            totals[key] = [a + b for a, b in zip(totals[key], value)]
    if not headline["classes"]:
        lines = []  # no rules part in this run: only the CP-SAT tables
    lines.append("")
    if headline["classes"]:
        lines.append("All instances (W/T@LB/T/L): " + ", ".join(f"{key} {'/'.join(map(str, value))}" for key, value in totals.items())
                     + f"; the best rule reaches the trivial lower bound (unbeatable) on {at_bound_total}.")
    headline["totals"] = totals
    cpsat_parts = sorted({entry["part"] for entry in runs if entry["part"].startswith("cpsat")}, key=lambda part: float(part[5:]))
    for part in cpsat_parts:
        lines += ["", f"**CP-SAT at {part[5:]} s (one worker, wall clock, the 1 s sampling included in warm and auto)**: "
                  "mean gap %, and how often warm/auto beat, tie or lose to cold (no cold schedule counts as a loss of cold)", "",
                  "| class | n | sampling mode 1 s | cold | warm (hint + cutoff) | auto (measured) | warm vs cold W/T/L | "
                  "auto vs cold W/T/L | auto continued with |",
                  "|---|---|---|---|---|---|---|---|---|"]
        totals_part = {"warm": [0, 0, 0], "auto": [0, 0, 0]}
        for klass, names in classes.items():
            rows = [table[(part, name)] for name in names
                    if "cold" in table.get((part, name), {}) and {"warm", "auto"} & set(table[(part, name)])]
            if not rows:
                continue

            def value(row: dict, method: str) -> float:
                number = row[method]["makespan"]
                return float("inf") if not np.isfinite(number) else number

            def mean_gap(method: str) -> str:
                values = [_gap(row[method]["makespan"], reference[row[method]["name"]]) for row in rows if method in row]
                return f"{np.mean(values):.2f}" if values else "–"

            def score(method: str) -> str:
                pairs = [(value(row, method), value(row, "cold")) for row in rows if method in row]
                if not pairs:
                    return "–"
                counts = [sum(a < b for a, b in pairs), sum(a == b for a, b in pairs), sum(a > b for a, b in pairs)]
                totals_part[method] = [x + y for x, y in zip(totals_part[method], counts)]
                return "/".join(map(str, counts))

            sampled = [_gap(entry["sampled"], reference[entry["name"]]) for row in rows
                       for entry in [row.get("auto", row.get("warm", {}))] if "sampled" in entry]
            continued = defaultdict(int)
            for row in rows:
                if "auto" in row:
                    continued[str(row["auto"].get("continued"))] += 1
            lines.append(f"| {klass} | {len(rows)} | {np.mean(sampled) if sampled else float('nan'):.2f} | {mean_gap('cold')} | "
                         f"{mean_gap('warm')} | {mean_gap('auto')} | {score('warm')} | {score('auto')} | "
                         f"{', '.join(f'{key} {count}' for key, count in sorted(continued.items()))} |")
        lines += ["", f"All: warm vs cold {'/'.join(map(str, totals_part['warm']))}, "
                  f"auto vs cold {'/'.join(map(str, totals_part['auto']))} (W/T/L)."]
        headline[part] = totals_part
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
    markers = {"best rule": "s", "greedy": "o", "sampling": "^", "mode": "v", "cold": "x", "warm": "+", "auto": "D"}
    for number, klass in enumerate(classes):
        color = plt.cm.tab20(number % 20)
        mine = [entry for entry in runs if entry["class"] == klass]
        points = []
        by_name = defaultdict(dict)
        for entry in mine:
            by_name[entry["name"]][(entry["part"], entry["method"])] = entry
        for label, key in (("greedy", ("rules", "policy-greedy")), ("sampling", ("sampling", "policy-sampling")),
                           ("mode", ("sampling", "sampling-mode"))):
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
    axes.set_title("Gap against time budget (o greedy, ^ 1 s sampling, v 1 s sampling mode, x cold / + warm / D auto CP-SAT)", fontsize=9)
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
    parser.add_argument("--test-seed", type=int, default=2_000_000_000)
    parser.add_argument("--parts", default="rules,sampling")
    parser.add_argument("--sampling-seconds", type=float, default=1.0)
    parser.add_argument("--cpu-budget", action="store_true", help="count the sampling budget in CPU seconds of this process")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--search-share", type=float, default=0.5, help="share of the time after the rules for the local search")
    parser.add_argument("--cpsat-limits", type=lambda text: [float(value) for value in text.split(",")], default=[10.0])
    parser.add_argument("--cpsat-per-class", type=int, default=1)
    parser.add_argument("--cpsat-methods", default="cold,warm,auto",
                        help="which of cold, warm and auto run (a later run into the same --out can add the others)")
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
