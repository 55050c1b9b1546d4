"""The tidy result table: one JSON line per run, appended as runs finish.

Each line is flushed and fsynced when written, so a benchmark killed at any moment leaves every
finished run on disk; a line cut off by the kill is ignored (with a warning) on reading, and the
next append starts on a fresh line. A run is identified by its key (instance, method label, seed);
resuming skips keys already present.

Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> table = ResultTable(path)
    >>> table.append({"instance": "a", "method": "highs", "seed": 0, "status": "optimal"})
    >>> sorted(table.keys())
    [('a', 'highs', 0)]
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Iterable
from typing import Any

__all__ = ["KEY_FIELDS", "ResultTable", "row_key", "sorted_rows"]

KEY_FIELDS = ("instance", "method", "seed")


def row_key(row: dict[str, Any]) -> tuple[str, str, int]:
    """(instance, method, seed) of a row."""
    return str(row["instance"]), str(row["method"]), int(row["seed"])


def sorted_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in key order (the order of a table does not depend on which run finished first)."""
    return sorted(rows, key=row_key)


class ResultTable:
    """A JSONL file of result rows."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def exists(self) -> bool:
        """True when the file is there."""
        return os.path.exists(self.path)

    def rows(self) -> list[dict[str, Any]]:
        """All complete rows; a damaged line (a run killed while writing) is skipped with a warning."""
        if not self.exists():
            return []
        rows: list[dict[str, Any]] = []
        with open(self.path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    row_key(row)
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    warnings.warn(f"{self.path}:{number}: skipping a damaged result line (interrupted write?)", stacklevel=2)
                    continue
                rows.append(row)
        return rows

    def keys(self) -> set[tuple[str, str, int]]:
        """Keys of the runs already recorded."""
        return {row_key(row) for row in self.rows()}

    def append(self, row: dict[str, Any]) -> None:
        """Append one row durably (flush + fsync)."""
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        line = json.dumps(_clean(row), sort_keys=True, allow_nan=False, default=_fallback) + "\n"
        with open(self.path, "a+b") as handle:
            _lock(handle)
            handle.seek(0, os.SEEK_END)
            if handle.tell() > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    handle.write(b"\n")
            handle.write(line.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())

    def to_frame(self) -> Any:
        """The rows as a pandas DataFrame (traces and versions stay as Python objects)."""
        import pandas as pd

        return pd.DataFrame(sorted_rows(self.rows()))

    def to_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write the table as Parquet (nested fields are stored as JSON text)."""
        frame = self.to_frame()
        for column in frame.columns:
            if frame[column].map(lambda value: isinstance(value, (dict, list))).any():
                frame[column] = frame[column].map(lambda value: json.dumps(value) if isinstance(value, (dict, list)) else value)
        frame.to_parquet(os.fspath(path), index=False)


def _lock(handle: Any) -> None:
    """Exclusive lock until the file is closed, so two runners appending to one table never interleave lines (POSIX)."""
    try:
        import fcntl
    except ImportError:
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _clean(value: Any) -> Any:
    """Non-finite floats become ``None`` (JSON has no NaN/inf)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    return value


def _fallback(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
