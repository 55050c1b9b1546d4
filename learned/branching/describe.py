"""Print the training records of policy checkpoints as a Markdown table.

Command line (defaults to the shipped policies)::

    python -m ormodel.learned.branching.describe [POLICY.pt ...]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ormodel.learned.branching.policy import load_policy
from ormodel.learned.branching.rule import SHIPPED_POLICIES, WEIGHTS_FOLDER

__all__ = ["describe_policies", "main"]

_HEADER = ("| policy | train samples | valid samples | epochs run (best) | training s | valid acc@1 | acc@3 | acc@5 "
           "| acc@10 | valid loss |\n|---|---|---|---|---|---|---|---|---|---|")


def describe_policies(paths: Sequence[str | os.PathLike[str]]) -> str:
    """One Markdown row per checkpoint: sample counts, epochs, training seconds, validation metrics."""
    rows = [_HEADER]
    for path in paths:
        _, metadata = load_policy(path, "cpu")
        valid = metadata.get("valid", {})
        rows.append(
            f"| {metadata.get('name', os.fspath(path))} | {metadata.get('train_samples', '?')} | "
            f"{metadata.get('valid_samples', '?')} | {metadata.get('epochs_run', '?')} ({metadata.get('best_epoch', '?')}) | "
            f"{metadata.get('seconds', '?')} | "
            + " | ".join(f"{valid.get(key, float('nan')):.3f}" for key in ("acc@1", "acc@3", "acc@5", "acc@10", "loss"))
            + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m ormodel.learned.branching.describe",
                                     description="Training records of GNN branching policies.")
    parser.add_argument("policies", nargs="*", help="checkpoint files (default: the shipped policies)")
    arguments = parser.parse_args(argv)
    paths = arguments.policies or [WEIGHTS_FOLDER / f"{name}.pt" for name in SHIPPED_POLICIES
                                   if (WEIGHTS_FOLDER / f"{name}.pt").exists()]
    print(describe_policies(paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
