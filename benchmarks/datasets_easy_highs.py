"""Generate each MILP family at a level and solve it with HiGHS: sizes, generation and solve times.

Usage:
    python benchmarks/datasets_easy_highs.py --level easy --seeds 0-2 --time-limit 300 --out benchmarks/out/datasets

Prints a table (one row per family: rows, columns, nonzeros, generation time, HiGHS status counts,
shifted geometric mean solve time, nodes) and writes a bar plot of the solve times.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from ormodel.datasets import milp
from ormodel.datasets.cli import parse_seeds
from ormodel.solvers import SolveOptions, get_backend
from rich.console import Console
from rich.progress import Progress
from rich.table import Table


def shifted_geometric_mean(values: list[float], shift: float = 1.0) -> float:
    """exp(mean(log(v + shift))) - shift, the usual MIP benchmark mean."""
    return math.exp(sum(math.log(value + shift) for value in values) / len(values)) - shift


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", default="easy")
    parser.add_argument("--seeds", type=parse_seeds, default=[0, 1, 2])
    parser.add_argument("--families", default=",".join(milp.FAMILIES))
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/out/datasets")
    args = parser.parse_args()
    families = [family for family in args.families.split(",") if family]
    backend = get_backend("highs")
    rows = []
    with Progress() as progress:
        task = progress.add_task("generate + solve", total=len(families) * len(args.seeds))
        for family in families:
            generation, solve, statuses, nodes, shape = [], [], [], [], (0, 0, 0)
            for seed in args.seeds:
                started = time.perf_counter()
                form = milp.generate(family, args.level, seed)
                generation.append(time.perf_counter() - started)
                shape = (form.num_rows, form.num_columns, form.matrix.nnz)
                result = backend.solve(form, SolveOptions(time_limit=args.time_limit, threads=args.threads))
                solve.append(result.solve_time)
                statuses.append(result.status.value)
                nodes.append(result.nodes or 0)
                progress.console.print(
                    f"{form.name}: {result.status.value} objective {result.objective} in {result.solve_time:.1f} s, "
                    f"{result.nodes} nodes (generated in {generation[-1]:.2f} s)"
                )
                progress.advance(task)
            rows.append((family, shape, generation, solve, statuses, nodes))
    table = Table(title=f"MILP families at level '{args.level}', seeds {args.seeds}, HiGHS {args.threads} thread(s), "
                  f"limit {args.time_limit:.0f} s")
    for column in ("family", "rows", "cols", "nnz", "gen s (mean)", "status", "solve s (sgm)", "solve s (max)", "nodes (mean)"):
        table.add_column(column)
    for family, (row_count, column_count, nonzeros), generation, solve, statuses, nodes in rows:
        counts = ", ".join(f"{statuses.count(value)} {value}" for value in sorted(set(statuses)))
        table.add_row(family, str(row_count), str(column_count), str(nonzeros), f"{sum(generation) / len(generation):.2f}",
                      counts, f"{shifted_geometric_mean(solve):.1f}", f"{max(solve):.1f}", f"{sum(nodes) / len(nodes):.0f}")
    Console().print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    markdown = [
        "| family | rows | cols | nnz | gen s (mean) | HiGHS status | solve s (sgm, shift 1) | solve s (max) | nodes (mean) |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for family, (row_count, column_count, nonzeros), generation, solve, statuses, nodes in rows:
        counts = ", ".join(f"{statuses.count(value)} {value}" for value in sorted(set(statuses)))
        markdown.append(
            f"| {family} | {row_count} | {column_count} | {nonzeros} | {sum(generation) / len(generation):.2f} | {counts} | "
            f"{shifted_geometric_mean(solve):.1f} | {max(solve):.1f} | {sum(nodes) / len(nodes):.0f} |"
        )
    (out / f"highs_{args.level}.md").write_text("\n".join(markdown) + "\n")
    print("\n".join(markdown))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4))
    axis.bar([row[0] for row in rows], [shifted_geometric_mean(row[3]) for row in rows])
    axis.set_ylabel("HiGHS solve time, shifted geo-mean (s)")
    axis.set_title(f"level {args.level}, seeds {args.seeds}")
    figure.tight_layout()
    figure.savefig(out / f"highs_{args.level}.png", dpi=120)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
