"""The learned dispatching policy: a small network that scores each candidate job from its features.

At every decision the candidates' features (:func:`~ormodel.learned.dispatching.features.candidate_features`,
which compare each candidate with its competitors and describe the machines ahead of it) go
through a two-layer network; the highest score is dispatched (greedy), or a job is drawn with
probability ``softmax(score / temperature)`` (sampling). Only the candidates are scored, so a
decision costs about what a static rule's does and a 1000×10 instance is dispatched in seconds.
Inference runs in numpy (no torch call per decision); training uses the same network in torch.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from ormodel.datasets.jssp.instance import JobShopInstance
from ormodel.learned.device import resolve_device
from ormodel.learned.dispatching.budget import RunBudget
from ormodel.learned.dispatching.env import DispatchEnvironment
from ormodel.learned.dispatching.features import NUM_FEATURES, FeatureContext, candidate_features
from torch import nn

__all__ = ["DEFAULT_WEIGHTS", "DispatchPolicy", "PolicyRun", "PolicySchedule", "load_policy", "resolve_device"]

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


_BLAS_CONTROLLER: list[Any] = []


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Limit numpy's BLAS to one thread for a block (small matrix products; several threads only contend).

    Uses ``threadpoolctl`` (in the ``learned`` extra) when it is installed, else leaves BLAS as it is.
    """
    if not _BLAS_CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS_CONTROLLER.append(None)
        else:
            _BLAS_CONTROLLER.append(ThreadpoolController())
    controller = _BLAS_CONTROLLER[0]
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@dataclass
class PolicySchedule:
    """The best schedule found by a policy run and how it was found."""

    starts: np.ndarray
    makespan: int
    all_makespans: list[int] = field(default_factory=list)
    seconds: float = 0.0
    samples: int = 0  # sampled schedules among ``all_makespans`` (the rest are greedy)
    mode: str = "non_delay"  # decision mode of the best schedule
    greedy_seconds: float = float("inf")  # the fastest greedy run (the cost of one schedule)


@dataclass
class PolicyRun:
    """A finished batch run: the environment and, per decision, the job each instance chose (-1 when done)."""

    env: DispatchEnvironment
    actions: np.ndarray


