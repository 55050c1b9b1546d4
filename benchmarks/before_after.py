"""Compare two runs of the Balans and dispatching benchmarks (e.g. before and after a refactoring).

Balans (``benchmarks/balans.py`` output folders): both runs are scored against one reference per
instance, the best objective either run found within the budget, so primal gaps and integrals of
the two runs are comparable (each run's own summary uses its own best). Dispatching
(``benchmarks/dispatching.py`` output folders): the deterministic part (static rules and the
greedy policy) must give identical makespans; the timed parts are compared by mean gap and time.

Usage::

    python benchmarks/before_after.py --balans OLD NEW --dispatching OLD NEW --data ../shared/data
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _script(name: str) -> Any:
    """A sibling benchmark script as a module (for its own scoring functions)."""
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _rows(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def balans_table(before: Path, after: Path) -> str:
    """Per family and method: mean primal gap at the budget and mean primal integral, before → after."""
    balans = _script("balans")
    rows = []
    for tag, folder in (("before", before), ("after", after)):
        rows += [{**row, "method": f"{row['method']}|{tag}"} for row in _rows(folder / "results.jsonl")]
    table = balans.summarize(rows)["table"]
    lines = ["| family | method | runs | primal gap before | after | primal integral (s) before | after | max wall (s) before | after |",
             "|---|---|---|---|---|---|---|---|---|"]
    for family, methods in table.items():
        names = sorted({name.split("|")[0] for name in methods}, key=lambda name: balans.METHODS.index(name))
        for name in names:
            old, new = methods.get(f"{name}|before"), methods.get(f"{name}|after")
            if old is None or new is None:
                continue
            lines.append(
                f"| {family} | {name} | {len(old['gap'])}/{len(new['gap'])} | {100 * statistics.mean(old['gap']):.2f}% | "
                f"{100 * statistics.mean(new['gap']):.2f}% | {statistics.mean(old['integral']):.3f} | "
                f"{statistics.mean(new['integral']):.3f} | {max(old['wall']):.1f} | {max(new['wall']):.1f} |")
    return "\n".join(lines)


def dispatching_table(before: Path, after: Path, data: Path) -> str:
    """Identical deterministic makespans, and mean gap / seconds of every part, before → after."""
    dispatching = _script("dispatching")
    bounds = dispatching.upper_bounds(data)
    old, new = _rows(before / "runs.jsonl"), _rows(after / "runs.jsonl")
    old_by_key, new_by_key = ({(row["part"], row["method"], row["instance"]): row for row in rows} for rows in (old, new))
    deterministic = [item for item in old_by_key if item[0] == "rules" and item in new_by_key]
    same = sum(old_by_key[item]["makespan"] == new_by_key[item]["makespan"] for item in deterministic)
    lines = [f"Deterministic part (10 rules + greedy policy): {same} of {len(deterministic)} makespans identical.", "",
             "| part | method | n | mean gap % before | after | mean s before | after |", "|---|---|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for item, old_row in old_by_key.items():
        if item in new_by_key:
            groups[item[:2]].append((old_row, new_by_key[item]))
    for (part, method), pairs in groups.items():
        if part == "rules" and method != "policy-greedy":
            continue
        gap = [dispatching.mean_gap([pair[index] for pair in pairs], bounds) for index in (0, 1)]
        seconds = [statistics.mean(float(pair[index].get("seconds", 0.0)) for pair in pairs) for index in (0, 1)]
        lines.append(f"| {part} | {method} | {len(pairs)} | {gap[0]:.2f} | {gap[1]:.2f} | {seconds[0]:.2f} | {seconds[1]:.2f} |")
    return "\n".join(lines)


def main() -> None:
    """Print the comparison tables as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--balans", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--dispatching", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    arguments = parser.parse_args()
    if arguments.balans:
        print(balans_table(*arguments.balans), end="\n\n")
    if arguments.dispatching:
        print(dispatching_table(*arguments.dispatching, arguments.data))


if __name__ == "__main__":
    main()
