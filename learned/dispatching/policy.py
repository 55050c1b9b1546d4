"""The learned dispatching policy: attention over jobs (with their next operations and machines).

Each job is a token built from :func:`~ormodel.learned.dispatching.features.job_features`.
The first attention layer lets every job see every other job; the second lets a job attend only
to the jobs competing for the same machine next (the resource mask of Tassel et al. 2023). A
small head scores each job from its token and the mean of all tokens; illegal jobs are masked.

Example:
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> policy = DispatchPolicy()
    >>> schedules = policy.solve(random_jobshop(5, 4, seed=0), samples=4, seed=0)
    >>> schedules.makespan > 0
    True
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from ormodel.datasets.jssp.instance import JobShopInstance
from ormodel.learned.dispatching.env import DispatchEnvironment
from ormodel.learned.device import resolve_device
from ormodel.learned.dispatching.features import NUM_FEATURES, job_features, same_machine_mask
from torch import nn

__all__ = ["DEFAULT_WEIGHTS", "DispatchPolicy", "PolicySchedule", "load_policy", "resolve_device"]

DEFAULT_WEIGHTS = Path(__file__).with_name("weights") / "dispatch_policy.pt"


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run a block with ``threads`` CPU threads in torch (``None``: leave as is), then restore."""
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass
class PolicySchedule:
    """The best schedule found by a policy run and how it was found."""

    starts: np.ndarray
    makespan: int
    all_makespans: list[int] = field(default_factory=list)
    seconds: float = 0.0


