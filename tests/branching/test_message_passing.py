"""The chunked, fused edge step equals the plain gather / ReLU / scatter formulation, values and gradients."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from ormodel.learned.branching.message_passing import summed_relu_messages


def _plain(target_terms, source_terms, edge_values, edge_weight, target_index, source_index):
    joint = target_terms[target_index] + source_terms[source_index] + edge_values @ edge_weight
    return torch.zeros_like(target_terms).index_add(0, target_index, torch.relu(joint))


_DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"))]


@pytest.mark.parametrize("device", _DEVICES)
@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_values_and_gradients_match_the_plain_form(chunk: int, device: str) -> None:
    # float32 on CUDA: the cuBLASLt failure this guards against (a transposed one-feature edge slice) is a float32 path
    dtype = torch.float64 if device == "cpu" else torch.float32
    tolerance = {} if device == "cpu" else {"rtol": 1e-4, "atol": 1e-4}
    generator = torch.Generator().manual_seed(chunk)
    targets, sources, edges, units = 9, 11, 53, 6
    inputs = [torch.randn(targets, units, generator=generator, dtype=dtype),
              torch.randn(sources, units, generator=generator, dtype=dtype),
              torch.randn(edges, 1, generator=generator, dtype=dtype),
              torch.randn(1, units, generator=generator, dtype=dtype)]
    target_index = torch.randint(0, targets, (edges,), generator=generator).to(device)
    source_index = torch.randint(0, sources, (edges,), generator=generator).to(device)
    fused_inputs = [tensor.to(device).requires_grad_() for tensor in inputs]
    plain_inputs = [tensor.to(device).requires_grad_() for tensor in inputs]
    fused = summed_relu_messages(*fused_inputs, target_index, source_index, chunk=chunk)
    plain = _plain(*plain_inputs, target_index, source_index)
    torch.testing.assert_close(fused, plain, **tolerance)
    weights = torch.randn(targets, units, generator=generator, dtype=dtype).to(device)
    (fused * weights).sum().backward()
    (plain * weights).sum().backward()
    for fused_input, plain_input in zip(fused_inputs, plain_inputs):
        torch.testing.assert_close(fused_input.grad, plain_input.grad, **tolerance)


def test_without_gradients_and_bad_chunk() -> None:
    target_terms, source_terms = torch.ones(2, 3), torch.full((2, 3), -2.0)
    with torch.inference_mode():
        summed = summed_relu_messages(target_terms, source_terms, torch.tensor([[1.0], [3.0]]), torch.ones(1, 3),
                                      torch.tensor([0, 0]), torch.tensor([1, 0]))
    assert summed.tolist() == [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]  # relu(1-2+1) + relu(1-2+3)
    with pytest.raises(ValueError, match="chunk must be a positive number"):
        summed_relu_messages(target_terms, source_terms, torch.ones(2, 1), torch.ones(1, 3), torch.tensor([0, 1]),
                             torch.tensor([0, 1]), chunk=0)
