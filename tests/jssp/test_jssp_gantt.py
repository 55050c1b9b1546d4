"""Gantt charts of job-shop schedules and the CLI's ``--gantt`` flag, plus the dispatch method's warm-start modes."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
from ormodel.datasets.jssp import JobShopError, general_jobshop, random_jobshop, write_jobshop
from ormodel.datasets.jssp.gantt import gantt_svg, write_gantt
from ormodel.learned.dispatching.method import improve_with_cpsat
from ormodel.learned.dispatching.rules import dispatch_with_rule
from ormodel.solvers.base import SolveOptions

from ormodel.cli import main
from ormodel.methods import run_method


def test_svg_has_one_bar_with_a_tooltip_per_timed_operation() -> None:
    instance = general_jobshop(12, 4, seed=3, zero_fraction=0.2)
    schedule = dispatch_with_rule(instance, "mwkr")
    root = ElementTree.fromstring(gantt_svg(instance, schedule.starts))
    bars = root.findall(".//{http://www.w3.org/2000/svg}rect")
    timed = int(((instance.durations > 0) & instance.valid).sum())
    assert len(bars) == timed
    titles = [bar.find("{http://www.w3.org/2000/svg}title").text for bar in bars]
    job, operation = 0, 0
    start = int(schedule.starts[job, operation])
    expected = f"job 0, operation 0, machine {instance.machines[0, 0]}: {start}–{start + instance.durations[0, 0]}"
    assert instance.durations[0, 0] == 0 or expected in titles


def test_write_gantt_formats_and_bad_input(tmp_path: Path) -> None:
    instance = random_jobshop(100, 5, seed=1)
    schedule = dispatch_with_rule(instance, "mopnr")
    for suffix in ("png", "svg", "html"):
        path = write_gantt(instance, schedule.starts, tmp_path / f"chart.{suffix}")
        assert path.stat().st_size > 1000
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "chart.html").read_text()
    with pytest.raises(JobShopError, match=r"write \.png"):
        write_gantt(instance, schedule.starts, tmp_path / "chart.txt")
    bad = schedule.starts.copy()
    bad[0, 1] = 0
    with pytest.raises(JobShopError, match="job 0 operation 1"):
        write_gantt(instance, bad, tmp_path / "bad.svg")


def test_cli_solve_with_gantt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    instance = random_jobshop(8, 4, seed=5)
    path = tmp_path / "shop.txt"
    write_jobshop(instance, path)
    chart = tmp_path / "shop.svg"
    code = main(["solve", str(path), "--method", "dispatch", "--param", "samples=2", "--gantt", str(chart)])
    assert code == 0
    assert chart.read_text().count("<rect") == 32
    assert "makespan" in chart.read_text()


@pytest.mark.parametrize("warm", ["yes", "no", "auto"])
def test_cpsat_warm_modes_are_never_worse_than_the_schedule(warm: str) -> None:
    instance = random_jobshop(8, 5, seed=2)
    schedule = dispatch_with_rule(instance, "lpt")
    starts, bound, status, notes = improve_with_cpsat(instance, schedule.starts, 2.0, seed=0, workers=1, warm=warm)
    instance.check_schedule(starts)
    assert bound <= instance.makespan(starts) <= schedule.makespan
    assert notes["warm"] == warm and status in ("optimal", "feasible")
    if warm == "auto":
        assert notes["continued"] in ("cpsat", "local search", None) and notes["probe_makespan"] is not None


def test_dispatch_method_rejects_an_unknown_warm_mode() -> None:
    with pytest.raises(ValueError, match="warm must be one of"):
        run_method("dispatch", random_jobshop(3, 3, seed=0), SolveOptions(), {"warm": "maybe", "rule": "spt"})


def test_dispatch_method_on_the_general_shape() -> None:
    instance = general_jobshop(10, 3, seed=4, zero_fraction=0.3)
    result = run_method("dispatch", instance, SolveOptions(time_limit=3.0, seed=0, threads=1), {"rule": "mwkr"})
    starts = result.array("start").astype(int)
    instance.check_schedule(starts)
    assert result.objective == instance.makespan(starts) <= result.extra["dispatch_makespan"]
    assert np.all(starts[~instance.valid] == -1)
