"""The edge step of the GCN convolution, fused and done in cache-sized chunks of edges.

``summed_relu_messages(target_terms, source_terms, edge_values, edge_weight, target_index, source_index)``
returns, for every target node i, ``Σ_{edges (j, i)} ReLU(target_terms[i] + source_terms[j] + edge_values[e] · edge_weight)``.

Written as separate torch operations, each step of that sum reads and writes an (edges × 64)
tensor: on a batch of 32 easy set-cover samples (1 M edges) each is 256 MB, so training is bound by
memory traffic (measured: the edge-sized gathers, scatters, ReLU and its backward were 84 % of an
epoch on one core), and autograd keeps two of those tensors per convolution for the backward pass.
Here the edges are processed ``chunk`` at a time, so every per-edge tensor stays in the CPU cache,
and nothing edge-sized is kept for the backward pass: it recomputes each chunk's pre-activations
(two gathers and a multiply-add) instead, and uses them as the ReLU's mask. The additions into each target happen in edge order, as
in the unchunked form, so the forward result is the same; gradients match autograd's up to float
rounding.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["DEFAULT_CHUNK", "summed_relu_messages"]

DEFAULT_CHUNK = 8192


def _chunk_preactivation(target_terms: torch.Tensor, source_terms: torch.Tensor, edge_values: torch.Tensor,
                         edge_weight: torch.Tensor, targets: torch.Tensor, sources: torch.Tensor) -> torch.Tensor:
    joint = target_terms.index_select(0, targets)
    joint.add_(source_terms.index_select(0, sources))
    return joint.addmm_(edge_values, edge_weight)


def _add_weight_gradient(grad_weight: torch.Tensor, values: torch.Tensor, grad_joint: torch.Tensor) -> None:
    """``grad_weight += values.T @ grad_joint``.

    On CUDA the product is formed without cuBLAS: cuBLASLt rejects the transposed view of a
    one-feature edge slice (CUBLAS_STATUS_INVALID_VALUE, seen on an H200 with torch 2.11).
    """
    if values.is_cuda:
        grad_weight.add_((values.unsqueeze(2) * grad_joint.unsqueeze(1)).sum(0))
    else:
        grad_weight.addmm_(values.t(), grad_joint)


class _SummedReluMessages(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, target_terms: torch.Tensor, source_terms: torch.Tensor, edge_values: torch.Tensor,
                edge_weight: torch.Tensor, target_index: torch.Tensor, source_index: torch.Tensor,
                chunk: int) -> torch.Tensor:
        summed = target_terms.new_zeros(target_terms.shape)
        for start in range(0, target_index.numel(), chunk):
            stop = start + chunk
            targets = target_index[start:stop]
            joint = _chunk_preactivation(target_terms, source_terms, edge_values[start:stop], edge_weight, targets,
                                         source_index[start:stop])
            summed.index_add_(0, targets, joint.relu_())
        if any(ctx.needs_input_grad[:4]):
            ctx.save_for_backward(target_terms, source_terms, edge_values, edge_weight, target_index, source_index)
            ctx.chunk = chunk
        return summed

    @staticmethod
    def backward(ctx: Any, grad_summed: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        target_terms, source_terms, edge_values, edge_weight, target_index, source_index = ctx.saved_tensors
        need_target, need_source, need_values, need_weight = ctx.needs_input_grad[:4]
        grad_target = torch.zeros_like(target_terms) if need_target else None
        grad_source = torch.zeros_like(source_terms) if need_source else None
        grad_values = torch.empty_like(edge_values) if need_values else None
        grad_weight = torch.zeros_like(edge_weight) if need_weight else None
        grad_summed = grad_summed.contiguous()
        for start in range(0, target_index.numel(), ctx.chunk):
            stop = start + ctx.chunk
            targets, sources, values = target_index[start:stop], source_index[start:stop], edge_values[start:stop]
            joint = _chunk_preactivation(target_terms, source_terms, values, edge_weight, targets, sources)
            grad_joint = torch.ops.aten.threshold_backward(grad_summed.index_select(0, targets), joint, 0)
            if grad_target is not None:
                grad_target.index_add_(0, targets, grad_joint)
            if grad_source is not None:
                grad_source.index_add_(0, sources, grad_joint)
            if grad_weight is not None:
                _add_weight_gradient(grad_weight, values, grad_joint)
            if grad_values is not None:
                grad_values[start:stop] = grad_joint @ edge_weight.t()
        return grad_target, grad_source, grad_values, grad_weight, None, None, None


def summed_relu_messages(target_terms: torch.Tensor, source_terms: torch.Tensor, edge_values: torch.Tensor,
                         edge_weight: torch.Tensor, target_index: torch.Tensor, source_index: torch.Tensor,
                         chunk: int = DEFAULT_CHUNK) -> torch.Tensor:
    """``Σ_j ReLU(target_terms[i] + source_terms[j] + edge_values[e] @ edge_weight)`` per target row i.

    ``target_terms`` (targets × d), ``source_terms`` (sources × d), ``edge_values`` (edges × f),
    ``edge_weight`` (f × d); ``target_index`` / ``source_index`` (edges) give each edge's ends.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be a positive number of edges, got {chunk}")
    return _SummedReluMessages.apply(target_terms.contiguous(), source_terms.contiguous(), edge_values.contiguous(),
                                     edge_weight.contiguous(), target_index, source_index, int(chunk))
