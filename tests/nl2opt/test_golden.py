"""The golden set: hand-written five-element formulations of benchmark problems, each solved and checked.

Every file in ``golden/`` names its problem (suite and id, as ``ormodel.datasets.nl`` gives them),
the suite's label and the value of the formulation. Undisputed files must reproduce the label
within the strict tolerance; disputed ones must reproduce their own value, differ from the label,
and say why (they are listed in the label-issues table of benchmarks/RESULTS.md).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from ormodel.nl2opt.agent import backend_for
from ormodel.nl2opt.retrieval import load_golden, read_golden

from ormodel.io import load_problem
from ormodel.result import Status
from ormodel.solve import solve

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = sorted(GOLDEN.glob("*.yaml"))
REQUIRED_SUITES = ("nl4opt", "mamo-easylp", "mamo-complexlp", "industryor-v2-sirl-fixed", "logior", "optmath-bench")


def _close(first: float, second: float) -> bool:
    return abs(first - second) <= 1e-6 * max(1.0, abs(second))


def test_golden_set_size_and_spread() -> None:
    examples = load_golden(GOLDEN)
    assert len(examples) >= 60
    per_suite = Counter(example.suite for example in examples)
    for suite in REQUIRED_SUITES:
        assert per_suite[suite] >= 10, f"{suite} has {per_suite[suite]} golden formulations"
    keys = [example.key for example in examples]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_golden_formulation_solves_to_its_value(path: Path) -> None:
    example = read_golden(path)
    assert path.stem == f"{example.suite}__{example.id}", "file name must be SUITE__ID.yaml"
    assert example.summary, "the document needs a one-line description (the retrieval summary)"
    problem = load_problem(path)
    result = solve(problem, solver=backend_for(problem), time_limit=30)
    assert result.status == Status.OPTIMAL, f"{path.name}: {result.status} {result.message}"
    assert _close(result.objective, example.value), f"{path.name}: solved {result.objective}, header value {example.value}"
    assert example.label is not None
    if example.disputed:
        assert not _close(example.value, example.label), f"{path.name} is marked disputed but matches its label"
    else:
        assert _close(result.objective, example.label), f"{path.name}: solved {result.objective}, label {example.label}"
