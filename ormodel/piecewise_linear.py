"""Piecewise-linear functions ``piecewise(x, breakpoints, values)``: checks and MIP formulations.

The compiler calls :func:`piecewise_value` for every ``piecewise(...)`` node. With numbers (data,
or a point being checked) it interpolates. With variables it adds auxiliary columns and rows in
one of two formulations, chosen by the reduction chain from the backend's capabilities
(:mod:`ormodel.reductions`):

* ``"sos2"`` (backends with native SOS2 sets, e.g. SCIP): ``K + 1`` weights ``λ ≥ 0`` per row with
  ``Σ λ = 1``, ``x = Σ b_k λ_k``, ``f = Σ v_k λ_k`` and the ``λ`` of a row in one SOS2 set;
* ``"incremental"`` (every MIP backend): ``K`` fill fractions ``δ ∈ [0, 1]`` and ``K - 1``
  binaries per row, ``x = b_0 + Σ (b_k − b_{k−1}) δ_k``, ``f = v_0 + Σ (v_k − v_{k−1}) δ_k``,
  ``δ_{k+1} ≤ z_k ≤ δ_k`` (segments fill in order); its LP relaxation is the convex hull of
  the graph (locally ideal);
* ``"logarithmic"`` (every MIP backend, opt-in with ``SolveOptions(piecewise="logarithmic")``):
  the ``λ`` weights of ``"sos2"`` with ``⌈log₂ K⌉`` binaries per row instead of an SOS2 set
  (Vielma and Nemhauser's formulation): segment ``s`` gets the Gray code ``s XOR (s >> 1)``; for
  each bit ``k`` the breakpoints whose neighbouring segments all have bit ``k`` set sum to at most
  ``y_k``, those whose neighbouring segments all have it clear to at most ``1 − y_k``, so only
  the two breakpoints of one segment can carry weight. Fewer binaries than ``"incremental"``
  when a function has many segments.

Example:
    >>> check_breakpoints((0.0, 10.0, 20.0), (0.0, 50.0, 80.0))
    >>> check_breakpoints((0.0, 10.0, 5.0), (0.0, 1.0, 2.0))
    Traceback (most recent call last):
    ...
    ValueError: piecewise() breakpoints must increase: breakpoint 3 (5) is not above breakpoint 2 (10)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from ormodel.compiler import Affine, Compiler, Frame, Value
    from ormodel.expressions import Piecewise

__all__ = ["FORMULATIONS", "check_breakpoints", "piecewise_value"]

FORMULATIONS = ("incremental", "sos2", "logarithmic")
_DOMAIN_TOLERANCE = 1e-6


def _shown(value: float) -> str:
    return f"{value:g}"


def check_breakpoints(breakpoints: Sequence[float] | str, values: Sequence[float] | str) -> None:
    """Raise ``ValueError`` naming the element when breakpoints and values do not define a function.

    Names (parameters) are checked when they are resolved at compile time.
    """
    if not isinstance(breakpoints, str):
        if len(breakpoints) < 2:
            raise ValueError(f"piecewise() needs at least 2 breakpoints, got {len(breakpoints)}")
        for position, point in enumerate(breakpoints):
            if not math.isfinite(point):
                raise ValueError(f"piecewise() breakpoint {position + 1} is {point}, not a finite number")
        for position in range(1, len(breakpoints)):
            if not breakpoints[position] > breakpoints[position - 1]:
                raise ValueError(f"piecewise() breakpoints must increase: breakpoint {position + 1} ({_shown(breakpoints[position])}) "
                                 f"is not above breakpoint {position} ({_shown(breakpoints[position - 1])})")
    if not isinstance(values, str):
        for position, value in enumerate(values):
            if not math.isfinite(value):
                raise ValueError(f"piecewise() value {position + 1} is {value}, not a finite number")
    if not isinstance(breakpoints, str) and not isinstance(values, str) and len(breakpoints) != len(values):
        raise ValueError(f"piecewise() has {len(breakpoints)} breakpoints but {len(values)} values; give one value per breakpoint")


def _points(compiler: "Compiler", node: "Piecewise") -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints and values as arrays (parameters resolved), checked."""
    arrays = []
    for what, points in (("breakpoints", node.breakpoints), ("values", node.values)):
        if isinstance(points, str):
            parameter = compiler.problem.parameters.get(points)
            if parameter is None:
                raise compiler.error(f"the {what} of piecewise() name {points!r}, which is not a parameter", node, compiler.problem.suggest(points))
            if len(parameter.index) > 1:
                raise compiler.error(f"the {what} of piecewise() must be a list or a parameter over one set; {points!r} is indexed by "
                                     f"{', '.join(parameter.index)}", node)
            array = np.atleast_1d(np.asarray(parameter.values, dtype=np.float64))
            if np.isnan(array).any():
                raise compiler.error(f"parameter {points!r} used as piecewise() {what} has missing entries", node)
            arrays.append(tuple(array.tolist()))
        else:
            arrays.append(tuple(points))
    try:
        check_breakpoints(arrays[0], arrays[1])
    except ValueError as error:
        raise compiler.error(str(error), node, "breakpoints are finite numbers in increasing order, one value per breakpoint") from None
    return np.asarray(arrays[0], dtype=np.float64), np.asarray(arrays[1], dtype=np.float64)