class DispatchPolicy(nn.Module):
    """Candidate scoring network: features → hidden → hidden → score."""

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        self.config = {"hidden": hidden, "features": NUM_FEATURES}
        self.network = nn.Sequential(
            nn.Linear(NUM_FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1)
        )
        self._numpy: list[tuple[np.ndarray, np.ndarray]] | None = None
        self.metadata: dict[str, Any] = {}

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Scores ``(n,)`` of ``(n, NUM_FEATURES)`` candidate features."""
        return self.network(features).squeeze(-1)

    # ------------------------------------------------------------ inference
    def refresh(self) -> None:
        """Copy the weights to the numpy scorer (call after changing them)."""
        layers = [module for module in self.network if isinstance(module, nn.Linear)]
        self._numpy = [
            (layer.weight.detach().cpu().float().numpy().T.copy(), layer.bias.detach().cpu().float().numpy().copy())
            for layer in layers
        ]

    def score(self, features: np.ndarray) -> np.ndarray:
        """Scores of ``(n, NUM_FEATURES)`` features with the numpy copy of the network."""
        if self._numpy is None:
            self.refresh()
        assert self._numpy is not None
        hidden = features.astype(np.float32, copy=False)
        last = len(self._numpy) - 1
        for index, (weight, bias) in enumerate(self._numpy):
            hidden = hidden @ weight
            hidden += bias
            if index < last:
                np.maximum(hidden, 0.0, out=hidden)
        return hidden[:, 0]

    def run(
        self,
        instances: Sequence[JobShopInstance],
        greedy: bool,
        seed: int = 0,
        temperature: float = 1.0,
        record: bool = False,
        mode: str = "non_delay",
        budget: RunBudget | None = None,
    ) -> PolicyRun | None:
        """Dispatch a batch of same-size instances to the end (greedy or sampled) with ``mode``'s decision points.

        ``None`` when ``budget`` stops the run before its end.
        """
        env = DispatchEnvironment(instances, mode=mode)
        context = FeatureContext(env)
        generator = np.random.default_rng(seed)
        recorded: list[np.ndarray] | None = [] if record else None
        actions = np.zeros(env.batch_size, dtype=np.int64)
        with one_blas_thread():
            finished = self._dispatch(env, context, generator, greedy, temperature, recorded, actions, budget)
        if not finished:
            return None
        return PolicyRun(env, np.array(recorded or [], dtype=np.int64).reshape(-1, env.batch_size))

    def _dispatch(
        self,
        env: DispatchEnvironment,
        context: FeatureContext,
        generator: np.random.Generator,
        greedy: bool,
        temperature: float,
        recorded: list[np.ndarray] | None,
        actions: np.ndarray,
        budget: RunBudget | None = None,
    ) -> bool:
        """Step ``env`` to the end, choosing by score (greedy) or by Gumbel-perturbed score (sampling); False if ``budget`` stopped it."""
        total = max(float(env.total_work.sum()), 1.0)
        while not env.all_done:
            if budget is not None and budget.hopeless(float(env.scheduled_work.sum()) / total):
                return False
            rows, jobs, features = candidate_features(env, context)
            scores = self.score(features)
            if not greedy:
                scores = scores / temperature + generator.gumbel(size=len(scores))
            if env.batch_size == 1:
                actions[0] = jobs[int(np.argmax(scores))]
            else:
                # Highest score per row: sort by (row, score) and take each row's last entry.
                order = np.lexsort((scores, rows))
                sorted_rows = rows[order]
                ends = np.empty(len(order), dtype=bool)
                ends[-1] = True
                np.not_equal(sorted_rows[1:], sorted_rows[:-1], out=ends[:-1])
                last = order[ends]
                actions[:] = 0
                actions[rows[last]] = jobs[last]
            if recorded is not None:
                recorded.append(np.where(env.done, -1, actions))
            env.step(actions)
        return True

    @staticmethod
    def modes_for(instance: JobShopInstance) -> tuple[str, ...]:
        """Decision modes tried on ``instance``: non-delay, plus active when it has fewer jobs than machines.

        On such wide instances the non-delay schedule leaves almost no decisions (8 on a 10×100
        instance) and the active rules beat the non-delay ones (9 of 10 generated 10×100 instances,
        against 1 of 130 Taillard-style, DMU-style and general instances; benchmarks/RESULTS.md), so
        a second greedy run in active mode is worth its cost only there.
        """
        return ("non_delay", "active") if instance.num_jobs < instance.num_machines else ("non_delay",)

    def solve(
        self,
        instance: JobShopInstance,
        samples: int = 0,
        seed: int = 0,
        temperature: float = 1.0,
        device: str | torch.device = "cpu",
        batch_size: int = 16,
        threads: int | None = 1,
        time_limit: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
        modes: Sequence[str] | None = None,
        fill_time: bool = False,
        hard_limit: float | None = None,
        start_from: PolicySchedule | None = None,
    ) -> PolicySchedule:
        """The best greedy schedule over ``modes`` (default :meth:`modes_for`), or the best of it and ``samples`` sampled ones.

        Sampled batches go to the mode holding the best schedule so far, every fourth to the other one. With ``time_limit`` (seconds of ``clock``: wall time by default,
        ``time.process_time`` for CPU time) no new greedy run or batch of samples starts once that
        much time has passed, so fewer than ``samples`` may be drawn (the first greedy schedule is
        always built). ``fill_time`` sizes each batch (at most ``batch_size``) to the time left, from the
        measured cost of a batch, so that a budget is spent on few large batches, which cost far less
        per schedule than small ones. ``device`` and ``threads`` are accepted for compatibility: inference
        runs in numpy. ``hard_limit`` (seconds of ``clock``): every run, the greedy ones included, is
        dropped as soon as it cannot end within it (:class:`~ormodel.learned.dispatching.budget.RunBudget`),
        so the result may hold no schedule (empty ``starts``, the largest int64 as makespan); without
        it the first greedy schedule is always built and sampled batches are dropped at ``time_limit``.
        ``start_from``: the greedy schedules of an earlier call with ``samples=0`` on this instance;
        they are kept and not built again.
        """
        began = clock()
        last = hard_limit if hard_limit is not None else time_limit
        deadline = None if last is None else began + last
        modes = tuple(modes) if modes is not None else self.modes_for(instance)
        best_starts, best, best_mode = np.empty(0), np.iinfo(np.int64).max, modes[0]
        makespans: list[int] = []
        overhead = np.inf  # seconds of ``clock`` for one schedule (the fastest greedy run)
        if start_from is not None:
            best_starts, best, best_mode = start_from.starts, start_from.makespan, start_from.mode
            makespans, overhead = list(start_from.all_makespans), start_from.greedy_seconds

        def keep(env: DispatchEnvironment, mode: str) -> None:
            nonlocal best_starts, best, best_mode
            values = env.makespans()
            makespans.extend(int(value) for value in values)
            if values.min() < best:
                best, best_mode = int(values.min()), mode
                best_starts = env.starts[int(values.argmin())].copy()

        def out_of_time() -> bool:
            return time_limit is not None and clock() - began >= time_limit

        for number, mode in enumerate(modes if start_from is None else ()):
            if number and out_of_time():
                break
            started = clock()
            budget = RunBudget(clock, deadline) if hard_limit is not None or number else None
            greedy_run = self.run([instance], greedy=True, mode=mode, budget=budget)
            if greedy_run is None:
                break
            keep(greedy_run.env, mode)
            overhead = min(overhead, clock() - started)
        done = batches = 0
        costs: dict[int, float] = {}  # batch size → seconds of the last sampled batch of that size
        while done < samples and not out_of_time():
            count = min(batch_size, samples - done)
            others = [other for other in modes if other != best_mode]
            mode = others[batches // 4 % len(others)] if others and batches % 4 == 3 else best_mode
            if fill_time and time_limit is not None:
                left = time_limit - (clock() - began)
                if overhead > left:
                    break  # not even one more schedule fits
                # A share of the time left (a half with two modes, so that the other one still gets batches).
                count = max(1, min(count, _fitting_batch(costs, 0.5 * left if len(modes) > 1 else 0.8 * left)))
            started = clock()
            sampled = self.run([instance] * count, greedy=False, seed=seed * 100003 + done, temperature=temperature,
                               mode=mode, budget=RunBudget(clock, deadline))
            if sampled is None:
                break
            costs[count] = clock() - started
            keep(sampled.env, mode)
            done += count
            batches += 1
        return PolicySchedule(best_starts, best, makespans, clock() - began, done, best_mode, float(overhead))

    def sample_for(
        self,
        instance: JobShopInstance,
        seconds: float,
        seed: int = 0,
        temperature: float = 1.0,
        clock: Callable[[], float] = time.perf_counter,
        modes: Sequence[str] | None = None,
        max_batch: int = 256,
        hard_limit: float | None = None,
        start_from: PolicySchedule | None = None,
    ) -> PolicySchedule:
        """Greedy plus sampled schedules until ``seconds`` of ``clock`` have passed (batches sized to the time left).

        ``hard_limit`` and ``start_from``: as in :meth:`solve` (``hard_limit`` at least ``seconds``).
        """
        return self.solve(
            instance, samples=10**9, seed=seed, temperature=temperature, batch_size=max_batch, time_limit=seconds,
            clock=clock, modes=modes, fill_time=True,
            hard_limit=None if hard_limit is None else max(hard_limit, seconds), start_from=start_from,
        )

    # ------------------------------------------------------------ persistence
    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
        """Save weights (float32; the network is small), configuration and training metadata."""
        state = {key: value.detach().cpu().float() for key, value in self.state_dict().items()}
        torch.save({"config": self.config, "state": state, "metadata": metadata or {}}, Path(path))


def _fitting_batch(costs: dict[int, float], seconds: float) -> int:
    """The largest batch expected to run within ``seconds``, from measured ``{batch size: seconds}``.

    A lock-step batch costs a fixed part (numpy calls per decision) plus a small part per schedule,
    so the model is linear, fitted on the two largest sizes measured; with one size measured the
    batch doubles if twice its cost fits, else shrinks in proportion; with none it is two.
    """
    if not costs:
        return 2
    sizes = sorted(costs)
    largest = sizes[-1]
    if len(sizes) == 1:
        cost = costs[largest]
        return 2 * largest if 2 * cost <= seconds else int(largest * seconds / max(cost, 1e-9))
    smaller = sizes[-2]
    per_schedule = max((costs[largest] - costs[smaller]) / (largest - smaller), costs[largest] / largest / 8, 1e-9)
    fixed = max(costs[largest] - per_schedule * largest, 0.0)
    return int((seconds - fixed) / per_schedule)


def load_policy(path: str | Path | None = None, device: str | torch.device = "cpu") -> DispatchPolicy:
    """Load a saved policy (the shipped weights by default); inference runs on the CPU in numpy."""
    weights = Path(path) if path is not None else DEFAULT_WEIGHTS
    if not weights.is_file():
        raise FileNotFoundError(
            f"no dispatching weights at {weights}; train them with `python -m ormodel.learned.dispatching.train` "
            "(see learned/dispatching/README.md)"
        )
    payload = torch.load(weights, map_location="cpu", weights_only=True)
    config = payload.get("config", {})
    if set(config) != {"hidden", "features"} or config["features"] != NUM_FEATURES:
        raise ValueError(
            f"{weights} holds weights of an older dispatching network (config {config}); retrain with "
            "`python -m ormodel.learned.dispatching.train` (see learned/dispatching/README.md)"
        )
    policy = DispatchPolicy(hidden=int(config["hidden"]))
    policy.load_state_dict({key: value.float() for key, value in payload["state"].items()})
    policy.metadata = payload.get("metadata", {})
    policy.eval()
    policy.refresh()
    return policy
