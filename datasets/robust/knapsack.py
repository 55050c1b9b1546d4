"""Two-stage robust knapsack with repair (Arslan & Detienne 2022), the Neur2RO knapsack benchmark.

First stage: choose items ``x``. After the profit degradations ``xi`` are revealed, decide
which chosen items to keep (``y <= x``) and which kept items to repair (``r <= y``)::

    min_x (f - p_bar)'x + max_{xi in Xi} min_{y, r} sum_i (p_hat_i xi_i - f_i) y_i - p_hat_i xi_i r_i
    s.t.  sum_i c_i y_i + t_i r_i <= C,   Xi = {xi in [0, 1]^n : sum xi <= Gamma}

so a kept, unrepaired item earns ``p_bar - p_hat xi``, a repaired one ``p_bar``, and a selected
but dropped one pays ``f - p_bar``. Parameters (Arslan & Detienne, used by Neur2RO's
``sample_new_inst``; ``R = 1000``, ``H = 100``):

* weights ``c ~ U(1, R)``, capacity ``C = h / (H + 1) * sum c``, ``h in {40, 80}``;
* nominal profits ``p_bar``: UN ``U(1, R)``, WC ``U(c +- R/20)``, ASC ``U(c + R/10 +- R/1000)``, SC ``c + R/10``
  (as in Neur2RO, WC profits are not clipped, so items lighter than ``R/20`` can get profits below 1);
* degradations ``p_hat = p_bar * U((1 - delta)/2, (1 + delta)/2)``, ``delta in {0.1, 0.5, 1.0}``;
* rejection penalties ``f = p_bar * U(1.1, 1.5)``;
* repair weights ``t``: UN ``U(1, c)``, WC ``U(p_hat/2 +- R/40)``, ASC ``U(p_hat/2 + c/10 +- R/1000)``, SC ``p_hat/2 + c/10``;
* uncertainty budget ``Gamma = budget_factor * n``, ``budget_factor in {0.1, 0.15, 0.2}``.

The published test set has 504 instances (n in 20..80 step 10 x 4 correlations x 2 h x 3 delta
x 3 budget factors); :func:`read_knapsack_instance` reads those files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "BUDGET_FACTORS",
    "CORRELATIONS",
    "DELTAS",
    "H_VALUES",
    "ITEM_COUNTS",
    "RobustKnapsackInstance",
    "generate_knapsack",
    "read_knapsack_instance",
]

CORRELATIONS = ("UN", "WC", "ASC", "SC")
DELTAS = (0.1, 0.5, 1.0)
H_VALUES = (40, 80)
BUDGET_FACTORS = (0.1, 0.15, 0.2)
ITEM_COUNTS = (20, 30, 40, 50, 60, 70, 80)


@dataclass
class RobustKnapsackInstance:
    """Data of one two-stage robust knapsack instance (paper symbols in brackets).

    Attributes:
        n_items: number of items (n).
        seed: the generator seed (``None`` for instances read from a file).
        correlation: profit/weight correlation class, one of ``UN``, ``WC``, ``ASC``, ``SC``.
        delta: degradation spread (delta).
        h: capacity tightness (h); capacity = h / (H + 1) * total weight.
        budget_factor: uncertainty budget per item; ``uncertainty_budget = budget_factor * n``.
        weights: item weights (c).
        capacity: knapsack capacity (C).
        profits: nominal profits (p_bar).
        degradations: maximal profit loss of a kept, unrepaired item (p_hat).
        penalties: cost of selecting an item and then dropping it (f).
        repair_weights: extra capacity used by repairing an item (t).
        R, H: range constants of the generator (1000 and 100 in the paper).
    """

    n_items: int
    seed: int | None
    correlation: str
    delta: float
    h: float
    budget_factor: float
    weights: np.ndarray
    capacity: float
    profits: np.ndarray
    degradations: np.ndarray
    penalties: np.ndarray
    repair_weights: np.ndarray
    R: float = 1000.0
    H: float = 100.0

    @property
    def uncertainty_budget(self) -> float:
        """Gamma: the largest total degradation ``sum xi`` the adversary may choose."""
        return self.budget_factor * self.n_items

    @property
    def name(self) -> str:
        """The published naming scheme, ``RKP_<corr>_n<n>_R<R>_H<H>_h<h>_dev<budget>_d<delta>``."""
        delta = int(self.delta) if float(self.delta).is_integer() else self.delta
        return (
            f"RKP_{self.correlation}_n{self.n_items}_R{int(self.R)}_H{int(self.H)}_h{int(self.h)}"
            f"_dev{self.budget_factor}_d{delta}"
        )

    def first_stage_costs(self) -> np.ndarray:
        """Objective coefficients of ``x`` (``f - p_bar``, minimisation)."""
        return self.penalties - self.profits

    def as_neur2ro_dict(self) -> dict[str, Any]:
        """The instance under the key names of Neur2RO's ``ro/two_ro/kp.py``."""
        return {
            "n_items": self.n_items,
            "correlation": self.correlation,
            "delta": self.delta,
            "h": self.h,
            "budget_factor": self.budget_factor,
            "c": self.weights,
            "C": self.capacity,
            "p_bar": self.profits,
            "p_hat": self.degradations,
            "f": self.penalties,
            "t": self.repair_weights,
            "max_budget": self.uncertainty_budget,
            "R": self.R,
            "H": self.H,
        }


