"""Matrix file formats (MPS, LP): a small protocol in the core, implemented by a backend.

A :class:`FileFormat` reads a file into a :class:`~ormodel.standard_form.StandardForm` and
writes one back. Formats are ``ormodel.file_formats`` entry points named by file extension
(``mps``, ``lp``; a trailing ``.gz``/``.bz2`` is the reader's business), so the core reads and
writes MPS/LP without knowing which backend does it (HiGHS does, see
``ormodel.solvers.highs_files``).

Example:
    >>> format_name("models/air04.mps.gz")
    'mps'
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

from ormodel.plugins import entry_point_names, load_entry_point
from ormodel.standard_form import StandardForm

__all__ = ["FILE_FORMAT_GROUP", "FileFormat", "file_format", "format_name", "read_model_file", "write_model_file"]

FILE_FORMAT_GROUP = "ormodel.file_formats"
_COMPRESSION = (".gz", ".bz2")


@runtime_checkable
class FileFormat(Protocol):
    """Reads and writes one matrix file format."""

    def read(self, path: str) -> StandardForm:
        """The model in ``path``; ``FileNotFoundError`` when it is missing, ``ValueError`` when it cannot be read."""

    def write(self, form: StandardForm, path: str) -> None:
        """Write ``form`` to ``path`` (all or nothing)."""


def format_name(path: str | os.PathLike[str]) -> str:
    """The format of a file by its extension, compression suffix ignored (``"a.mps.gz"`` → ``"mps"``)."""
    name = os.path.basename(os.fspath(path)).lower()
    for suffix in _COMPRESSION:
        name = name.removesuffix(suffix)
    return os.path.splitext(name)[1].lstrip(".")


def file_format(path: str | os.PathLike[str]) -> FileFormat:
    """The registered format that handles ``path``; a clear error when none does."""
    name = format_name(path)
    if name not in entry_point_names(FILE_FORMAT_GROUP):
        known = ", ".join("." + known_name for known_name in entry_point_names(FILE_FORMAT_GROUP)) or "none installed"
        raise ValueError(f"{os.fspath(path)}: no reader/writer for {('.' + name) if name else 'files without an extension'} "
                         f"(matrix formats: {known})")
    factory = load_entry_point(FILE_FORMAT_GROUP, name)
    handler: FileFormat = factory()
    return handler


def read_model_file(path: str | os.PathLike[str]) -> StandardForm:
    """Read an MPS/LP (or other registered) matrix file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    return file_format(path).read(path)


def write_model_file(form: StandardForm, path: str | os.PathLike[str]) -> None:
    """Write a standard form in the format its extension names."""
    path = os.fspath(path)
    file_format(path).write(form, path)
