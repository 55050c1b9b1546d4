"""MPS and LP files through HiGHS: the :class:`~ormodel.formats.FileFormat` the core reads and writes with.

Declared as the ``mps`` and ``lp`` entry points of ``ormodel.file_formats``.

Example:
    >>> from ormodel.formats import FileFormat
    >>> isinstance(HighsFileFormat(), FileFormat)
    True
"""

from __future__ import annotations

from ormodel.solvers.highs import read_model_file, write_model_file

from ormodel.standard_form import StandardForm

__all__ = ["HighsFileFormat"]


class HighsFileFormat:
    """Free or fixed MPS (optionally ``.gz``) and CPLEX LP, read and written by HiGHS."""

    def read(self, path: str) -> StandardForm:
        """The model in ``path``."""
        return read_model_file(path)

    def write(self, form: StandardForm, path: str) -> None:
        """Write ``form`` to ``path``, with indexed names kept; nothing is left half-written."""
        write_model_file(form, path)
