"""Summaries, Markdown tables and plots of a result table.

Per method (over all its (instance, seed) runs):

* **solved**: runs that ended ``optimal``.
* **time (sgm)**: shifted geometric mean of run time, shift 1 s; runs that did not end optimal
  count at their time limit (no extra penalty), as in Gasse et al. 2019.
* **primal gap**: mean of Berthold's primal gap (%) of the final objective against the reference
  value (best-known value, improved by the best objective any run found); a run without a
  solution counts 100 %.
* **primal integral**: mean of Berthold's primal integral over ``[0, time limit]``, in seconds and
  normalised by the time limit (%), from the incumbent trace of each run.
* **nodes**: mean branch-and-bound nodes on the (instance, seed) pairs every method solved.

Plots: a Dolan–Moré performance profile of run time, and the mean primal gap over time.

Example:
    >>> rows = [{"instance": "a", "method": "m", "seed": 0, "status": "optimal", "objective": 10.0,
    ...          "time": 1.0, "time_limit": 10, "sense": "minimize", "trace": [[0.5, 10.0]], "nodes": 3}]
    >>> summary = summarize(rows)[0]
    >>> summary.solved, summary.primal_gap_mean, summary.primal_integral_mean
    (1, 0.0, 0.5)
"""

from __future__ import annotations

import collections
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ormodel.answers import ANSWER_RULE, ANSWER_TOLERANCES, AnswerTolerance, row_verdicts
from ormodel.bench.metrics import (
    better,
    execution_rate,
    gap_at,
    gap_curve,
    performance_profile,
    performance_ratios,
    primal_gap,
    primal_integral,
    shifted_geometric_mean,
)
from ormodel.bench.table import ResultTable, row_key, sorted_rows

__all__ = [
    "MethodSummary",
    "Reference",
    "accuracy_by_method",
    "accuracy_markdown",
    "compare_tables",
    "instance_markdown",
    "load_rows",
    "plot_performance_profile",
    "plot_primal_gap",
    "reference_values",
    "summarize",
    "summary_markdown",
    "write_report",
]

OBJECTIVE_TOLERANCE = 1e-6


@dataclass
class Reference:
    """The value primal gaps are measured against, and where it comes from."""

    value: float | None
    source: str
    sense: str
    best_known: float | None = None


@dataclass
class MethodSummary:
    """One row of the summary table."""

    method: str
    runs: int
    solved: int
    failed: int
    time_sgm: float
    primal_gap_mean: float
    primal_integral_mean: float
    primal_integral_normalized: float
    nodes_mean: float
    nodes_count: int


