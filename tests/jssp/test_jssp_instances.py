"""Job-shop data: text format, random generator, Taillard's generator, best-known bounds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from ormodel.datasets.jssp import (
    TAILLARD_BOUNDS,
    JobShopError,
    JobShopInstance,
    best_known_upper_bound,
    format_jobshop_text,
    gap_to_best_known,
    is_closed,
    parse_jobshop_text,
    random_jobshop,
    random_jobshop_batch,
    read_jobshop,
    taillard_instance,
    taillard_names,
    write_jobshop,
)
from ormodel.datasets.jssp.taillard import TaillardRandom

SHARED_TAILLARD = Path(__file__).resolve().parents[3] / "shared" / "data" / "jssp" / "instances" / "ta"


def _pairs(text: str) -> tuple[list[int], list[int]]:
    values = [int(token) for token in text.split()]
    return values[0::2], values[1::2]


# First job of a few instances as published (machine duration pairs, machines 0-based).
PUBLISHED_FIRST_JOBS = {
    "ta01": "6 94 12 66 4 10 7 53 3 26 2 15 10 65 11 82 8 10 14 27 9 93 13 92 5 96 0 70 1 83",
    "ta21": "6 64 1 57 15 81 2 98 19 59 13 87 16 93 18 62 3 20 12 14 14 85 5 45 10 47 7 9 8 94 9 9 0 15 17 66 11 1 4 94",
    "ta51": "9 14 10 79 3 6 8 35 5 42 7 64 4 51 0 67 12 13 1 9 13 46 6 84 11 60 2 10 14 34",
    "ta71": "11 83 7 59 18 49 15 84 0 35 8 68 19 58 6 66 13 44 14 2 17 63 2 25 4 70 1 1 16 84 3 56 9 35 5 46 12 81 10 58",
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_FIRST_JOBS))
def test_taillard_generator_reproduces_published_first_job(name: str) -> None:
    machines, durations = _pairs(PUBLISHED_FIRST_JOBS[name])
    instance = taillard_instance(name)
    assert instance.machines[0].tolist() == machines
    assert instance.durations[0].tolist() == durations


def _published_digest(instance) -> str:
    """SHA-256 of the instance in the standard format, tokens joined by single spaces (layout-independent)."""
    rows = [[str(instance.num_jobs), str(instance.num_machines)]]
    rows += [
        [str(value) for pair in zip(route, times) for value in pair]
        for route, times in zip(instance.machines.tolist(), instance.durations.tolist())
    ]
    return hashlib.sha256("\n".join(" ".join(row) for row in rows).encode()).hexdigest()


# Computed from the published instance files (ScheduleOpt/benchmarks copies of Taillard's ta01-ta80), so the
# whole of each instance is checked without the data: one instance per size class, and all 80 together.
PUBLISHED_DIGESTS = {
    "ta01": "86183f5ad50eca5a",
    "ta11": "871d9b84b1b75257",
    "ta21": "3acd4298c241270e",
    "ta31": "06d92b5e046d0b50",
    "ta41": "c51baa47188fe631",
    "ta51": "34ac723b15c4d6ac",
    "ta61": "63b498aa6de04836",
    "ta71": "1945dbaf3a73bbe0",
    "ta80": "04e5ff845e7068f9",
}
PUBLISHED_DIGEST_ALL = "a733826847ac8994fdea899b659d67b242a09c71593317956b15bf5ecf554221"


def test_taillard_generator_reproduces_published_instances_exactly() -> None:
    digests = {name: _published_digest(taillard_instance(name)) for name in taillard_names()}
    assert {name: digests[name][:16] for name in PUBLISHED_DIGESTS} == PUBLISHED_DIGESTS
    combined = hashlib.sha256()
    for name in taillard_names():
        combined.update(digests[name].encode())
    assert combined.hexdigest() == PUBLISHED_DIGEST_ALL


def test_taillard_sizes_and_names() -> None:
    names = taillard_names()
    assert names[0] == "ta01" and names[-1] == "ta80" and len(names) == 80
    assert taillard_instance("ta1").shape == (15, 15)
    assert taillard_instance("TA41").shape == (30, 20)
    assert taillard_instance("ta80").shape == (100, 20)
    with pytest.raises(JobShopError, match="ta01..ta80"):
        taillard_instance("ta81")


def test_taillard_lehmer_generator_matches_direct_formula() -> None:
    random = TaillardRandom(840612802)
    state = 840612802
    for _ in range(1000):
        state = 16807 * state % (2**31 - 1)
        assert random.next_state() == state


@pytest.mark.skipif(not SHARED_TAILLARD.is_dir(), reason="shared Taillard files not present")
def test_taillard_all_80_match_shared_files() -> None:
    for name in taillard_names():
        generated = taillard_instance(name)
        published = read_jobshop(SHARED_TAILLARD / f"{name}.txt")
        assert np.array_equal(generated.machines, published.machines), name
        assert np.array_equal(generated.durations, published.durations), name


def test_best_known_bounds() -> None:
    assert len(TAILLARD_BOUNDS) == 80
    assert best_known_upper_bound("ta01") == 1231
    assert is_closed("ta01") and not is_closed("ta41")
    assert all(lower <= upper for lower, upper in TAILLARD_BOUNDS.values())
    # The best-known makespan can never undercut the trivial machine/job bound.
    for name in ("ta01", "ta41", "ta71"):
        assert best_known_upper_bound(name) >= taillard_instance(name).lower_bound()
    assert gap_to_best_known("ta01", 1231 * 1.1) == pytest.approx(10.0)


def test_text_format_round_trip(tmp_path: Path) -> None:
    instance = random_jobshop(7, 4, seed=3)
    path = tmp_path / "small.txt"
    write_jobshop(instance, path)
    loaded = read_jobshop(path)
    assert loaded.name == "small"
    assert np.array_equal(loaded.machines, instance.machines)
    assert np.array_equal(loaded.durations, instance.durations)
    assert format_jobshop_text(loaded) == format_jobshop_text(instance)


def test_text_format_skips_comments() -> None:
    instance = parse_jobshop_text("# instance tiny\n# from somewhere\n2 2\n0 3 1 2\n1 4 0 1\n")
    assert instance.machines.tolist() == [[0, 1], [1, 0]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("2\n0 1 1 1\n", "line 1"),
        ("2 2\n0 3 1 2\n", "only 1 job lines"),
        ("2 2\n0 3 1 2\n1 4 0\n", r"line 3 \(job 1\)"),
        ("2 2\n0 3 5 2\n1 4 0 1\n", r"line 2 \(job 0\): machine 5 is outside the 2 machines"),
        ("2 2\n0 3 1 x\n1 4 0 1\n", "'x' is not an integer"),
        ("2 2\n0 3 1 -2\n1 4 0 1\n", r"line 2 \(job 0\): duration -2 is negative"),
        ("2 2\n0 3 1 2 0\n1 4 0 1\n", r"line 2 \(job 0\): expected 'machine duration' pairs"),
        ("2 2\nTimes\n3 2\n4 1\n", r"line 2: a 'Times' section needs a 'Machines' section"),
        ("2 2\nTimes\n3 2\n4 1\nMachines\n1 2\n", "the Machines section needs 2 lines"),
        ("2 2\nTimes\n3 2\n4 1\nMachines\n1 2\n2\n", r"line 7 \(job 1\): 1 machines but 2 durations"),
        ("title\n2 2\n0 3 1 2\n1 4 0 1\n", "line 1: expected 'jobs machines'"),
    ],
)
def test_text_format_errors_say_where(text: str, message: str) -> None:
    with pytest.raises(JobShopError, match=message):
        parse_jobshop_text(text, source="bad.txt")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JobShopError, match="does not exist"):
        read_jobshop(tmp_path / "nope.txt")


def test_random_generator_is_seeded() -> None:
    first = random_jobshop(6, 5, seed=11)
    again = random_jobshop(6, 5, seed=11)
    other = random_jobshop(6, 5, seed=12)
    assert np.array_equal(first.durations, again.durations) and np.array_equal(first.machines, again.machines)
    assert not np.array_equal(first.durations, other.durations)
    assert all(sorted(route) == list(range(5)) for route in first.machines.tolist())
    assert first.durations.min() >= 1 and first.durations.max() <= 99
    batch = random_jobshop_batch(3, 4, 4, seed=5)
    assert [instance.name for instance in batch] == [
        instance.name for instance in random_jobshop_batch(3, 4, 4, seed=5)
    ]
    assert np.array_equal(batch[2].durations, random_jobshop_batch(3, 4, 4, seed=5)[2].durations)


def test_check_schedule_names_the_violation() -> None:
    instance = JobShopInstance(machines=np.array([[0, 1], [1, 0]]), durations=np.array([[3, 2], [4, 1]]))
    instance.check_schedule(np.array([[0, 4], [0, 4]]))
    with pytest.raises(JobShopError, match="job 0 operation 1 starts at 2 before"):
        instance.check_schedule(np.array([[0, 2], [0, 5]]))
    with pytest.raises(JobShopError, match="machine 1"):
        instance.check_schedule(np.array([[0, 3], [0, 4]]))
    with pytest.raises(JobShopError, match="duration"):
        JobShopInstance(machines=np.array([[0]]), durations=np.array([[-1]]))


def test_zero_length_operations_occupy_no_machine() -> None:
    instance = JobShopInstance(machines=np.array([[0, 1], [0, 1]]), durations=np.array([[4, 0], [0, 3]]))
    # Job 1's zero-length operation sits inside job 0's first operation on machine 0.
    instance.check_schedule(np.array([[0, 4], [2, 2]]))
    assert instance.makespan(np.array([[0, 4], [2, 2]])) == 5


def test_standard_layout_with_ragged_reentrant_jobs_and_zero_durations() -> None:
    text = "# re-entrant\n3 3\n0 5 2 0 0 4\n1 7\n2 1 1 2 2 3 0 1\n"
    instance = parse_jobshop_text(text)
    assert instance.operation_counts.tolist() == [3, 1, 4]
    assert instance.routes() == [[(0, 5), (2, 0), (0, 4)], [(1, 7)], [(2, 1), (1, 2), (2, 3), (0, 1)]]
    assert not instance.is_rectangular
    assert parse_jobshop_text(format_jobshop_text(instance)).routes() == instance.routes()
    counted = parse_jobshop_text("3 3\n3 0 5 2 0 0 4\n1 1 7\n4 2 1 1 2 2 3 0 1\n")
    assert counted.routes() == instance.routes()


def test_one_based_machines_are_recognized() -> None:
    instance = parse_jobshop_text("2 3\n1 5 3 2 2 1\n3 4 1 1 2 2\n")
    assert instance.machines.tolist() == [[0, 2, 1], [2, 0, 1]]
    # Machine 0 present: 0-based even though machine 3 is out of range then.
    with pytest.raises(JobShopError, match=r"line 2 \(job 0\): machine 3 is outside"):
        parse_jobshop_text("2 3\n0 5 3 2\n1 4\n")


def test_taillard_layout_with_title_and_trailing_lines(tmp_path: Path) -> None:
    text = (
        "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound\n"
        " 2 3 840612802 398197754 1231 1005\nTimes\n 3 0 4\n 2 2\nMachines\n 1 3 2\n 3 1\n"
    )
    path = tmp_path / "tai.txt"
    path.write_text(text)
    instance = read_jobshop(path)
    assert instance.name == "tai" and instance.num_machines == 3
    assert instance.routes() == [[(0, 3), (2, 0), (1, 4)], [(2, 2), (0, 2)]]
    slim = parse_jobshop_text("2 2\n0 3 1 2\n1 4 0 1\n7\n0 1\n1 0\n")  # upper bound and solution lines
    assert slim.durations.tolist() == [[3, 2], [4, 1]]


def test_taillard_files_read_in_both_layouts() -> None:
    instance = taillard_instance("ta01")
    standard = parse_jobshop_text(format_jobshop_text(instance))
    times = "\n".join(" ".join(map(str, row)) for row in instance.durations.tolist())
    machines = "\n".join(" ".join(str(m + 1) for m in row) for row in instance.machines.tolist())
    taillard = parse_jobshop_text(f"15 15\nTimes\n{times}\nMachines\n{machines}\n")
    for other in (standard, taillard):
        assert np.array_equal(other.machines, instance.machines) and np.array_equal(other.durations, instance.durations)


def test_generators_of_each_shape_are_seeded() -> None:
    from ormodel.datasets.jssp import dmu_jobshop, general_jobshop

    dmu = dmu_jobshop(6, 8, seed=4)
    assert (dmu.machines[:, :4] < 4).all() and (dmu.machines[:, 4:] >= 4).all()
    assert np.array_equal(dmu.durations, dmu_jobshop(6, 8, seed=4).durations) and dmu.durations.max() <= 200
    general = general_jobshop(20, 4, seed=2, zero_fraction=0.2)
    assert not general.is_rectangular and (general.durations[general.valid] == 0).any()
    assert general.routes() == general_jobshop(20, 4, seed=2, zero_fraction=0.2).routes()