def piecewise_value(compiler: "Compiler", node: "Piecewise", frame: "Frame") -> "Value":
    """The value of ``piecewise(...)`` per row: interpolated numbers, or the linear expression of a formulation."""
    from ormodel.compiler import Affine, Numeric

    breakpoints, values = _points(compiler, node)
    argument = compiler.evaluate(node.argument, frame, 0)
    if not isinstance(argument, Affine):
        numbers = compiler.numbers(argument, node.argument)
        scale = _DOMAIN_TOLERANCE * max(1.0, float(np.abs(breakpoints).max()))
        outside = (numbers < breakpoints[0] - scale) | (numbers > breakpoints[-1] + scale)
        if outside.any():
            row = int(np.flatnonzero(outside)[0])
            raise compiler.error(f"piecewise() is defined on [{_shown(breakpoints[0])}, {_shown(breakpoints[-1])}]; its argument is "
                                 f"{_shown(float(numbers[row]))} here", node, index=compiler._row_key(frame, row))
        return Numeric(np.interp(numbers, breakpoints, values))
    if not argument.is_linear:
        raise compiler.error("piecewise() of a quadratic expression is not supported", node, "apply it to a linear expression")
    if compiler.piecewise_formulation == "sos2":
        return _sos2(compiler, argument, breakpoints, values, frame)
    if compiler.piecewise_formulation == "logarithmic":
        return _logarithmic(compiler, argument, breakpoints, values)
    return _incremental(compiler, argument, breakpoints, values, frame)


