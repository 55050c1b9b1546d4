"""GNN branching on CPU and CUDA from stored samples: same decisions?, time per call, training time per sample-epoch.

Needs torch and torch_geometric only: no SCIP, no PySCIPOpt, HiGHS or OR-Tools (the samples hold the
node observations SCIP produced). Two modes:

``--export DIR`` (here, where the collected samples are): copies a seeded subset of each family's
samples (training and validation folders pooled) into ``DIR/<family>/``, at most ``--per-family``
samples and ``--budget-mb`` in all, plus ``DIR/manifest.json``. ``DIR`` is meant to be the
git-ignored ``.gpu-check/`` of the repository so that it can be carried to a GPU machine.

Check (default; anywhere, CUDA when available): for each family, the shipped policy
(``learned/branching/weights/<family>.pt``) on the exported samples:

1. **decisions**: the branching candidate chosen at every sample by the code SCIP runs
   (:class:`~ormodel.learned.branching.inference.CandidateScorer`) on CPU and on CUDA, and by
   batched inference: identical decisions, the largest score difference, and how many samples
   have a top-2 score gap below it (decisions that float rounding may flip);
2. **time per call**, median after warm-up: one node as inside SCIP (with its edges copied to the
   device, i.e. a node whose LP rows changed, and with the edges already there, i.e. the LP kept
   its rows), and batches of 32 nodes; CUDA times end with ``torch.cuda.synchronize``;
3. **training time per sample-epoch**: Adam steps on batches of 32 drawn (seeded) from the samples,
   the project's :func:`~ormodel.learned.branching.train.train_steps` (collation, copy to the
   device, forward, backward, step), starting from the shipped weights; the same draws on CPU
   (``--cpu-threads``, default one thread) and CUDA, with the loss difference between the two,
   and on CUDA once more with the edges of a batch in one chunk (``--cuda-edge-chunk``).

Then the shipped job-shop dispatching policy (``learned/dispatching``): one greedy rollout on a
generated 50×20 instance with its numpy scorer, and with the same network in torch on CPU and on
CUDA: same decisions?, and ms per rollout.

Prints markdown tables; writes ``branching_gpu.json`` into ``--out`` (default: ``$OUT`` when set).

Usage::

    python benchmarks/branching_gpu.py --export .gpu-check --data /work/branching-data/samples
    PYTHONPATH=. python3 benchmarks/branching_gpu.py --data .gpu-check --out "$OUT"
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import platform
import shutil
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Run as a script, import this checkout's ormodel (not an installed copy).
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAMILIES = ("setcover", "cauctions", "facility", "indset")
WEIGHTS = ROOT / "learned" / "branching" / "weights"
BATCH_SIZE = 32


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- export


def export_subset(data: Path, target: Path, families: Sequence[str], per_family: int, budget_mb: float,
                  seed: int) -> dict[str, Any]:
    """Copy a seeded subset of each family's samples into ``target``; returns the manifest."""
    import numpy as np
    from ormodel.learned.branching.samples import sample_files

    pools: dict[str, list[Path]] = {}
    for family in families:
        files = sample_files(data / family)
        if not files:
            raise SystemExit(f"{data / family}: no .npz samples; pass --data with the collection folder "
                             "(it holds <family>/train and <family>/valid)")
        order = np.random.default_rng(seed).permutation(len(files))
        pools[family] = [files[index] for index in order[:per_family]]
    # Share the byte budget: families needing less than an equal share leave the rest to the others.
    budget = budget_mb * 1024 * 1024
    needs = {family: sum(file.stat().st_size for file in files) for family, files in pools.items()}
    shares: dict[str, float] = {}
    left, remaining = budget, sorted(families, key=lambda family: needs[family])
    while remaining:
        family = remaining.pop(0)
        shares[family] = min(needs[family], left / (len(remaining) + 1))
        left -= shares[family]
    if (target / "manifest.json").exists():  # an earlier export: replace it
        for family in FAMILIES:
            shutil.rmtree(target / family, ignore_errors=True)
    elif target.exists() and any(target.iterdir()):
        raise SystemExit(f"{target}: exists and is not an earlier export (no manifest.json); pick an empty folder")
    manifest: dict[str, Any] = {"source": str(data), "seed": seed, "per_family": per_family, "budget_mb": budget_mb,
                                "families": {}}
    for family in families:
        folder = target / family
        folder.mkdir(parents=True, exist_ok=True)
        used, chosen = 0, []
        for file in pools[family]:
            size = file.stat().st_size
            if used + size > shares[family]:
                break
            name = f"{file.parent.name}-{file.name}"  # train/valid pooled: keep the split in the name
            shutil.copyfile(file, folder / name)
            used += size
            chosen.append(name)
        if not chosen:
            raise SystemExit(f"{family}: no sample fits the share of the budget ({shares[family] / 1e6:.1f} MB); "
                             "raise --budget-mb")
        manifest["families"][family] = {"samples": len(chosen), "megabytes": round(used / 1e6, 2), "files": chosen}
        _log(f"{family}: {len(chosen)} samples, {used / 1e6:.1f} MB")
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


