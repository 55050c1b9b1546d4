"""Reader and writer of job-shop text files, in the standard and the Taillard layouts.

**Standard layout** (OR-Library, JSPLIB, SLIM): a first line ``jobs machines`` (further numbers on
it are ignored); then one line per job with ``machine duration`` pairs in route order. A job line
may instead start with its number of operations (``3  0 5 2 7 1 4``). Jobs may have any number
of operations, revisit machines or skip them; durations may be zero. Machines are 0-based, or
1-based when no job uses machine 0 and some job uses machine ``machines``. Lines after the job
lines (an upper bound, a solution) are ignored.

**Taillard layout**: a line ``jobs machines [seeds bounds]`` (optionally under a text title), a line
``Times`` followed by one line of durations per job, then a line ``Machines`` followed by one line
of 1-based machines per job.

Lines starting with ``#`` are comments. Errors name the file and the line.

Example:
    >>> instance = parse_jobshop_text("2 2\\n0 3 1 2\\n1 4 0 1\\n", name="tiny")
    >>> instance.durations.tolist()
    [[3, 2], [4, 1]]
    >>> format_jobshop_text(instance).splitlines()[0]
    '2 2'
    >>> parse_jobshop_text("2 2\\nTimes\\n3 2\\n4 1\\nMachines\\n1 2\\n2 1\\n").machines.tolist()
    [[0, 1], [1, 0]]
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance

__all__ = ["format_jobshop_text", "parse_jobshop_text", "read_jobshop", "write_jobshop"]

Line = tuple[int, str]


def _integers(text: str, source: str, line_number: int) -> list[int]:
    values = []
    for token in text.replace(",", " ").split():
        try:
            values.append(int(token))
        except ValueError:
            raise JobShopError(f"{source}, line {line_number}: {token!r} is not an integer") from None
    return values


def _is_numeric(text: str) -> bool:
    return all(token.lstrip("+-").isdigit() for token in text.replace(",", " ").split())


def _header(lines: list[Line], source: str) -> tuple[int, int, int]:
    """``(jobs, machines, index of the header line)``; a text title may precede it in the Taillard layout."""
    titled = any(_is_section(text, "times") for _, text in lines)
    for index, (line_number, line) in enumerate(lines):
        if _is_numeric(line):
            sizes = _integers(line, source, line_number)
            if len(sizes) >= 2 and min(sizes[:2]) > 0:
                return sizes[0], sizes[1], index
        if not titled or _is_numeric(line):
            break
    line_number, line = lines[0]
    raise JobShopError(f"{source}, line {line_number}: expected 'jobs machines' (two positive integers), got {line!r}")


def _is_section(text: str, word: str) -> bool:
    return text.strip().lower().rstrip(":") == word


def _machine_offset(routes: list[list[tuple[int, int]]], num_machines: int, one_based_default: bool) -> int:
    used = {machine for route in routes for machine, _ in route}
    if 0 in used:
        return 0
    return 1 if one_based_default or num_machines in used else 0


def _check_routes(
    routes: list[list[tuple[int, int]]], line_numbers: list[int], num_machines: int, source: str, offset: int
) -> None:
    for job, (route, line_number) in enumerate(zip(routes, line_numbers)):
        for machine, duration in route:
            if not 0 <= machine - offset < num_machines:
                base = "1-based" if offset else "0-based"
                raise JobShopError(
                    f"{source}, line {line_number} (job {job}): machine {machine} is outside the {num_machines} "
                    f"machines of the header ({base} numbering)"
                )
            if duration < 0:
                raise JobShopError(
                    f"{source}, line {line_number} (job {job}): duration {duration} is negative; durations must be >= 0"
                )


def _standard_job(values: list[int], source: str, line_number: int, job: int) -> list[tuple[int, int]]:
    if len(values) % 2 == 1 and values[0] == (len(values) - 1) // 2:
        values = values[1:]  # count-prefixed job line
    if not values or len(values) % 2:
        raise JobShopError(
            f"{source}, line {line_number} (job {job}): expected 'machine duration' pairs (an even count of numbers, "
            f"or the number of operations followed by the pairs), got {len(values)} numbers"
        )
    return list(zip(values[0::2], values[1::2]))


def _parse_standard(lines: list[Line], jobs: int, machines: int, source: str) -> tuple[list, list[int]]:
    body = lines
    if len(body) < jobs:
        raise JobShopError(f"{source}: header declares {jobs} jobs but only {len(body)} job lines follow")
    routes, numbers = [], []
    for job, (line_number, line) in enumerate(body[:jobs]):
        routes.append(_standard_job(_integers(line, source, line_number), source, line_number, job))
        numbers.append(line_number)
    return routes, numbers


def _matrix(lines: list[Line], jobs: int, source: str, what: str) -> tuple[list[list[int]], list[int]]:
    if len(lines) < jobs:
        raise JobShopError(f"{source}: the {what} section needs {jobs} lines (one per job), found {len(lines)}")
    rows = [_integers(line, source, number) for number, line in lines[:jobs]]
    for (number, _), row in zip(lines, rows):
        if not row:
            raise JobShopError(f"{source}, line {number}: empty {what} line")
    return rows, [number for number, _ in lines[:jobs]]


def _parse_taillard(lines: list[Line], jobs: int, source: str) -> tuple[list, list[int], bool]:
    times_at = next(index for index, (_, text) in enumerate(lines) if _is_section(text, "times"))
    machines_at = next((index for index, (_, text) in enumerate(lines) if _is_section(text, "machines")), None)
    if machines_at is None or machines_at < times_at:
        raise JobShopError(f"{source}, line {lines[times_at][0]}: a 'Times' section needs a 'Machines' section after it")
    times, _ = _matrix(lines[times_at + 1 : machines_at], jobs, source, "Times")
    machines, numbers = _matrix(lines[machines_at + 1 :], jobs, source, "Machines")
    routes = []
    for job, (row_times, row_machines, number) in enumerate(zip(times, machines, numbers)):
        if len(row_times) != len(row_machines):
            raise JobShopError(
                f"{source}, line {number} (job {job}): {len(row_machines)} machines but {len(row_times)} durations "
                "in the Times section"
            )
        routes.append(list(zip(row_machines, row_times)))
    return routes, numbers, True


def parse_jobshop_text(text: str, name: str = "jobshop", source: str = "<text>") -> JobShopInstance:
    """Parse a job-shop instance (either layout) from a string; errors name ``source`` and the line."""
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        raise JobShopError(f"{source}: empty file; expected a first line 'jobs machines'")
    num_jobs, num_machines, header_index = _header(lines, source)
    rest = lines[header_index + 1 :]
    if any(_is_section(line, "times") for _, line in rest):
        routes, numbers, one_based = _parse_taillard(rest, num_jobs, source)
    else:
        routes, numbers = _parse_standard(rest, num_jobs, num_machines, source)
        one_based = False
    offset = _machine_offset(routes, num_machines, one_based)
    _check_routes(routes, numbers, num_machines, source, offset)
    shifted = [[(machine - offset, duration) for machine, duration in route] for route in routes]
    return JobShopInstance.from_routes(shifted, name=name, num_machines=num_machines)


def read_jobshop(path: str | os.PathLike[str]) -> JobShopInstance:
    """Read a job-shop file (standard or Taillard layout); the instance is named after the file stem."""
    file_path = Path(path)
    if not file_path.is_file():
        raise JobShopError(f"job-shop file {str(file_path)!r} does not exist")
    try:
        text = file_path.read_text()
    except UnicodeDecodeError:
        raise JobShopError(f"job-shop file {str(file_path)!r} is not a text file") from None
    return parse_jobshop_text(text, name=file_path.stem, source=str(file_path))


def format_jobshop_text(instance: JobShopInstance) -> str:
    """The instance in the standard layout (aligned columns, trailing newline; ragged jobs keep their length)."""
    width = len(str(int(instance.durations.max())))
    machine_width = len(str(instance.num_machines - 1))
    lines = [f"{instance.num_jobs} {instance.num_machines}"]
    for route in instance.routes():
        lines.append(" ".join(f"{machine:>{machine_width}d} {time:>{width}d}" for machine, time in route))
    return "\n".join(lines) + "\n"


def write_jobshop(instance: JobShopInstance, path: str | os.PathLike[str]) -> None:
    """Write the instance to ``path`` in the standard layout."""
    Path(path).write_text(format_jobshop_text(instance))
