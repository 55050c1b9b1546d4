"""Neur2RO's set-based value network ``Phi(x, xi) ~ c'x + Q(x, xi)`` (torch).

``Phi(x, xi) = V([rho_x(sum_i phi_x([x_i, f_i])), rho_xi(sum_i phi_xi(g_i(xi)))])``: DeepSets
encoders for the first-stage decision and the scenario with sum aggregation, ReLU
everywhere, and a small value head ``V``. ``phi`` and ``rho`` have no bias (so padded items
contribute exactly zero and the sums are exact); only ``V`` has biases. Sizes follow the paper
(anchor §1.2): knapsack ``phi: 7→32→16, rho: 16→64→8, V: 16→8→1``; capital budgeting
``phi_x: 3→16→4, phi_xi: 4→16→4, rho: 4→32→8, V: 16→8→1``. Inputs are divided by per-feature
scales (no shift, so zero padding stays zero) and labels are min–max scaled, both fitted on the
training data and stored with the weights.

Example:
    >>> from ormodel.datasets.robust import generate_capital_budgeting
    >>> from ormodel.learned.neur2ro.capital_budgeting import RobustCapitalBudgeting
    >>> problem = RobustCapitalBudgeting(generate_capital_budgeting(10, seed=0))
    >>> network = ValueNetwork(NETWORK_SIZES["capital_budgeting"])
    >>> network.predict(problem, np.ones((2, 10)), np.zeros((2, 4))).shape
    (2,)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ormodel.learned.device import resolve_device
from ormodel.learned.neur2ro.problem import TwoStageRobustProblem

__all__ = ["NetworkSizes", "NETWORK_SIZES", "ValueNetwork", "resolve_device", "load_network", "DEFAULT_WEIGHTS"]

DEFAULT_WEIGHTS = {
    "knapsack": Path(__file__).with_name("weights") / "knapsack.pt",
    "capital_budgeting": Path(__file__).with_name("weights") / "capital_budgeting.pt",
}


@dataclass(frozen=True)
class NetworkSizes:
    """Layer widths: ``phi: input → hidden → embed``, ``rho: embed → hidden → out``, ``V: 2 out → hidden → 1``."""

    x_input: int
    xi_input: int
    x_phi_hidden: int
    x_embed: int
    xi_phi_hidden: int
    xi_embed: int
    rho_hidden: int
    rho_out: int
    value_hidden: int


NETWORK_SIZES = {
    "knapsack": NetworkSizes(7, 7, 32, 16, 32, 16, 64, 8, 8),
    "capital_budgeting": NetworkSizes(3, 4, 16, 4, 16, 4, 32, 8, 8),
}


def _mlp(sizes: tuple[int, int, int], bias: bool) -> nn.Sequential:
    return nn.Sequential(nn.Linear(sizes[0], sizes[1], bias=bias), nn.ReLU(), nn.Linear(sizes[1], sizes[2], bias=bias))


class ValueNetwork(nn.Module):
    """The set-based value network with its input and label scaling."""

    x_scale: torch.Tensor
    xi_scale: torch.Tensor
    label_offset: torch.Tensor
    label_scale: torch.Tensor

    def __init__(self, sizes: NetworkSizes) -> None:
        super().__init__()
        self.sizes = sizes
        self.phi_x = _mlp((sizes.x_input, sizes.x_phi_hidden, sizes.x_embed), bias=False)
        self.phi_xi = _mlp((sizes.xi_input, sizes.xi_phi_hidden, sizes.xi_embed), bias=False)
        self.rho_x = _mlp((sizes.x_embed, sizes.rho_hidden, sizes.rho_out), bias=False)
        self.rho_xi = _mlp((sizes.xi_embed, sizes.rho_hidden, sizes.rho_out), bias=False)
        self.value = _mlp((2 * sizes.rho_out, sizes.value_hidden, 1), bias=True)
        self.register_buffer("x_scale", torch.ones(sizes.x_input, dtype=torch.float64))
        self.register_buffer("xi_scale", torch.ones(sizes.xi_input, dtype=torch.float64))
        self.register_buffer("label_offset", torch.zeros((), dtype=torch.float64))
        self.register_buffer("label_scale", torch.ones((), dtype=torch.float64))

    # --- torch forward ---------------------------------------------------------------------
    def forward(self, x_items: torch.Tensor, xi_items: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Scaled prediction from scaled per-item inputs ``(B, n, ·)``; ``mask`` (B, n) marks real items."""
        x_embed = self.phi_x(x_items)
        xi_embed = self.phi_xi(xi_items)
        if mask is not None:
            x_embed = x_embed * mask[..., None]
            xi_embed = xi_embed * mask[..., None]
        x_part = self.rho_x(x_embed.sum(dim=1))
        xi_part = self.rho_xi(xi_embed.sum(dim=1))
        return self.value(torch.cat([x_part, xi_part], dim=-1)).squeeze(-1)

    def scaled_inputs(self, problem: TwoStageRobustProblem, x: np.ndarray, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-item inputs divided by the fitted scales, shapes ``(S, n, ·)``."""
        x_items = problem.x_item_inputs(np.atleast_2d(x)) / self.x_scale.cpu().numpy()
        xi_items = problem.xi_item_inputs(np.atleast_2d(xi)) / self.xi_scale.cpu().numpy()
        return x_items, xi_items

    def predict(self, problem: TwoStageRobustProblem, x: np.ndarray, xi: np.ndarray, device: str | torch.device = "auto") -> np.ndarray:
        """Predicted ``c'x + Q(x, xi)`` (unscaled) for rows of ``x`` and ``xi``."""
        x_items, xi_items = self.scaled_inputs(problem, x, xi)
        target = resolve_device(device)
        model = self.to(target)
        with torch.no_grad():
            scaled = model(torch.as_tensor(x_items, dtype=torch.float32, device=target),
                           torch.as_tensor(xi_items, dtype=torch.float32, device=target))
        return self.unscale(scaled.double().cpu().numpy())

    def unscale(self, scaled: np.ndarray | float) -> np.ndarray:
        """Scaled output → objective units."""
        return np.asarray(scaled) * float(self.label_scale) + float(self.label_offset)

    # --- numpy views used by the MIP embedding ---------------------------------------------
    def layer_arrays(self, block: str) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """``[(weight, bias), ...]`` of one sub-network (``phi_x``, ``phi_xi``, ``rho_x``, ``rho_xi``, ``value``)."""
        layers: list[tuple[np.ndarray, np.ndarray | None]] = []
        for module in getattr(self, block):
            if isinstance(module, nn.Linear):
                weight = module.weight.detach().double().cpu().numpy()
                bias = None if module.bias is None else module.bias.detach().double().cpu().numpy()
                layers.append((weight, bias))
        return layers

    def x_embedding_affine(self, problem: TwoStageRobustProblem) -> tuple[np.ndarray, np.ndarray]:
        """``sum_i phi_x([x_i, f_i]) = base + delta' x`` exactly for binary ``x``: (base (E,), delta (n, E))."""
        zero, _ = self.scaled_inputs(problem, np.zeros(problem.n_first), problem.nominal_scenario())
        one, _ = self.scaled_inputs(problem, np.ones(problem.n_first), problem.nominal_scenario())
        at_zero = _numpy_mlp(self.layer_arrays("phi_x"), zero[0])
        at_one = _numpy_mlp(self.layer_arrays("phi_x"), one[0])
        return at_zero.sum(axis=0), at_one - at_zero

    def xi_embedding(self, problem: TwoStageRobustProblem, xi: np.ndarray) -> np.ndarray:
        """``rho_xi(sum_i phi_xi(g_i(xi)))`` at a fixed scenario (what a main-problem scenario contributes)."""
        _, xi_items = self.scaled_inputs(problem, np.zeros(problem.n_first), xi)
        summed = _numpy_mlp(self.layer_arrays("phi_xi"), xi_items[0]).sum(axis=0)
        return _numpy_mlp(self.layer_arrays("rho_xi"), summed)

    def x_representation(self, problem: TwoStageRobustProblem, x: np.ndarray) -> np.ndarray:
        """``rho_x(sum_i phi_x([x_i, f_i]))`` at a fixed decision (what the adversary sees)."""
        base, delta = self.x_embedding_affine(problem)
        return _numpy_mlp(self.layer_arrays("rho_x"), base + np.asarray(x, dtype=np.float64) @ delta)

    # --- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
        """Weights, scales, sizes and training metadata in one small ``.pt`` file."""
        torch.save({"sizes": asdict(self.sizes), "state": self.state_dict(), "metadata": metadata or {}}, path)


def _numpy_mlp(layers: list[tuple[np.ndarray, np.ndarray | None]], inputs: np.ndarray) -> np.ndarray:
    hidden = np.asarray(inputs, dtype=np.float64)
    for position, (weight, bias) in enumerate(layers):
        hidden = hidden @ weight.T + (0.0 if bias is None else bias)
        if position < len(layers) - 1:
            hidden = np.maximum(hidden, 0.0)
    return hidden


def load_network(path: str | Path | None = None, kind: str | None = None) -> tuple[ValueNetwork, dict[str, Any]]:
    """Load a saved network (the shipped weights of ``kind`` when ``path`` is ``None``)."""
    if path is None:
        if kind is None:
            raise ValueError("load_network: give a weights path or a problem kind")
        path = DEFAULT_WEIGHTS[kind]
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no weights file; train one with python -m ormodel.learned.neur2ro.train --problem {kind or 'knapsack'}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    network = ValueNetwork(NetworkSizes(**payload["sizes"]))
    network.load_state_dict(payload["state"])
    network.eval()
    return network, dict(payload.get("metadata", {}))
