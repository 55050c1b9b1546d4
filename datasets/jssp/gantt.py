"""Gantt charts of job-shop schedules: PNG/PDF through matplotlib, or a standalone SVG/HTML file.

One row per machine, one bar per operation, coloured by job (hues spread by the golden angle so
neighbouring jobs differ). The SVG/HTML variant is written directly: every bar has a tooltip
(job, operation, start, end), bars wide enough carry their job number, and the canvas grows with
the number of machines, so 100 jobs stay readable; the HTML page highlights a job on hover.

Example:
    >>> import numpy as np
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> instance = random_jobshop(2, 2, seed=0)
    >>> svg = gantt_svg(instance, np.array([[0, 100], [100, 200]]))
    >>> svg.startswith("<svg") and "job 1" in svg
    True
"""

from __future__ import annotations

import colorsys
import html
import os
from pathlib import Path

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance

__all__ = ["gantt_svg", "job_color", "write_gantt"]

_GOLDEN = 0.618033988749895


def job_color(job: int) -> str:
    """A ``#rrggbb`` colour for ``job``."""
    hue = (job * _GOLDEN) % 1.0
    lightness = (0.45, 0.6, 0.7)[job % 3]
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, 0.65)
    return f"#{int(red * 255):02x}{int(green * 255):02x}{int(blue * 255):02x}"


def _operations(instance: JobShopInstance, starts: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """``(machine, start, end, job, operation)`` of every operation that takes time."""
    instance.check_schedule(starts)
    rows = []
    for job, route in enumerate(instance.routes()):
        for operation, (machine, duration) in enumerate(route):
            if duration > 0:
                start = int(starts[job, operation])
                rows.append((machine, start, start + duration, job, operation))
    return rows


def gantt_svg(instance: JobShopInstance, starts: np.ndarray, title: str | None = None, width: int = 1600) -> str:
    """The schedule as an SVG document (machines as rows, tooltips on every bar)."""
    operations = _operations(instance, starts)
    makespan = max(instance.makespan(starts), 1)
    row_height, left, top = 18, 48, 34
    height = top + row_height * instance.num_machines + 30
    scale = (width - left - 10) / makespan
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="10">',
        f'<text x="{left}" y="16" font-size="13">{html.escape(title or instance.name)}: makespan {makespan}, '
        f"{instance.num_jobs} jobs, {instance.num_machines} machines</text>",
    ]
    for machine in range(instance.num_machines):
        y = top + machine * row_height
        parts.append(f'<text x="4" y="{y + 13}">M{machine}</text>')
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y + row_height}" y2="{y + row_height}" stroke="#ddd"/>')
    for machine, start, end, job, operation in operations:
        x, y, bar = left + start * scale, top + machine * row_height + 1, max((end - start) * scale, 0.5)
        tip = f"job {job}, operation {operation}, machine {machine}: {start}–{end}"
        parts.append(
            f'<g class="j{job}"><rect x="{x:.2f}" y="{y}" width="{bar:.2f}" height="{row_height - 2}" '
            f'fill="{job_color(job)}" stroke="#333" stroke-width="0.3"><title>{tip}</title></rect>'
        )
        if bar >= 7 * len(str(job)):
            parts.append(f'<text x="{x + bar / 2:.2f}" y="{y + 12}" text-anchor="middle" pointer-events="none">{job}</text>')
        parts.append("</g>")
    axis_y = top + instance.num_machines * row_height + 14
    step = 10 ** max(int(np.log10(makespan)) - 1, 0)
    while makespan / step > 20:
        step *= 2
    for tick in range(0, makespan + 1, step):
        parts.append(f'<text x="{left + tick * scale:.1f}" y="{axis_y}" text-anchor="middle">{tick}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{margin:8px;font-family:sans-serif}} g:hover rect{{stroke:#000;stroke-width:1.5}}
#chart{{overflow-x:auto}}</style></head>
<body><div id="chart">{svg}</div>
<script>
for (const group of document.querySelectorAll("g[class^=j]")) {{
  group.addEventListener("mouseenter", () => document.querySelectorAll("g." + group.className.baseVal)
    .forEach(other => other.querySelector("rect").setAttribute("opacity", "1")));
  group.addEventListener("mouseenter", () => document.querySelectorAll("g[class^=j]:not(." + group.className.baseVal + ") rect")
    .forEach(rect => rect.setAttribute("opacity", "0.25")));
  group.addEventListener("mouseleave", () => document.querySelectorAll("g rect").forEach(rect => rect.setAttribute("opacity", "1")));
}}
</script></body></html>
"""


def write_gantt(instance: JobShopInstance, starts: np.ndarray, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Write a Gantt chart; the suffix picks the format (``.svg``, ``.html``, or a matplotlib one such as ``.png``)."""
    target = Path(path)
    suffix = target.suffix.lower()
    starts = np.asarray(starts)
    if suffix == ".svg":
        target.write_text(gantt_svg(instance, starts, title))
        return target
    if suffix in (".html", ".htm"):
        wide = max(1600, 12 * instance.num_jobs * instance.num_operations // max(instance.num_machines, 1))
        target.write_text(_PAGE.format(title=html.escape(title or instance.name), svg=gantt_svg(instance, starts, title, width=min(wide, 12000))))
        return target
    if suffix not in (".png", ".pdf", ".jpg", ".jpeg"):
        raise JobShopError(f"Gantt chart {str(target)!r}: write .png, .pdf, .jpg, .svg or .html")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    operations = _operations(instance, starts)
    figure, axes = plt.subplots(figsize=(min(40, 10 + instance.num_jobs / 10), 1.5 + 0.3 * instance.num_machines))
    for machine, start, end, job, _ in operations:
        axes.broken_barh([(start, end - start)], (machine - 0.4, 0.8), facecolors=job_color(job), edgecolor="#333", linewidth=0.2)
        if instance.num_jobs <= 30 and end - start > instance.makespan(starts) / 60:
            axes.text((start + end) / 2, machine, str(job), ha="center", va="center", fontsize=6)
    axes.set_yticks(range(instance.num_machines), [f"M{machine}" for machine in range(instance.num_machines)])
    axes.invert_yaxis()
    axes.set_xlabel("time")
    axes.set_title(f"{title or instance.name}: makespan {instance.makespan(starts)}")
    figure.tight_layout()
    figure.savefig(target, dpi=120)
    plt.close(figure)
    return target