def _pick(value: Any, grid: tuple[Any, ...], label: str, rng: np.random.Generator) -> Any:
    if value is None:
        return grid[int(rng.integers(len(grid)))]
    if label == "correlation" and value not in grid:
        raise ValueError(f"robust knapsack: correlation must be one of {', '.join(grid)}, got {value!r}")
    return value


def generate_knapsack(
    n_items: int,
    seed: int,
    correlation: str | None = None,
    delta: float | None = None,
    h: float | None = None,
    budget_factor: float | None = None,
    R: float = 1000.0,
    H: float = 100.0,
) -> RobustKnapsackInstance:
    """Sample one instance; parameters left as ``None`` are drawn from the paper's grid with the same seed."""
    if n_items < 1:
        raise ValueError(f"robust knapsack: n_items must be positive, got {n_items}")
    rng = np.random.default_rng(seed)
    correlation = _pick(correlation, CORRELATIONS, "correlation", rng)
    delta = float(_pick(delta, DELTAS, "delta", rng))
    h = float(_pick(h, H_VALUES, "h", rng))
    budget_factor = float(_pick(budget_factor, BUDGET_FACTORS, "budget_factor", rng))

    weights = rng.uniform(1.0, R, size=n_items)
    capacity = h / (H + 1.0) * float(weights.sum())
    if correlation == "UN":
        profits = rng.uniform(1.0, R, size=n_items)
    elif correlation == "WC":
        profits = rng.uniform(weights - R / 20.0, weights + R / 20.0)
    elif correlation == "ASC":
        profits = rng.uniform(weights + R / 10.0 - R / 1000.0, weights + R / 10.0 + R / 1000.0)
    else:
        profits = weights + R / 10.0
    degradations = profits * rng.uniform((1.0 - delta) / 2.0, (1.0 + delta) / 2.0, size=n_items)
    penalties = profits * rng.uniform(1.1, 1.5, size=n_items)
    if correlation == "UN":
        repair_weights = rng.uniform(1.0, weights)
    elif correlation == "WC":
        repair_weights = rng.uniform(0.5 * degradations - R / 40.0, 0.5 * degradations + R / 40.0)
    elif correlation == "ASC":
        center = 0.5 * degradations + weights / 10.0
        repair_weights = rng.uniform(center - R / 1000.0, center + R / 1000.0)
    else:
        repair_weights = 0.5 * degradations + weights / 10.0
    return RobustKnapsackInstance(
        n_items=int(n_items), seed=int(seed), correlation=str(correlation), delta=delta, h=h,
        budget_factor=budget_factor, weights=weights, capacity=capacity, profits=profits,
        degradations=degradations, penalties=penalties, repair_weights=repair_weights, R=float(R), H=float(H),
    )


_NAME = re.compile(
    r"RKP_(?P<correlation>UN|WC|ASC|SC)_n(?P<n>\d+)_R(?P<R>[\d.]+)_H(?P<H>[\d.]+)_h(?P<h>[\d.]+)"
    r"_dev(?P<budget>[\d.]+)_d(?P<delta>[\d.]+)"
)


def read_knapsack_instance(path: str | os.PathLike[str]) -> RobustKnapsackInstance:
    """Read one published Arslan–Detienne instance file (name ``RKP_<corr>_n.._R.._H.._h.._dev.._d..``).

    Layout: a first line whose second number is the capacity, then one line per item:
    ``index p_bar p_hat t c f``.
    """
    path = Path(path)
    match = _NAME.search(path.name)
    if match is None:
        raise ValueError(
            f"{path}: the file name does not follow RKP_<UN|WC|ASC|SC>_n<n>_R<R>_H<H>_h<h>_dev<budget>_d<delta>; "
            "the generator parameters are read from it"
        )
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    try:
        capacity = float(lines[0][1])
    except (IndexError, ValueError):
        raise ValueError(f"{path}, line 1: expected a header whose second number is the capacity") from None
    columns = []
    for number, parts in enumerate(lines[1:], start=2):
        if len(parts) < 6:
            raise ValueError(f"{path}, line {number}: expected 'index p_bar p_hat t c f', got {' '.join(parts)!r}")
        try:
            columns.append([float(value) for value in parts[1:6]])
        except ValueError:
            raise ValueError(f"{path}, line {number}: non-numeric value in {' '.join(parts)!r}") from None
    table = np.asarray(columns, dtype=np.float64)
    n_items = int(match["n"])
    if table.shape[0] != n_items:
        raise ValueError(f"{path}: the name says {n_items} items but the file has {table.shape[0]} item lines")
    return RobustKnapsackInstance(
        n_items=n_items, seed=None, correlation=match["correlation"], delta=float(match["delta"]),
        h=float(match["h"]), budget_factor=float(match["budget"]), weights=table[:, 3], capacity=capacity,
        profits=table[:, 0], degradations=table[:, 1], penalties=table[:, 4], repair_weights=table[:, 2],
        R=float(match["R"]), H=float(match["H"]),
    )
