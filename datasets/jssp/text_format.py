"""Reader and writer of the standard job-shop text format.

The format: a first line ``jobs machines``; then one line per job with ``machine duration`` pairs in
route order; machines are 0-based. Lines starting with ``#`` are comments (JSPLIB files have a
header comment).

Example:
    >>> instance = parse_jobshop_text("2 2\\n0 3 1 2\\n1 4 0 1\\n", name="tiny")
    >>> instance.durations.tolist()
    [[3, 2], [4, 1]]
    >>> format_jobshop_text(instance).splitlines()[0]
    '2 2'
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance

__all__ = ["format_jobshop_text", "parse_jobshop_text", "read_jobshop", "write_jobshop"]


def _integers(text: str, source: str, line_number: int) -> list[int]:
    values = []
    for token in text.split():
        try:
            values.append(int(token))
        except ValueError:
            raise JobShopError(f"{source}, line {line_number}: {token!r} is not an integer") from None
    return values


def parse_jobshop_text(text: str, name: str = "jobshop", source: str = "<text>") -> JobShopInstance:
    """Parse the standard format from a string; errors name ``source`` and the line."""
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        raise JobShopError(f"{source}: empty file; expected a first line 'jobs machines'")
    header_line, header = lines[0]
    sizes = _integers(header, source, header_line)
    if len(sizes) != 2 or min(sizes) <= 0:
        raise JobShopError(
            f"{source}, line {header_line}: expected 'jobs machines' (two positive integers), got {header!r}"
        )
    num_jobs, num_machines = sizes
    if len(lines) - 1 < num_jobs:
        raise JobShopError(f"{source}: header declares {num_jobs} jobs but only {len(lines) - 1} job lines follow")
    machines = np.zeros((num_jobs, num_machines), dtype=np.int64)
    durations = np.zeros((num_jobs, num_machines), dtype=np.int64)
    for job, (line_number, line) in enumerate(lines[1 : num_jobs + 1]):
        values = _integers(line, source, line_number)
        if len(values) != 2 * num_machines:
            raise JobShopError(
                f"{source}, line {line_number} (job {job}): expected {num_machines} 'machine duration' pairs "
                f"({2 * num_machines} numbers), got {len(values)} numbers"
            )
        route = values[0::2]
        if sorted(route) != list(range(num_machines)):
            raise JobShopError(
                f"{source}, line {line_number} (job {job}): the route must visit each machine 0..{num_machines - 1} "
                f"exactly once, got {route}"
            )
        times = values[1::2]
        if min(times) <= 0:
            raise JobShopError(f"{source}, line {line_number} (job {job}): durations must be positive, got {times}")
        machines[job] = route
        durations[job] = times
    return JobShopInstance(machines=machines, durations=durations, name=name, num_machines_declared=num_machines)


def read_jobshop(path: str | os.PathLike[str]) -> JobShopInstance:
    """Read a job-shop file in the standard format; the instance is named after the file stem."""
    file_path = Path(path)
    if not file_path.is_file():
        raise JobShopError(f"job-shop file {str(file_path)!r} does not exist")
    return parse_jobshop_text(file_path.read_text(), name=file_path.stem, source=str(file_path))


def format_jobshop_text(instance: JobShopInstance) -> str:
    """The instance in the standard format (aligned columns, trailing newline)."""
    width = len(str(int(instance.durations.max())))
    machine_width = len(str(instance.num_machines - 1))
    lines = [f"{instance.num_jobs} {instance.num_machines}"]
    for route, times in zip(instance.machines, instance.durations):
        lines.append(" ".join(f"{machine:>{machine_width}d} {time:>{width}d}" for machine, time in zip(route, times)))
    return "\n".join(lines) + "\n"


def write_jobshop(instance: JobShopInstance, path: str | os.PathLike[str]) -> None:
    """Write the instance to ``path`` in the standard format."""
    Path(path).write_text(format_jobshop_text(instance))
