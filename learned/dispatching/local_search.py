"""Tabu search on the machine sequences of a job-shop schedule (critical-block swaps, N5).

A schedule is held as one operation sequence per machine; start times are the earliest ones
those sequences allow (heads of the disjunctive graph). A move swaps the first two or the last
two operations of a block of the critical path (consecutive critical operations on one machine;
Nowicki & Smutnicki's N5 neighbourhood: not the first pair of the first block, not the last pair
of the last block). Moves are ranked by Taillard's estimate of the new makespan from the heads and
tails around the swapped pair, computed for every move in constant time; the chosen move is then
applied and the heads and tails recomputed (linear in the operations). A swapped pair may not be
swapped back for a few iterations (tabu) unless that beats the best makespan; after a stretch
without improvement the search returns to the best schedule and kicks it with a few random
moves.

It works on the general shape: jobs of any length, machines revisited by one job (a pair of one
job is never swapped) and zero-length operations (they occupy no machine and stay off the
sequences). The returned schedule is never worse than the one it starts from: the search starts
at the left-shifted schedule of the input's machine sequences, whose makespan is at most the
input's, and keeps the best. With ``max_iterations`` and no time limit the result depends only on
the seed.

Example:
    >>> from ormodel.datasets.jssp import random_jobshop
    >>> from ormodel.learned.dispatching.rules import dispatch_with_rule
    >>> instance = random_jobshop(6, 4, seed=3)
    >>> start = dispatch_with_rule(instance, "spt")
    >>> improved = local_search(instance, start.starts, max_iterations=200, seed=0)
    >>> improved.makespan <= start.makespan
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ormodel.datasets.jssp.instance import JobShopError, JobShopInstance

__all__ = ["LocalSearchResult", "local_search"]


@dataclass
class LocalSearchResult:
    """The best schedule the search found, with how it got there."""

    starts: np.ndarray
    makespan: int
    start_makespan: int  # makespan of the input schedule
    iterations: int
    improvements: int  # iterations that lowered the best makespan
    seconds: float
    stopped: str  # "optimal" (the lower bound or an empty neighbourhood), "iterations" or "time"


class _Graph:
    """Disjunctive graph of one instance: job arcs fixed, machine arcs from the current sequences."""

    def __init__(self, instance: JobShopInstance, starts: np.ndarray) -> None:
        valid = instance.valid
        jobs, width = instance.machines.shape
        flat = np.full((jobs, width), -1, dtype=np.int64)
        flat[valid] = np.arange(int(valid.sum()))
        self.count = int(valid.sum())
        self.positions = np.argwhere(valid)  # (count, 2): job and route position of each operation
        self.duration = instance.durations[valid].tolist()
        self.job = self.positions[:, 0].tolist()
        job_previous = np.full(self.count, -1, dtype=np.int64)
        job_next = np.full(self.count, -1, dtype=np.int64)
        following = valid[:, 1:]
        job_previous[flat[:, 1:][following]] = flat[:, :-1][following]
        job_next[flat[:, :-1][following]] = flat[:, 1:][following]
        self.job_previous = job_previous.tolist()
        self.job_next = job_next.tolist()
        occupying = np.flatnonzero(instance.durations[valid] > 0)
        machine = instance.machines[valid]
        start = np.asarray(starts)[valid]
        order = occupying[np.lexsort((start[occupying], machine[occupying]))]
        self.machine_previous = [-1] * self.count
        self.machine_next = [-1] * self.count
        ordered_machines = machine[order].tolist()
        order_list = order.tolist()
        for left, right, same in zip(order_list, order_list[1:], np.equal(ordered_machines[1:], ordered_machines[:-1])):
            if same:
                self.machine_next[left] = right
                self.machine_previous[right] = left
        self.heads: list[int] = [0] * self.count
        self.tails: list[int] = [0] * self.count
        self.makespan = 0

    def evaluate(self) -> bool:
        """Heads, tails and makespan of the current sequences; False (nothing changed) on a cycle."""
        duration, job_previous, machine_previous = self.duration, self.job_previous, self.machine_previous
        job_next, machine_next = self.job_next, self.machine_next
        waiting = [(first >= 0) + (second >= 0) for first, second in zip(job_previous, machine_previous)]
        order = [operation for operation, count in enumerate(waiting) if count == 0]
        heads = [0] * self.count
        index = 0
        while index < len(order):
            operation = order[index]
            index += 1
            end = heads[operation] + duration[operation]
            for successor in (job_next[operation], machine_next[operation]):
                if successor >= 0:
                    if end > heads[successor]:
                        heads[successor] = end
                    waiting[successor] -= 1
                    if waiting[successor] == 0:
                        order.append(successor)
        if len(order) < self.count:
            return False
        tails = [0] * self.count
        for operation in reversed(order):
            tail = 0
            successor = job_next[operation]
            if successor >= 0:
                tail = tails[successor] + duration[successor]
            successor = machine_next[operation]
            if successor >= 0 and tails[successor] + duration[successor] > tail:
                tail = tails[successor] + duration[successor]
            tails[operation] = tail
        self.heads, self.tails = heads, tails
        self.makespan = max(head + length for head, length in zip(heads, duration))
        return True

    def critical_blocks(self, pick: int) -> list[list[int]]:
        """Blocks of one critical path (the ``pick``-th operation ending at the makespan), first to last."""
        heads, duration = self.heads, self.duration
        ends = [operation for operation in range(self.count) if heads[operation] + duration[operation] == self.makespan]
        current = ends[pick % len(ends)]
        path = [current]
        while True:
            head = heads[current]
            before = self.machine_previous[current]
            if before < 0 or heads[before] + duration[before] != head:
                before = self.job_previous[current]
                if before < 0 or heads[before] + duration[before] != head:
                    break
            path.append(before)
            current = before
        path.reverse()
        blocks = [[path[0]]]
        for left, right in zip(path, path[1:]):
            if self.machine_next[left] == right:
                blocks[-1].append(right)
            else:
                blocks.append([right])
        return blocks

    def moves(self, blocks: list[list[int]]) -> list[tuple[int, int]]:
        """N5 swaps ``(u, v)`` of adjacent machine-mates ``u`` then ``v`` of different jobs."""
        found = []
        last = len(blocks) - 1
        for number, block in enumerate(blocks):
            if len(block) < 2:
                continue
            if number > 0:
                found.append((block[0], block[1]))
            if number < last and (len(block) > 2 or number == 0):
                found.append((block[-2], block[-1]))
        return [(u, v) for u, v in found if self.job[u] != self.job[v]]

    def estimate(self, u: int, v: int) -> int:
        """Taillard's estimate of the makespan after putting ``v`` before ``u`` (``u`` directly precedes ``v``)."""
        duration = self.duration
        ready_v = max(self._through(self.heads, self.machine_previous[u]), self._through(self.heads, self.job_previous[v]))
        ready_u = max(ready_v + duration[v], self._through(self.heads, self.job_previous[u]))
        tail_u = max(self._through(self.tails, self.machine_next[v]), self._through(self.tails, self.job_next[u]))
        tail_v = max(tail_u + duration[u], self._through(self.tails, self.job_next[v]))
        return max(ready_v + duration[v] + tail_v, ready_u + duration[u] + tail_u)

    def _through(self, times: list[int], operation: int) -> int:
        """``times[operation]`` plus its duration (head + length, or tail + length); 0 for no operation (-1)."""
        return times[operation] + self.duration[operation] if operation >= 0 else 0

    def swap(self, u: int, v: int) -> None:
        """Put ``v`` directly before ``u`` on their machine (``u`` directly precedes ``v``)."""
        before, after = self.machine_previous[u], self.machine_next[v]
        if before >= 0:
            self.machine_next[before] = v
        if after >= 0:
            self.machine_previous[after] = u
        self.machine_previous[v], self.machine_next[v] = before, u
        self.machine_previous[u], self.machine_next[u] = v, after

    def sequences(self) -> tuple[list[int], list[int]]:
        """A copy of the machine arcs."""
        return list(self.machine_previous), list(self.machine_next)

    def restore(self, arcs: tuple[list[int], list[int]]) -> None:
        """Go back to copied machine arcs and re-evaluate."""
        self.machine_previous, self.machine_next = list(arcs[0]), list(arcs[1])
        self.evaluate()

    def starts(self, shape: tuple[int, int]) -> np.ndarray:
        """The current heads as a ``(jobs, operations)`` start array (``-1`` at padding)."""
        starts = np.full(shape, -1, dtype=np.int64)
        starts[self.positions[:, 0], self.positions[:, 1]] = self.heads
        return starts


