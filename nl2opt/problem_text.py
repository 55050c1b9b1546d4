"""What a problem's own text says about the shape of its data, read before any answer.

Used to ask the first answer for its sets and parameters before its variables (``declare_first`` of
:func:`ormodel.nl2opt.client.generation_schema`) when the text states data over named items. Reads only the
problem text: never a label, an answer or the suite it came from.
"""

from __future__ import annotations

import re

__all__ = ["TABLE_LINES", "TABLE_NUMBERS", "states_tables"]

TABLE_NUMBERS = 16
"""A text with at least this many numbers of its own states data over items (a 4×4 table is 16)."""

TABLE_LINES = 3
"""A text with at least this many lines that each hold two or more numbers, or that are rows of a
markdown table, lists data item by item."""

# a number standing alone: not the digit of a name such as X1 or x_2, nor part of a longer number
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?!\w)")


def _numbers(line: str) -> int:
    return len(_NUMBER.findall(line))


def _table_row(line: str) -> bool:
    return line.count("|") >= 2


def states_tables(question: str) -> bool:
    """Whether the problem text lists its data over named items: a markdown table, several lines of numbers,
    or more numbers than a few scalar parameters give.

    Short texts of a few scalars ("each chair takes 2 hours … at most 40 hours") are not; the indexed
    formulations of the other texts need their sets and tables declared before the variables that use them.
    """
    lines = [line for line in question.splitlines() if line.strip()]
    if sum(1 for line in lines if _table_row(line)) >= TABLE_LINES:
        return True
    if sum(1 for line in lines if _numbers(line) >= 2) >= TABLE_LINES:
        return True
    return _numbers(question) >= TABLE_NUMBERS