def _convex_weights(compiler: Compiler, argument: Affine, breakpoints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``λ ≥ 0`` per row and breakpoint with ``Σ λ = 1`` and ``x = Σ b_k λ_k``; returns the columns and their rows."""
    from ormodel.compiler import Affine, Part

    rows, points = argument.size, len(breakpoints)
    weights = compiler.add_auxiliary("pw_lambda", rows * points, 0.0, 1.0, integer=False)
    row_of = np.repeat(np.arange(rows, dtype=np.int64), points)
    compiler.add_auxiliary_rows("pw_convex", Affine(rows, [Part(row_of, weights, np.ones(rows * points))], np.zeros(rows)),
                                np.ones(rows), np.ones(rows))
    link = Part(row_of, weights, np.tile(-breakpoints, rows))
    compiler.add_auxiliary_rows("pw_argument", Affine(rows, [*argument.parts, link], argument.const, unique=argument.unique),
                                np.zeros(rows), np.zeros(rows))
    return weights, row_of


def _sos2(compiler: "Compiler", argument: "Affine", breakpoints: np.ndarray, values: np.ndarray, frame: "Frame") -> "Affine":
    from ormodel.compiler import Affine, Part
    from ormodel.standard_form import SpecialOrderedSets

    rows, points = argument.size, len(breakpoints)
    weights, row_of = _convex_weights(compiler, argument, breakpoints)
    labels = [f"_pw{compiler.auxiliary_count}[{row}]" for row in range(rows)]
    compiler.special_sets.append(SpecialOrderedSets(np.full(rows, 2, dtype=np.int8), np.arange(rows + 1, dtype=np.int64) * points,
                                                    weights, np.tile(np.arange(1.0, points + 1.0), rows), labels))
    return Affine(rows, [Part(row_of, weights, np.tile(values, rows))], np.zeros(rows), unique=True)


def gray_code_sides(segments: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per bit of the segments' Gray codes: the breakpoints whose neighbouring segments all have the bit set,
    and those whose neighbouring segments all have it clear.

    Example:
        >>> [(ones.tolist(), zeros.tolist()) for ones, zeros in gray_code_sides(4)]
        [([2], [0, 4]), ([3, 4], [0, 1])]
    """
    codes = [segment ^ (segment >> 1) for segment in range(segments)]
    neighbours = [[segment for segment in (point - 1, point) if 0 <= segment < segments] for point in range(segments + 1)]
    sides = []
    for bit in range(max(segments - 1, 0).bit_length()):
        ones = [point for point, around in enumerate(neighbours) if all(codes[segment] >> bit & 1 for segment in around)]
        zeros = [point for point, around in enumerate(neighbours) if not any(codes[segment] >> bit & 1 for segment in around)]
        sides.append((np.asarray(ones, dtype=np.int64), np.asarray(zeros, dtype=np.int64)))
    return sides


def _logarithmic(compiler: Compiler, argument: Affine, breakpoints: np.ndarray, values: np.ndarray) -> Affine:
    from ormodel.compiler import Affine, Part

    rows, points = argument.size, len(breakpoints)
    weights, row_of = _convex_weights(compiler, argument, breakpoints)
    grid = weights.reshape(rows, points)
    sides = gray_code_sides(points - 1)
    if sides:
        bits = compiler.add_auxiliary("pw_bit", rows * len(sides), 0.0, 1.0, integer=True).reshape(rows, len(sides))
        own = np.arange(rows, dtype=np.int64)
        for bit, (ones, zeros) in enumerate(sides):
            for chosen, sign, upper in ((ones, -1.0, 0.0), (zeros, 1.0, 1.0)):
                # Σ_{ones} λ − y_k ≤ 0 and Σ_{zeros} λ + y_k ≤ 1
                members = Part(np.repeat(own, len(chosen)), grid[:, chosen].ravel(), np.ones(rows * len(chosen)))
                compiler.add_auxiliary_rows("pw_branch", Affine(rows, [members, Part(own, bits[:, bit], np.full(rows, sign))], np.zeros(rows)),
                                            np.full(rows, -np.inf), np.full(rows, upper))
    return Affine(rows, [Part(row_of, weights, np.tile(values, rows))], np.zeros(rows), unique=True)


def _incremental(compiler: "Compiler", argument: "Affine", breakpoints: np.ndarray, values: np.ndarray, frame: "Frame") -> "Affine":
    from ormodel.compiler import Affine, Part

    rows, segments = argument.size, len(breakpoints) - 1
    fill = compiler.add_auxiliary("pw_fill", rows * segments, 0.0, 1.0, integer=False)
    row_of = np.repeat(np.arange(rows, dtype=np.int64), segments)
    link = Part(row_of, fill, np.tile(-np.diff(breakpoints), rows))
    compiler.add_auxiliary_rows("pw_argument", Affine(rows, [*argument.parts, link], argument.const, unique=argument.unique),
                                np.full(rows, breakpoints[0]), np.full(rows, breakpoints[0]))
    if segments > 1:
        order = compiler.add_auxiliary("pw_order", rows * (segments - 1), 0.0, 1.0, integer=True)
        grid = fill.reshape(rows, segments)
        count = rows * (segments - 1)
        own = np.arange(count, dtype=np.int64)
        # z_k <= δ_k and δ_{k+1} <= z_k (a segment is used only after the one before it is full)
        below = Affine(count, [Part(own, order, np.ones(count)), Part(own, grid[:, :-1].ravel(), -np.ones(count))], np.zeros(count))
        above = Affine(count, [Part(own, grid[:, 1:].ravel(), np.ones(count)), Part(own, order, -np.ones(count))], np.zeros(count))
        compiler.add_auxiliary_rows("pw_fill_before", below, np.full(count, -np.inf), np.zeros(count))
        compiler.add_auxiliary_rows("pw_fill_after", above, np.full(count, -np.inf), np.zeros(count))
    return Affine(rows, [Part(row_of, fill, np.tile(np.diff(values), rows))], np.full(rows, values[0]), unique=True)