# ---------------------------------------------------------------------------------------------- check


def _synchronize(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(call: Callable[[], Any], device: Any) -> tuple[float, Any]:
    _synchronize(device)
    started = time.perf_counter()
    value = call()
    _synchronize(device)
    return time.perf_counter() - started, value


def _median_ms(seconds: Sequence[float]) -> float | None:
    return round(1000 * statistics.median(seconds), 3) if seconds else None


def _single_calls(weights: Path, samples: list[Any], device: Any, warmup: int, calls: int) -> dict[str, Any]:
    """Candidate scores of every sample through the rule's scorer, and median ms per call (new / kept edges)."""
    import numpy as np
    from ormodel.learned.branching.inference import CandidateScorer
    from ormodel.learned.branching.policy import load_policy

    scorer = CandidateScorer(load_policy(weights, device)[0], device)
    new_edges, kept_edges, scores = [], [], []
    for index, sample in enumerate(samples):  # the first ``warmup`` samples are scored but not timed
        call = functools.partial(scorer.choose, sample.observation, sample.candidates)
        seconds, _choice = _timed(call, device)  # the previous sample's edges are on the device: a new LP
        if warmup <= index < warmup + calls:
            new_edges.append(seconds)
            seconds, _choice = _timed(call, device)  # same LP again: its edges are kept
            kept_edges.append(seconds)
        scores.append(scorer.candidate_scores(sample.observation, sample.candidates).float().cpu().numpy().astype(np.float64))
    return {"scores": scores, "ms_new_edges": _median_ms(new_edges), "ms_kept_edges": _median_ms(kept_edges),
            "timed_calls": len(new_edges)}


def _batched_calls(weights: Path, graphs: Any, device: Any, repeats: int) -> dict[str, Any]:
    """Candidate scores from batched inference (batches of 32), and median ms per batch and per sample (copy + forward)."""
    import numpy as np
    import torch
    from ormodel.learned.branching.data import make_loader
    from ormodel.learned.branching.policy import load_policy

    policy = load_policy(weights, device)[0]
    batches = list(make_loader(graphs, batch_size=BATCH_SIZE))  # collated once: the time is copy + forward
    samples = sum(int(batch.candidate_count.numel()) for batch in batches)

    def run(batch: Any) -> torch.Tensor:
        with torch.inference_mode():
            moved = copy.copy(batch).to(device)  # a shallow copy: .to() works in place and the CPU batch is reused
            return policy.forward_batch(moved)[moved.candidates]

    for batch in batches[:2]:
        run(batch)
    per_batch, per_sample = [], []
    for _round in range(repeats):
        passed = []
        for batch in batches:
            elapsed, _candidate_scores = _timed(functools.partial(run, batch), device)
            passed.append(elapsed)
        per_batch.extend(passed)
        per_sample.append(sum(passed) / samples)
    scores = []
    for batch in batches:
        values = run(batch).float().cpu().numpy().astype(np.float64)
        scores.extend(np.split(values, np.cumsum(batch.candidate_count.numpy())[:-1]))
    return {"scores": scores, "ms_per_batch": _median_ms(per_batch), "ms_per_sample": _median_ms(per_sample),
            "batches": len(batches), "samples_per_batch": round(samples / len(batches), 1)}


def _compare_decisions(reference: list[Any], other: list[Any]) -> dict[str, Any]:
    """Identical argmax count, max |score difference|, and samples whose top-2 gap is below that difference."""
    import numpy as np

    same, difference, flips_possible, differing = 0, 0.0, 0, []
    for index, (first, second) in enumerate(zip(reference, other)):
        same += int(np.argmax(first) == np.argmax(second))
        if int(np.argmax(first)) != int(np.argmax(second)):
            differing.append(index)
        difference = max(difference, float(np.max(np.abs(first - second))))
    for first in reference:
        top = np.sort(first)[-2:]
        if len(top) == 2 and top[1] - top[0] <= 2 * difference:
            flips_possible += 1
    return {"identical": same, "samples": len(reference), "max_abs_score_difference": difference,
            "near_ties": flips_possible, "differing_samples": differing[:20]}


def _accuracy_at_1(scores: list[Any], samples: list[Any]) -> float:
    """Share of samples whose top-scored candidate has the expert's best strong-branching score (ties count)."""
    import numpy as np

    hits = 0
    for values, sample in zip(scores, samples):
        truth = np.where(np.isfinite(sample.candidate_scores), sample.candidate_scores, -1.0)
        hits += int(truth[int(np.argmax(values))] >= truth.max())
    return hits / max(len(samples), 1)


def _training(weights: Path, graphs: Any, device: Any, warmup_batches: int, timed_batches: int, seed: int,
              edge_chunk: int | None) -> dict[str, Any]:
    """Seconds per sample-epoch of ``train_steps`` (Adam, batches of 32) from the shipped weights."""
    import numpy as np
    import torch
    from ormodel.learned.branching.data import make_loader
    from ormodel.learned.branching.policy import load_policy
    from ormodel.learned.branching.train import train_steps

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    policy, _metadata = load_policy(weights, device)
    if edge_chunk is not None:
        policy.set_edge_chunk(edge_chunk)
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
    draws = np.random.default_rng(seed).choice(len(graphs), (warmup_batches + timed_batches) * BATCH_SIZE, replace=True)
    warm = torch.utils.data.Subset(graphs, draws[: warmup_batches * BATCH_SIZE].tolist())
    timed = torch.utils.data.Subset(graphs, draws[warmup_batches * BATCH_SIZE:].tolist())
    warm_steps = train_steps(policy, optimizer, make_loader(warm, batch_size=BATCH_SIZE), device)
    _synchronize(device)
    cpu_started = time.process_time()
    seconds, steps = _timed(lambda: train_steps(policy, optimizer, make_loader(timed, batch_size=BATCH_SIZE), device),
                            device)
    cpu_seconds = time.process_time() - cpu_started
    sample_epochs = sum(samples for _loss, samples in steps)
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return {"seconds_per_sample_epoch": seconds / sample_epochs, "cpu_seconds_per_sample_epoch": cpu_seconds / sample_epochs,
            "timed_batches": len(steps), "sample_epochs": sample_epochs,
            "losses": [loss for loss, _samples in warm_steps + steps],
            "peak_cuda_mib": None if peak is None else round(peak, 1)}


def _attempt(family: str, stage: str, errors: dict[str, str], call: Callable[[], Any]) -> Any:
    """``call()``, or None with the error recorded: one failing stage (say, CUDA) leaves the others' results."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001  # any failure of a stage is reported in the table and the JSON
        errors[stage] = f"{type(error).__name__}: {error}"
        _log(f"{family}: {stage} FAILED: {errors[stage]}")
        traceback.print_exc(file=sys.stderr)
        return None


def check_family(family: str, folder: Path, weights: Path, arguments: argparse.Namespace, cuda: Any | None) -> dict[str, Any]:
    """Decisions, call times and training times of one family's shipped policy, CPU and (when given) CUDA."""
    import torch
    from ormodel.learned.branching.data import SampleDataset
    from ormodel.learned.branching.samples import read_sample, sample_files

    files = sample_files(folder)[: arguments.samples]
    if not files:
        raise SystemExit(f"{folder}: no .npz samples; run --export first (see --help)")
    if not weights.exists():
        raise SystemExit(f"{weights}: no such policy file; pass --weights with a folder of <family>.pt policies")
    samples = [read_sample(file) for file in files]
    graphs = SampleDataset(files, cache=True)
    for index in range(len(graphs)):  # decode once, as training does after its first epoch
        graphs[index]
    cpu = torch.device("cpu")
    devices = [cpu] + ([cuda] if cuda is not None else [])
    errors: dict[str, str] = {}
    row: dict[str, Any] = {"family": family, "samples": len(samples),
                           "mean_edges": round(statistics.mean(sample.observation.edge_indices.shape[1] for sample in samples)),
                           "mean_candidates": round(statistics.mean(len(sample.candidates) for sample in samples), 1),
                           "errors": errors}
    single: dict[str, Any] = {}
    batched: dict[str, Any] = {}
    for device in devices:
        key = device.type
        _log(f"{family}: single-node and batched calls on {device}")
        single[key] = _attempt(family, f"single_{key}", errors, functools.partial(
            _single_calls, weights, samples, device, arguments.warmup, arguments.calls))
        batched[key] = _attempt(family, f"batched_{key}", errors, functools.partial(
            _batched_calls, weights, graphs, device, arguments.batch_repeats))
        if single[key]:
            row[f"acc@1_{key}"] = round(_accuracy_at_1(single[key]["scores"], samples), 4)
            row[f"{key}_ms_call_new_edges"] = single[key]["ms_new_edges"]
            row[f"{key}_ms_call_kept_edges"] = single[key]["ms_kept_edges"]
        if batched[key]:
            row[f"{key}_ms_per_batch"] = batched[key]["ms_per_batch"]
            row[f"{key}_ms_per_sample_batched"] = batched[key]["ms_per_sample"]
            row["samples_per_batch"] = batched[key]["samples_per_batch"]
    reference = (single.get("cpu") or {}).get("scores")
    for name, other in (("cpu_single_vs_batched", batched.get("cpu")), ("cpu_vs_cuda_single", single.get("cuda")),
                        ("cpu_vs_cuda_batched", batched.get("cuda"))):
        if reference is not None and other:
            row[name] = _compare_decisions(reference, other["scores"])
    training: dict[str, Any] = {}
    runs = [("cpu", cpu, arguments.cpu_train_batches, None)]
    if cuda is not None:
        runs.append(("cuda", cuda, arguments.cuda_train_batches, None))
        if arguments.cuda_edge_chunk:
            runs.append(("cuda_one_chunk", cuda, arguments.cuda_train_batches, arguments.cuda_edge_chunk))
    for name, device, batches, chunk in runs:
        if batches > 0:
            _log(f"{family}: training on {device} ({batches} timed batches{'' if chunk is None else f', edge chunk {chunk}'})")
            record = _attempt(family, f"train_{name}", errors, functools.partial(
                _training, weights, graphs, device, arguments.train_warmup, batches, arguments.seed, chunk))
            if record:
                training[name] = record
                row[f"train_{name}_s_per_sample_epoch"] = record["seconds_per_sample_epoch"]
    if "cpu" in training and "cuda" in training:
        steps = min(len(training["cpu"]["losses"]), len(training["cuda"]["losses"]))
        row["train_loss_max_difference"] = max(abs(a - b) for a, b in zip(training["cpu"]["losses"][:steps],
                                                                         training["cuda"]["losses"][:steps]))
        row["train_loss_steps_compared"] = steps
    row["training"] = training
    return row


def check_dispatching(cuda: Any | None, seed: int, repeats: int) -> dict[str, Any]:
    """The shipped dispatching policy's greedy rollout on one generated 50×20 job shop, scored in numpy / torch / CUDA.

    The shipped rollout scores candidates with a numpy copy of the network (no torch call per
    decision); here the same rollout also scores through the torch network on the CPU and on CUDA
    (the scorer swapped on a fresh copy of the policy), to compare schedules and time per rollout.
    """
    import numpy as np
    import torch
    from ormodel.datasets.jssp.generators import random_jobshop
    from ormodel.learned.dispatching.policy import load_policy as load_dispatch_policy

    instance = random_jobshop(50, 20, seed=seed)
    scorers: list[tuple[str, Any]] = [("numpy (shipped)", None), ("torch cpu", torch.device("cpu"))]
    if cuda is not None:
        scorers.append(("torch cuda", cuda))
    result: dict[str, Any] = {"instance": f"random_jobshop(50, 20, seed={seed})", "scorers": {}}
    reference = None
    for name, device in scorers:
        policy = load_dispatch_policy()
        if device is not None:
            network = policy.network.to(device)

            def score(features: np.ndarray, network: Any = network, device: Any = device) -> np.ndarray:
                with torch.inference_mode():
                    return network(torch.as_tensor(features, dtype=torch.float32, device=device)).squeeze(-1).cpu().numpy()

            policy.score = score  # type: ignore[method-assign]
        rollout = functools.partial(policy.run, [instance], True, record=True)
        rollout()  # warm-up
        seconds = []
        for _repeat in range(repeats):
            elapsed, run = _timed(rollout, device or torch.device("cpu"))
            seconds.append(elapsed)
        actions = run.actions
        record = {"makespan": int(run.env.makespans()[0]), "decisions": int(actions.shape[0]),
                  "ms_per_rollout": _median_ms(seconds)}
        if reference is None:
            reference = actions
        else:
            same = actions.shape == reference.shape and bool(np.array_equal(actions, reference))
            record["same_schedule_as_numpy"] = same
            if not same:
                steps = min(len(actions), len(reference))
                record["first_different_decision"] = int(np.argmax(np.any(actions[:steps] != reference[:steps], axis=1)))
        result["scorers"][name] = record
    return result


def _dispatching_markdown(result: dict[str, Any]) -> list[str]:
    lines = ["", f"### Dispatching policy, greedy rollout on {result['instance']} (median ms per rollout)", "",
             "| scorer | makespan | decisions | same decisions as numpy | ms per rollout |", "|---|---|---|---|---|"]
    for name, record in result["scorers"].items():
        same = record.get("same_schedule_as_numpy")
        lines.append(f"| {name} | {record['makespan']} | {record['decisions']} | {'–' if same is None else same} | "
                     f"{_fmt(record['ms_per_rollout'], 1)} |")
    return lines


def _environment(cuda: Any | None, threads: int) -> dict[str, Any]:
    import torch
    import torch_geometric

    info: dict[str, Any] = {"python": platform.python_version(), "torch": torch.__version__,
                            "torch_geometric": torch_geometric.__version__, "cpu": platform.processor() or platform.machine(),
                            "cpu_count": os.cpu_count(), "cpu_threads": threads,
                            "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    if cuda is not None:
        info.update({"cuda_device": torch.cuda.get_device_name(cuda), "cuda_runtime": torch.version.cuda,
                     "float32_matmul_precision": torch.get_float32_matmul_precision()})
    return info


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _decisions(record: dict[str, Any] | None) -> str:
    if record is None:
        return "–"
    return (f"{record['identical']}/{record['samples']} (max Δ {record['max_abs_score_difference']:.1e}, "
            f"near ties {record['near_ties']})")


def markdown(report: dict[str, Any]) -> str:
    """The report's three tables."""
    rows = report["families"]
    lines = [("### Decisions (argmax over candidates; max Δ = largest |score difference|; near ties = samples "
              "whose top-2 gap ≤ 2 Δ)"), "",
             "| family | samples | mean edges | candidates | acc@1 (CPU) | CPU single = CPU batched | CPU = CUDA (single, as in SCIP) | CPU = CUDA (batched) |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['family']} | {row['samples']} | {row['mean_edges']} | {row['mean_candidates']} | "
                     f"{_fmt(row.get('acc@1_cpu'))} | {_decisions(row.get('cpu_single_vs_batched'))} | "
                     f"{_decisions(row.get('cpu_vs_cuda_single'))} | {_decisions(row.get('cpu_vs_cuda_batched'))} |")
    threads = report["environment"]["cpu_threads"]
    lines += ["", (f"### Inference time (median ms; CPU {threads} thread(s); CUDA synchronized; a call = one node as in "
                   "SCIP: new edges = the LP's rows changed, kept edges = its edge tensors already on the device)"), "",
              ("| family | CPU call, new edges | CPU call, kept edges | CUDA call, new edges | CUDA call, kept edges | "
               "speed-up call (kept edges) | batched: samples a batch | CPU batched, per sample | CUDA batched, per sample | "
               "CUDA batch |"),
              "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        call_speedup = _ratio(row.get("cpu_ms_call_kept_edges"), row.get("cuda_ms_call_kept_edges"))
        lines.append(f"| {row['family']} | {_fmt(row.get('cpu_ms_call_new_edges'))} | {_fmt(row.get('cpu_ms_call_kept_edges'))} | "
                     f"{_fmt(row.get('cuda_ms_call_new_edges'))} | {_fmt(row.get('cuda_ms_call_kept_edges'))} | {call_speedup} | "
                     f"{_fmt(row.get('samples_per_batch'))} | {_fmt(row.get('cpu_ms_per_sample_batched'), 3)} | "
                     f"{_fmt(row.get('cuda_ms_per_sample_batched'), 3)} | {_fmt(row.get('cuda_ms_per_batch'))} |")
    lines += ["", f"### Training (train_steps, Adam, batches of {BATCH_SIZE}; seconds per sample-epoch; same draws)", "",
              "| family | CPU | CUDA | CUDA, one edge chunk | speed-up CUDA | max loss difference CPU–CUDA (steps) | CUDA peak MiB |",
              "|---|---|---|---|---|---|---|"]
    for row in rows:
        training = row["training"]
        cpu = row.get("train_cpu_s_per_sample_epoch")
        cuda = row.get("train_cuda_s_per_sample_epoch")
        one = row.get("train_cuda_one_chunk_s_per_sample_epoch")
        best = min(value for value in (cuda, one) if value is not None) if (cuda or one) else None
        difference = row.get("train_loss_max_difference")
        steps = row.get("train_loss_steps_compared")
        peak = max((record.get("peak_cuda_mib") or 0) for record in training.values()) if training else None
        lines.append(f"| {row['family']} | {_fmt(cpu, 5)} | {_fmt(cuda, 6)} | {_fmt(one, 6)} | {_ratio(cpu, best)} | "
                     f"{'–' if difference is None else f'{difference:.1e} ({steps})'} | {_fmt(peak or None, 0)} |")
    if report.get("dispatching"):
        lines += _dispatching_markdown(report["dispatching"])
    failures = [f"- {row['family']} {stage}: {message}" for row in rows for stage, message in row["errors"].items()]
    failures += [f"- dispatching: {message}" for message in report.get("dispatching_errors", {}).values()]
    if failures:
        lines += ["", "### FAILED stages", "", *failures]
    return "\n".join(lines)


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "–"
    return f"{numerator / denominator:.1f}×"


def run_check(arguments: argparse.Namespace) -> dict[str, Any]:
    """Every family's check; the report (environment, rows)."""
    import torch
    from ormodel.learned.branching.memory import keep_freed_memory

    keep_freed_memory()  # as the SCIP rule and training do
    torch.set_num_threads(arguments.cpu_threads)
    torch.manual_seed(arguments.seed)
    cuda = None
    if arguments.device != "cpu" and torch.cuda.is_available():
        started = time.perf_counter()
        cuda = torch.device("cuda")
        torch.zeros(1, device=cuda)
        _log(f"CUDA ready in {time.perf_counter() - started:.1f} s: {torch.cuda.get_device_name(cuda)}")
    elif arguments.device == "cuda":
        raise SystemExit("--device cuda: CUDA is not available here (torch.cuda.is_available() is False)")
    else:
        _log("no CUDA here: CPU only")
    data = Path(arguments.data)
    report: dict[str, Any] = {"environment": _environment(cuda, arguments.cpu_threads), "arguments": vars(arguments),
                              "families": []}
    manifest = data / "manifest.json"
    if manifest.exists():
        report["manifest"] = {family: {key: value for key, value in record.items() if key != "files"}
                              for family, record in json.loads(manifest.read_text())["families"].items()}
    for family in arguments.families:
        weights = Path(arguments.weights) / f"{family}.pt"
        started = time.perf_counter()
        report["families"].append(check_family(family, data / family, weights, arguments, cuda))
        _log(f"{family}: done in {time.perf_counter() - started:.1f} s")
        if arguments.out:  # after every family: a run cut short still leaves what it measured
            write_report(Path(arguments.out), report)
    if arguments.dispatching_repeats > 0:
        _log("dispatching: greedy rollouts")
        errors: dict[str, str] = {}
        report["dispatching"] = _attempt("dispatching", "rollout", errors, functools.partial(
            check_dispatching, cuda, arguments.seed, arguments.dispatching_repeats))
        report["dispatching_errors"] = errors
    return report


def write_report(folder: Path, report: dict[str, Any]) -> None:
    """``branching_gpu.json`` and ``branching_gpu.md`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "branching_gpu.json").write_text(json.dumps(report, indent=1, default=str))
    (folder / "branching_gpu.md").write_text(markdown(report) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="exported subset (check) or the collection folder (--export)")
    parser.add_argument("--export", metavar="DIR", help="write a seeded subset of --data's samples to DIR and stop")
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--per-family", type=int, default=200, help="export: at most this many samples a family")
    parser.add_argument("--budget-mb", type=float, default=24.0, help="export: at most this many MB in all")
    parser.add_argument("--weights", default=str(WEIGHTS), help="folder of <family>.pt policies")
    parser.add_argument("--samples", type=int, default=None, help="use at most this many samples a family")
    parser.add_argument("--calls", type=int, default=100, help="single-node calls timed per family and device")
    parser.add_argument("--warmup", type=int, default=5, help="samples scored untimed before the timed calls")
    parser.add_argument("--batch-repeats", type=int, default=3, help="timed passes over the batches")
    parser.add_argument("--cpu-train-batches", type=int, default=3, help="timed training batches on CPU (0: none)")
    parser.add_argument("--cuda-train-batches", type=int, default=20, help="timed training batches on CUDA (0: none)")
    parser.add_argument("--train-warmup", type=int, default=1, help="untimed training batches first (same draws on every device)")
    parser.add_argument("--cuda-edge-chunk", type=int, default=1 << 30,
                        help="also train on CUDA with this many edges per chunk (0: skip)")
    parser.add_argument("--dispatching-repeats", type=int, default=3,
                        help="timed greedy rollouts of the dispatching policy per scorer (0: skip)")
    parser.add_argument("--cpu-threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto: CUDA when available")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.environ.get("OUT"), help="folder for branching_gpu.json (default: $OUT)")
    arguments = parser.parse_args(argv)
    if arguments.export:
        export_subset(Path(arguments.data), Path(arguments.export), arguments.families, arguments.per_family,
                      arguments.budget_mb, arguments.seed)
        return 0
    started = time.perf_counter()
    report = run_check(arguments)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = markdown(report)
    print(text)
    print(f"\n{json.dumps(report['environment'])}\ntotal {report['seconds']} s")
    if arguments.out:
        write_report(Path(arguments.out), report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