class AttentionLayer(nn.Module):
    """Pre-norm multi-head self-attention and feed-forward block with a boolean ``allowed`` mask."""

    def __init__(self, hidden: int, heads: int, feedforward: int) -> None:
        super().__init__()
        if hidden % heads:
            raise ValueError(f"hidden size {hidden} must be divisible by the number of heads {heads}")
        self.heads = heads
        self.attention_norm = nn.LayerNorm(hidden)
        self.query_key_value = nn.Linear(hidden, 3 * hidden)
        self.output = nn.Linear(hidden, hidden)
        self.feedforward_norm = nn.LayerNorm(hidden)
        self.feedforward = nn.Sequential(nn.Linear(hidden, feedforward), nn.ReLU(), nn.Linear(feedforward, hidden))

    def forward(self, tokens: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        """``tokens`` (batch, length, hidden); ``allowed`` (batch, length, length), True where attention may look."""
        batch, length, hidden = tokens.shape
        projected = self.query_key_value(self.attention_norm(tokens))
        query, key, value = projected.view(batch, length, 3, self.heads, hidden // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(query, key, value, attn_mask=allowed.unsqueeze(1))
        tokens = tokens + self.output(attended.transpose(1, 2).reshape(batch, length, hidden))
        return tokens + self.feedforward(self.feedforward_norm(tokens))


class DispatchPolicy(nn.Module):
    """Two attention layers over job tokens and a masked scoring head."""

    def __init__(self, hidden: int = 32, heads: int = 4, feedforward: int = 64) -> None:
        super().__init__()
        self.config = {"hidden": hidden, "heads": heads, "feedforward": feedforward}
        self.embed = nn.Sequential(nn.Linear(NUM_FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.global_layer = AttentionLayer(hidden, heads, feedforward)
        self.machine_layer = AttentionLayer(hidden, heads, feedforward)
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(
        self, features: torch.Tensor, legal: torch.Tensor, same_machine: torch.Tensor, unfinished: torch.Tensor
    ) -> torch.Tensor:
        """Logits ``(batch, jobs)``; ``-inf`` where ``legal`` is False."""
        tokens = self.embed(features)
        eye = torch.eye(tokens.shape[1], dtype=torch.bool, device=tokens.device).unsqueeze(0)
        tokens = self.global_layer(tokens, unfinished.unsqueeze(1) | eye)
        tokens = self.machine_layer(tokens, same_machine)
        weights = unfinished.unsqueeze(-1).float()
        pooled = (tokens * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        logits = self.head(torch.cat([tokens, pooled.unsqueeze(1).expand_as(tokens)], dim=-1)).squeeze(-1)
        return logits.masked_fill(~legal, float("-inf"))

    # ------------------------------------------------------------ inference
    def state_logits(self, env: DispatchEnvironment, rows: np.ndarray, device: torch.device) -> torch.Tensor:
        """Logits for the instances ``rows`` of ``env``."""
        features = torch.from_numpy(job_features(env)[rows]).to(device)
        legal = torch.from_numpy(env.mask[rows]).to(device)
        same = torch.from_numpy(same_machine_mask(env)[rows]).to(device)
        unfinished = torch.from_numpy(~env.job_done[rows]).to(device)
        return self(features, legal, same, unfinished)

    @torch.no_grad()
    def run(
        self,
        instances: Sequence[JobShopInstance],
        greedy: bool,
        seed: int = 0,
        temperature: float = 1.0,
        device: str | torch.device = "auto",
        threads: int | None = 1,
    ) -> DispatchEnvironment:
        """Dispatch a batch of same-size instances to the end; returns the finished environment.

        ``threads`` caps torch's CPU threads during the run (one is fastest for these small
        batches, and much faster on a shared machine); ``None`` keeps torch's setting.
        """
        with torch_threads(threads):
            return self._run(instances, greedy, seed, temperature, device)

    def _run(
        self,
        instances: Sequence[JobShopInstance],
        greedy: bool,
        seed: int,
        temperature: float,
        device: str | torch.device,
    ) -> DispatchEnvironment:
        target = resolve_device(device)
        self.to(target).eval()
        generator = torch.Generator(device="cpu").manual_seed(int(seed))
        env = DispatchEnvironment(instances)
        while not env.all_done:
            rows = np.nonzero(~env.done)[0]
            actions = np.zeros(env.batch_size, dtype=np.int64)
            logits = self.state_logits(env, rows, target).float().cpu()
            if greedy:
                chosen = logits.argmax(dim=1)
            else:
                probabilities = torch.softmax(logits / temperature, dim=1)
                chosen = torch.multinomial(probabilities, 1, generator=generator).squeeze(1)
            actions[rows] = chosen.numpy()
            env.step(actions)
        return env

    def solve(
        self,
        instance: JobShopInstance,
        samples: int = 0,
        seed: int = 0,
        temperature: float = 1.0,
        device: str | torch.device = "auto",
        batch_size: int = 32,
        threads: int | None = 1,
        time_limit: float | None = None,
    ) -> PolicySchedule:
        """The greedy schedule, or the best of ``samples`` sampled ones plus the greedy one.

        With ``time_limit`` (seconds) no new batch of samples starts once that much time has
        passed, so fewer than ``samples`` may be drawn (the greedy schedule is always built).
        """
        began = time.perf_counter()
        env = self.run([instance], greedy=True, device=device, threads=threads)
        best_starts, best = env.starts[0].copy(), int(env.makespans()[0])
        makespans = [best]
        done = 0
        while done < samples:
            if time_limit is not None and time.perf_counter() - began >= time_limit:
                break
            count = min(batch_size, samples - done)
            env = self.run(
                [instance] * count,
                greedy=False,
                seed=seed * 100003 + done,
                temperature=temperature,
                device=device,
                threads=threads,
            )
            values = env.makespans()
            makespans.extend(int(value) for value in values)
            if values.min() < best:
                best = int(values.min())
                best_starts = env.starts[int(values.argmin())].copy()
            done += count
        return PolicySchedule(best_starts, best, makespans, time.perf_counter() - began)

    # ------------------------------------------------------------ persistence
    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
        """Save weights (float16 to keep the file small), configuration and training metadata."""
        state = {key: value.detach().cpu().half() for key, value in self.state_dict().items()}
        torch.save({"config": self.config, "state": state, "metadata": metadata or {}}, Path(path))


def load_policy(path: str | Path | None = None, device: str | torch.device = "auto") -> DispatchPolicy:
    """Load a saved policy (the shipped weights by default)."""
    weights = Path(path) if path is not None else DEFAULT_WEIGHTS
    if not weights.is_file():
        raise FileNotFoundError(
            f"no dispatching weights at {weights}; train them with `python -m ormodel.learned.dispatching.train` "
            "(see learned/dispatching/README.md)"
        )
    payload = torch.load(weights, map_location="cpu", weights_only=True)
    policy = DispatchPolicy(**payload["config"])
    policy.load_state_dict({key: value.float() for key, value in payload["state"].items()})
    policy.metadata = payload.get("metadata", {})
    return policy.to(resolve_device(device)).eval()