def local_search(
    instance: JobShopInstance,
    starts: np.ndarray,
    time_limit: float | None = None,
    max_iterations: int | None = None,
    seed: int = 0,
    clock: Callable[[], float] = time.perf_counter,
    patience: int | None = None,
) -> LocalSearchResult:
    """Tabu search from the feasible schedule ``starts`` for ``time_limit`` seconds of ``clock`` and/or ``max_iterations``.

    Stops early at the instance's trivial lower bound or when no move exists (the schedule is then
    optimal). ``patience``: iterations without a new best before a return to the best schedule and a
    random kick (default: scaled to the size).
    """
    began = clock()
    if time_limit is None and max_iterations is None:
        raise JobShopError("local_search needs a time_limit or max_iterations")
    starts = np.asarray(starts)
    instance.check_schedule(starts)
    start_makespan = instance.makespan(starts)
    graph = _Graph(instance, starts)
    graph.evaluate()
    generator = np.random.default_rng(seed)
    bound = instance.lower_bound()
    best = graph.makespan
    best_arcs = graph.sequences()
    tenure = 8 + graph.count // 100
    patience = patience if patience is not None else max(200, 4 * tenure)
    forbidden: dict[tuple[int, int], int] = {}  # swap (u, v) -> last iteration at which it is tabu
    iterations = improvements = since_best = 0
    stopped = "iterations"
    while True:
        if best <= bound:
            stopped = "optimal"
            break
        if max_iterations is not None and iterations >= max_iterations:
            stopped = "iterations"
            break
        if time_limit is not None and clock() - began >= time_limit:
            stopped = "time"
            break
        iterations += 1
        blocks = graph.critical_blocks(int(generator.integers(1 << 30)))
        moves = graph.moves(blocks)
        if not moves:
            if graph.makespan == best:
                stopped = "optimal"  # an empty N5 neighbourhood: no swap can shorten the critical path
                break
            graph.restore(best_arcs)
            continue
        estimates = [graph.estimate(u, v) for u, v in moves]
        allowed = [index for index, (u, v) in enumerate(moves)
                   if forbidden.get((u, v), 0) < iterations or estimates[index] < best]
        pool = allowed or list(range(len(moves)))
        lowest = min(estimates[index] for index in pool)
        ties = [index for index in pool if estimates[index] == lowest]
        u, v = moves[ties[int(generator.integers(len(ties)))]]
        graph.swap(u, v)
        if not graph.evaluate():  # cannot happen for critical swaps; kept as a guard
            graph.swap(v, u)
            graph.evaluate()
            forbidden[(u, v)] = iterations + tenure
            continue
        # Putting u back directly before v is tabu for a while.
        forbidden[(v, u)] = iterations + tenure + int(generator.integers(tenure // 2 + 1))
        if graph.makespan < best:
            best, best_arcs = graph.makespan, graph.sequences()
            improvements += 1
            since_best = 0
        else:
            since_best += 1
        if since_best >= patience:
            since_best = 0
            graph.restore(best_arcs)
            forbidden.clear()
            _kick(graph, generator, kicks=2 + graph.count // 200)
    graph.restore(best_arcs)
    result = graph.starts(instance.machines.shape)
    return LocalSearchResult(result, int(graph.makespan), int(start_makespan), iterations, improvements,
                             clock() - began, stopped)


def _kick(graph: _Graph, generator: np.random.Generator, kicks: int) -> None:
    """Apply ``kicks`` random critical swaps (any block pair), leaving the graph evaluated."""
    for _ in range(kicks):
        blocks = graph.critical_blocks(int(generator.integers(1 << 30)))
        pairs = [(block[index], block[index + 1]) for block in blocks for index in range(len(block) - 1)
                 if graph.job[block[index]] != graph.job[block[index + 1]]]
        if not pairs:
            return
        u, v = pairs[int(generator.integers(len(pairs)))]
        graph.swap(u, v)
        if not graph.evaluate():
            graph.swap(v, u)
            graph.evaluate()