def load_rows(paths: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Rows of one or more JSONL tables (later tables win on duplicate keys)."""
    merged: dict[tuple[str, str, int], dict[str, Any]] = {}
    for path in paths:
        table = ResultTable(path)
        if not table.exists():
            raise FileNotFoundError(f"{os.fspath(path)}: result table not found")
        for row in table.rows():
            merged[row_key(row)] = row
    return sorted_rows(merged.values())


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _has_solution(row: dict[str, Any]) -> bool:
    return _number(row.get("objective")) is not None and row.get("status") not in ("infeasible", "unbounded", "error", "crashed", "timeout", "memory_limit")


def reference_values(rows: Iterable[dict[str, Any]]) -> dict[str, Reference]:
    """Per instance: the best-known value, or the best objective found, whichever is better."""
    grouped: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        grouped[str(row["instance"])].append(row)
    references: dict[str, Reference] = {}
    for instance, instance_rows in grouped.items():
        sense = next((row["sense"] for row in instance_rows if row.get("sense")), "minimize")
        best_known = next((_number(row.get("best_known")) for row in instance_rows if _number(row.get("best_known")) is not None), None)
        found = [_number(row["objective"]) for row in instance_rows if _has_solution(row)]
        best_found = None
        for value in found:
            if value is not None and (best_found is None or better(value, best_found, sense)):
                best_found = value
        if best_known is not None and (best_found is None or not better(best_found, best_known, sense) or abs(best_found - best_known) <= OBJECTIVE_TOLERANCE * max(1.0, abs(best_known))):
            references[instance] = Reference(best_known, "best-known", sense, best_known)
        elif best_found is not None:
            source = "found (beats best-known)" if best_known is not None else "best found"
            references[instance] = Reference(best_found, source, sense, best_known)
        else:
            references[instance] = Reference(None, "none", sense, best_known)
    return references


def _time_limit(row: dict[str, Any]) -> float:
    limit = _number(row.get("time_limit"))
    if limit is not None and limit > 0:
        return limit
    return max(_number(row.get("time")) or 0.0, 1e-6)


def _run_time(row: dict[str, Any]) -> float:
    """Time of a run for the time statistics: its time when optimal, else its time limit."""
    limit = _time_limit(row)
    if row.get("status") == "optimal":
        return min(_number(row.get("time")) or 0.0, limit)
    return limit


def _final(row: dict[str, Any]) -> tuple[float, float] | None:
    objective = _number(row.get("objective"))
    if objective is None or not _has_solution(row):
        return None
    return (min(_number(row.get("time")) or 0.0, _time_limit(row)), objective)


def run_primal_gap(row: dict[str, Any], reference: Reference) -> float:
    """Berthold primal gap of a run's final objective (1 without a solution, nan without a reference)."""
    objective = _number(row.get("objective")) if _has_solution(row) else None
    return primal_gap(objective, reference.value)


def run_primal_integral(row: dict[str, Any], reference: Reference, normalize: bool = False) -> float:
    """Berthold primal integral of a run over ``[0, time limit]``."""
    trace = row.get("trace") or [] if _has_solution(row) else []
    return primal_integral(trace, reference.value, _time_limit(row), reference.sense, _final(row), normalize=normalize)


def _mean(values: Sequence[float]) -> float:
    finite = [value for value in values if value is not None and not math.isnan(value)]
    return float(np.mean(finite)) if finite else math.nan


def summarize(rows: Sequence[dict[str, Any]], shift: float = 1.0) -> list[MethodSummary]:
    """One :class:`MethodSummary` per method, in order of first appearance."""
    references = reference_values(rows)
    by_method: dict[str, list[dict[str, Any]]] = collections.OrderedDict()
    for row in rows:
        by_method.setdefault(str(row["method"]), []).append(row)
    pairs_by_method = {method: {(row["instance"], int(row["seed"])) for row in method_rows} for method, method_rows in by_method.items()}
    solved_by_all = set.intersection(*[
        {(row["instance"], int(row["seed"])) for row in method_rows if row.get("status") == "optimal"} for method_rows in by_method.values()
    ]) if by_method else set()
    common_pairs = set.intersection(*pairs_by_method.values()) if pairs_by_method else set()
    solved_by_all &= common_pairs
    summaries = []
    for method, method_rows in by_method.items():
        gaps = [run_primal_gap(row, references[str(row["instance"])]) for row in method_rows]
        integrals = [run_primal_integral(row, references[str(row["instance"])]) for row in method_rows]
        normalized = [run_primal_integral(row, references[str(row["instance"])], normalize=True) for row in method_rows]
        nodes = [_number(row.get("nodes")) for row in method_rows if (row["instance"], int(row["seed"])) in solved_by_all]
        nodes_known = [value for value in nodes if value is not None]
        summaries.append(MethodSummary(
            method=method,
            runs=len(method_rows),
            solved=sum(row.get("status") == "optimal" for row in method_rows),
            failed=sum(row.get("status") in ("timeout", "memory_limit", "crashed", "error") for row in method_rows),
            time_sgm=shifted_geometric_mean([_run_time(row) for row in method_rows], shift),
            primal_gap_mean=_mean(gaps),
            primal_integral_mean=_mean(integrals),
            primal_integral_normalized=_mean(normalized),
            nodes_mean=float(np.mean(nodes_known)) if nodes_known else math.nan,
            nodes_count=len(nodes_known),
        ))
    return summaries


def _format(value: float, digits: int = 2, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.{digits}f}" if percent else f"{value:.{digits}f}"


def summary_markdown(summaries: Sequence[MethodSummary]) -> str:
    """The per-method summary as a Markdown table."""
    lines = [
        "| method | runs | solved | failed | time sgm (s, shift 1) | primal gap mean (%) | primal integral mean (s) | primal integral / T (%) | nodes (solved by all) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for summary in summaries:
        nodes = "–" if summary.nodes_count == 0 else f"{summary.nodes_mean:.1f} (n={summary.nodes_count})"
        lines.append(
            f"| {summary.method} | {summary.runs} | {summary.solved} | {summary.failed} | {_format(summary.time_sgm)} | "
            f"{_format(summary.primal_gap_mean, 3, percent=True)} | {_format(summary.primal_integral_mean, 3)} | "
            f"{_format(summary.primal_integral_normalized, 3, percent=True)} | {nodes} |"
        )
    return "\n".join(lines)


def instance_markdown(rows: Sequence[dict[str, Any]], include_time: bool = True) -> str:
    """Per (instance, seed): reference value and each method's status, objective (and time)."""
    references = reference_values(rows)
    methods = list(dict.fromkeys(str(row["method"]) for row in rows))
    cells: dict[tuple[str, int], dict[str, dict[str, Any]]] = collections.defaultdict(dict)
    for row in rows:
        cells[(str(row["instance"]), int(row["seed"]))][str(row["method"])] = row
    header = "| instance | seed | reference | " + " | ".join(methods) + " |"
    lines = [header, "|---|---:|---:|" + "---|" * len(methods)]
    for (instance, seed) in sorted(cells):
        reference = references[instance]
        reference_text = "–" if reference.value is None else f"{reference.value:.6g} ({reference.source})"
        parts = []
        for method in methods:
            found = cells[(instance, seed)].get(method)
            if found is None:
                parts.append("not run")
                continue
            row = found
            objective = _number(row.get("objective"))
            text = f"{row.get('status')} {objective:.6g}" if objective is not None else str(row.get("status"))
            if row.get("nodes") is not None:
                count = int(row["nodes"])
                text += f", {count} node{'' if count == 1 else 's'}"
            if include_time:
                text += f", {(_number(row.get('time')) or 0.0):.2f} s"
            parts.append(text)
        lines.append(f"| {instance} | {seed} | {reference_text} | " + " | ".join(parts) + " |")
    return "\n".join(lines)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def plot_performance_profile(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> None:
    """Dolan–Moré performance profile of run time (unsolved runs never reach a ratio)."""
    pyplot = _pyplot()
    methods = list(dict.fromkeys(str(row["method"]) for row in rows))
    problems = sorted({(str(row["instance"]), int(row["seed"])) for row in rows})
    lookup = {(str(row["instance"]), int(row["seed"]), str(row["method"])): row for row in rows}
    times: dict[str, list[float]] = {}
    for method in methods:
        series = []
        for instance, seed in problems:
            row = lookup.get((instance, seed, method))
            solved = row is not None and row.get("status") == "optimal"
            series.append(max(_number(row.get("time")) or 0.0, 1e-3) if solved and row is not None else math.inf)
        times[method] = series
    ratios = performance_ratios(times)
    finite = [value for array in ratios.values() for value in array if math.isfinite(value)]
    largest = max(finite + [1.0])
    taus = np.logspace(0, math.log10(max(largest * 1.5, 2.0)), 400)
    figure, axis = pyplot.subplots(figsize=(6, 4))
    for method in methods:
        axis.step(taus, performance_profile(ratios[method], taus), where="post", label=method)
    axis.set_xscale("log", base=2)
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("time ratio to the best method τ (log₂)")
    axis.set_ylabel("fraction of runs with ratio ≤ τ")
    axis.set_title(f"Performance profile ({len(problems)} instance-seed pairs)")
    axis.grid(True, alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(os.fspath(path), dpi=120)
    pyplot.close(figure)


def plot_primal_gap(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str], points: int = 400) -> None:
    """Mean primal gap (Berthold, %) over time per method, from the incumbent traces."""
    pyplot = _pyplot()
    references = reference_values(rows)
    methods = list(dict.fromkeys(str(row["method"]) for row in rows))
    # Curves are flat once every run has ended: show up to the last finish (capped at the time limit).
    horizon = max(_time_limit(row) for row in rows)
    last_finish = max(min(_number(row.get("time")) or horizon, _time_limit(row)) for row in rows)
    grid = np.linspace(0.0, min(horizon, 1.05 * last_finish), points)
    figure, axis = pyplot.subplots(figsize=(6, 4))
    for method in methods:
        curves = []
        for row in rows:
            if str(row["method"]) != method:
                continue
            reference = references[str(row["instance"])]
            if reference.value is None:
                continue
            trace = row.get("trace") or [] if _has_solution(row) else []
            curve = gap_curve(trace, reference.value, _time_limit(row), reference.sense, _final(row))
            curves.append([gap_at(curve, time) for time in grid])
        if curves:
            axis.step(grid, 100 * np.mean(np.array(curves), axis=0), where="post", label=f"{method} (n={len(curves)})")
    axis.set_xscale("symlog", linthresh=1.0)
    axis.set_xlim(0, grid[-1])
    axis.set_xlabel("time (s, linear below 1 s, logarithmic above)")
    axis.set_ylabel("mean primal gap (%)")
    axis.set_title("Primal gap over time")
    axis.set_ylim(bottom=0)
    axis.grid(True, alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(os.fspath(path), dpi=120)
    pyplot.close(figure)


def write_report(
    table_paths: Sequence[str | os.PathLike[str]],
    output_folder: str | os.PathLike[str],
    title: str | None = None,
    shift: float = 1.0,
    plots: bool = True,
    parquet: bool = False,
) -> dict[str, str]:
    """Write ``report.md`` (+ ``performance_profile.png``, ``primal_gap.png``, optionally ``runs.parquet``); returns the paths."""
    rows = load_rows(table_paths)
    if not rows:
        raise ValueError(f"{', '.join(os.fspath(path) for path in table_paths)}: the result table has no rows yet; run `ormodel bench run` first")
    output_folder = os.fspath(output_folder)
    os.makedirs(output_folder, exist_ok=True)
    written: dict[str, str] = {}
    summaries = summarize(rows, shift)
    suites = sorted({str(row.get("suite", "")) for row in rows})
    limits = sorted({limit for limit in (_number(row.get("time_limit")) for row in rows) if limit is not None})
    hosts = sorted({str(row.get("host", "")) for row in rows})
    statuses = collections.Counter(str(row.get("status")) for row in rows)
    references = reference_values(rows)
    sources = collections.Counter(reference.source for reference in references.values())
    lines = [
        f"# {title or 'Benchmark report'}",
        "",
        (f"Suite(s): {', '.join(suites)}; {len(references)} instances, {len(rows)} runs; "
         f"time limit(s): {', '.join(f'{limit:g} s' for limit in limits) or 'none'}; hosts: {', '.join(hosts)}."),
        (f"Statuses: {', '.join(f'{status} {count}' for status, count in sorted(statuses.items()))}. "
         f"Reference values: {', '.join(f'{source} {count}' for source, count in sorted(sources.items()))}."),
        "",
        summary_markdown(summaries),
        "",
        (f"Time: shifted geometric mean (shift {shift:g} s) over all runs, runs not solved to optimality counted at the time limit. "
         "Primal gap: Berthold's γ = |v − v*| / max(|v|, |v*|) (1 without a solution) of the final objective against the reference. "
         "Primal integral: ∫₀ᵀ γ(t) dt over the time limit T from each run's incumbent trace. "
         "Nodes: mean over the instance-seed pairs every method solved."),
        "",
    ]
    if any(row.get("suite_kind") == "records" for row in rows):
        lines += ["## Accuracy (record suites)", "", accuracy_markdown(rows), "",
                  (f"A run is accurate when {ANSWER_RULE} (p: its objective, a: the answer), or, when the label says the problem "
                   "has no optimum, when the run reports it infeasible or unbounded (ormodel.answers, the rule of `ormodel bench nl`). "
                   "Execution rate: runs that did not end in error, crash, timeout or memory kill."), ""]
    lines += ["## Runs", "", instance_markdown(rows), ""]
    if plots:
        profile = os.path.join(output_folder, "performance_profile.png")
        gap = os.path.join(output_folder, "primal_gap.png")
        plot_performance_profile(rows, profile)
        plot_primal_gap(rows, gap)
        written["performance_profile"] = profile
        written["primal_gap"] = gap
        lines += ["## Plots", "", "![performance profile](performance_profile.png)", "", "![primal gap over time](primal_gap.png)", ""]
    if parquet:
        parquet_path = os.path.join(output_folder, "runs.parquet")
        merged = os.path.join(output_folder, ".merged.jsonl")
        if os.path.exists(merged):
            os.unlink(merged)
        table = ResultTable(merged)
        for row in rows:
            table.append(row)
        table.to_parquet(parquet_path)
        os.unlink(merged)
        written["parquet"] = parquet_path
    report_path = os.path.join(output_folder, "report.md")
    with open(report_path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    written["report"] = report_path
    return written


def accuracy_by_method(rows: Sequence[dict[str, Any]], tolerances: Sequence[AnswerTolerance] = ANSWER_TOLERANCES) -> dict[str, dict[str, Any]]:
    """Per method: runs, execution rate, judged runs and accuracy under each tolerance (:func:`ormodel.answers.row_verdicts`).

    For record suites (NL benchmarks), where an instance's best-known value is its answer. Runs
    without a label are left out of the accuracy (``judged`` counts the others).
    """
    summary: dict[str, dict[str, Any]] = {}
    for method in dict.fromkeys(str(row["method"]) for row in rows):
        method_rows = [row for row in rows if str(row["method"]) == method]
        verdicts = [verdict for verdict in (row_verdicts(row, tolerances) for row in method_rows) if verdict is not None]
        summary[method] = {
            "runs": len(method_rows),
            "execution_rate": execution_rate([str(row.get("status")) for row in method_rows]),
            "judged": len(verdicts),
            "accuracy": {tolerance.name: (sum(verdict[tolerance.name] for verdict in verdicts) / len(verdicts) if verdicts else math.nan)
                         for tolerance in tolerances},
        }
    return summary


def accuracy_markdown(rows: Sequence[dict[str, Any]], tolerances: Sequence[AnswerTolerance] = ANSWER_TOLERANCES) -> str:
    """Per method: execution rate and accuracy of ``objective`` against the answer under each tolerance, rule in the header."""
    header = ("| method | runs | execution rate (%) | judged | "
              + " | ".join(f"accuracy, {tolerance.table_header} (%)" for tolerance in tolerances) + " |")
    lines = [header, "|---|---:|---:|---:|" + "---:|" * len(tolerances)]
    for method, item in accuracy_by_method(rows, tolerances).items():
        cells = [_format(item["accuracy"][tolerance.name], 1, percent=True) for tolerance in tolerances]
        lines.append(f"| {method} | {item['runs']} | {_format(item['execution_rate'], 1, percent=True)} | {item['judged']} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


COMPARED_FIELDS = ("status", "objective", "nodes")


def compare_tables(first: Sequence[dict[str, Any]], second: Sequence[dict[str, Any]], fields: Sequence[str] = COMPARED_FIELDS, tolerance: float = OBJECTIVE_TOLERANCE) -> list[str]:
    """Differences between two tables in their keys and in ``fields`` (numbers within ``tolerance``, relative); empty when they agree."""
    left = {row_key(row): row for row in first}
    right = {row_key(row): row for row in second}
    differences = [f"{key}: only in the first table" for key in sorted(set(left) - set(right))]
    differences += [f"{key}: only in the second table" for key in sorted(set(right) - set(left))]
    for key in sorted(set(left) & set(right)):
        for field_name in fields:
            one, other = left[key].get(field_name), right[key].get(field_name)
            if isinstance(one, (int, float)) and isinstance(other, (int, float)):
                if abs(float(one) - float(other)) <= tolerance * max(1.0, abs(float(one))):
                    continue
            elif one == other:
                continue
            differences.append(f"{key}: {field_name} {one!r} vs {other!r}")
    return differences
