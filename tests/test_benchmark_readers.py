"""Readers of the standard benchmark formats (OR-Library wt, JSPLIB, FJSPLIB).

The expected values are read off the copied files by hand (see
``instances/benchmarks/PROVENANCE.md``); the broken files are written here.
When the full benchmark data is present (``../shared/benchmarks``), every
file in it must parse with the counts its ``SOURCE.md`` states.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from mtosched import Instance, InstanceError
from mtosched.io.benchmarks import iter_orlib_wt, read_fjs, read_jsplib, read_orlib_wt

COPIES = Path(__file__).resolve().parents[1] / "instances" / "benchmarks"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def steps_of(instance: Instance, product: str) -> dict[int, list[tuple[str, int]]]:
    """A product's routing as step -> [(machine, time)] in file order."""
    steps: dict[int, list[tuple[str, int]]] = {}
    for row in instance.routings:
        if row.product_id == product:
            steps.setdefault(row.step, []).append((row.machine_id, int(row.run_time)))
    return steps


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem_of(error: pytest.ExceptionInfo[InstanceError]):
    (problem,) = error.value.problems
    return problem


# ------------------------------------------------------------- OR-Library wt
def test_orlib_wt_first_instance_is_times_weights_due_dates() -> None:
    # wt40.txt starts with 40 processing times (26 ... 50), 40 weights (1 ... 3),
    # 40 due dates (1588 ... 1814).
    instance = read_orlib_wt(COPIES / "wt40.txt", 40, 1)
    assert instance.name == "wt40_1"
    assert [m.machine_id for m in instance.machines] == ["M1"]
    assert len(instance.orders) == 40
    assert len(instance.routings) == 40
    first, last = instance.orders[0], instance.orders[-1]
    assert (first.order_id, first.product_id) == ("J1", "J1")
    assert (first.weight, first.due, first.release) == (1, 1588, 0)
    assert (last.weight, last.due) == (3, 1814)
    assert first.quantity == Decimal(1)
    assert steps_of(instance, "J1") == {1: [("M1", 26)]}
    assert steps_of(instance, "J40") == {1: [("M1", 50)]}


def test_orlib_wt_index_counts_whole_instances() -> None:
    # Instance 2 starts at integer 121 (56); its last due date is integer 240.
    instance = read_orlib_wt(COPIES / "wt40.txt", 40, 2)
    assert instance.name == "wt40_2"
    assert steps_of(instance, "J1") == {1: [("M1", 56)]}
    assert instance.orders[-1].due == 1611


def test_orlib_wt_iterates_all_125_in_order() -> None:
    names = [i.name for i in iter_orlib_wt(COPIES / "wt40.txt", 40)]
    assert names == [f"wt40_{k}" for k in range(1, 126)]


def test_orlib_wt_due_date_zero_is_kept() -> None:
    # The file's very last integer is a due date of 0 (job 40 of instance 125).
    assert read_orlib_wt(COPIES / "wt40.txt", 40, 125).orders[-1].due == 0


def test_orlib_wt_index_out_of_range_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InstanceError) as error:
        read_orlib_wt(COPIES / "wt40.txt", 40, 126)
    problem = problem_of(error)
    assert problem.file == "wt40.txt"
    assert "from 1 to 125" in problem.expected


def test_orlib_wt_wrong_count_is_reported(tmp_path: Path) -> None:
    # 3 x 2 = 6 integers per instance of n = 2; 7 is not a multiple.
    path = write(tmp_path, "wt2.txt", "1 2\n3 4\n5 6\n7\n")
    with pytest.raises(InstanceError) as error:
        read_orlib_wt(path, 2, 1)
    problem = problem_of(error)
    assert (problem.file, problem.row, problem.value) == ("wt2.txt", 4, 7)
    assert "multiple of 3 x 2 = 6" in problem.expected


def test_orlib_wt_non_integer_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "wt2.txt", "1 2\n3 x\n5 6\n")
    with pytest.raises(InstanceError) as error:
        read_orlib_wt(path, 2, 1)
    assert (problem_of(error).row, problem_of(error).value) == (2, "x")


def test_orlib_wt_zero_weight_is_rejected(tmp_path: Path) -> None:
    # times 1 2, weights 0 4, due dates 5 6: the weight on line 2 is invalid.
    path = write(tmp_path, "wt2.txt", "1 2\n0 4\n5 6\n")
    with pytest.raises(InstanceError) as error:
        read_orlib_wt(path, 2, 1)
    problem = problem_of(error)
    assert (problem.row, problem.value) == (2, 0)
    assert "weight" in problem.expected


# --------------------------------------------------------------------- JSPLIB
def test_jsplib_ft06_routes_in_file_order_with_0_based_machines() -> None:
    instance = read_jsplib(COPIES / "ft06.txt")
    assert instance.name == "ft06"
    assert [m.machine_id for m in instance.machines] == [f"M{k}" for k in range(6)]
    assert len(instance.orders) == 6
    assert len(instance.routings) == 36
    # Job 1: "2 1 0 3 1 6 3 7 5 3 4 6".
    assert steps_of(instance, "J1") == {
        1: [("M2", 1)],
        2: [("M0", 3)],
        3: [("M1", 6)],
        4: [("M3", 7)],
        5: [("M5", 3)],
        6: [("M4", 6)],
    }
    # Job 6 ends with machine 2, time 1.
    assert steps_of(instance, "J6")[6] == [("M2", 1)]
    assert all(o.due == 0 and o.weight == 1 for o in instance.orders)


def test_jsplib_la01_skips_comments() -> None:
    instance = read_jsplib(COPIES / "la01.txt")
    assert (len(instance.orders), len(instance.machines)) == (10, 5)
    assert steps_of(instance, "J10")[1] == [("M4", 77)]


def test_jsplib_due_dates_and_weights_make_a_tardiness_instance() -> None:
    dues = [10, 20, 30, 40, 50, 60]
    weights = [4, 2, 2, 2, 2, 1]
    instance = read_jsplib(COPIES / "ft06.txt", due_dates=dues, weights=weights)
    assert [int(o.due) for o in instance.orders] == dues
    assert [int(o.weight) for o in instance.orders] == weights


def test_jsplib_due_dates_of_wrong_length_are_rejected() -> None:
    with pytest.raises(InstanceError) as error:
        read_jsplib(COPIES / "ft06.txt", due_dates=[1, 2])
    assert problem_of(error).column == "due_dates"


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("# only a comment\n", None, "header line"),
        ("2 2\n0 1 1 1\n", 1, "2 job lines"),
        ("1 2\n0 1 1\n", 2, "4 integers"),
        ("1 2\n0 1 2 1\n", 2, "machine from 0 to 1"),
        ("1 2\n0 1 1 -3\n", 2, "processing time >= 0"),
        ("1 2\n0 1 1 1\n9 9 9 9\n", 3, "nothing after the 1 job lines"),
        ("1 two\n0 1 1 1\n", 1, "an integer"),
    ],
)
def test_jsplib_malformed_files_name_the_line(
    tmp_path: Path, text: str, row: int | None, expected: str
) -> None:
    path = write(tmp_path, "bad.txt", text)
    with pytest.raises(InstanceError) as error:
        read_jsplib(path)
    problem = problem_of(error)
    assert (problem.file, problem.row) == ("bad.txt", row)
    assert expected in problem.expected


# -------------------------------------------------------------------- FJSPLIB
def test_fjs_mk01_alternatives_are_1_based_machines() -> None:
    instance = read_fjs(COPIES / "mk01.txt")
    assert instance.name == "mk01"
    assert [m.machine_id for m in instance.machines] == [f"M{k}" for k in range(1, 7)]
    assert len(instance.orders) == 10
    # Job 1: "6  2 1 5 3 4  3 5 3 3 5 2 1  2 3 4 6 2  3 6 5 2 6 1 1  1 3 1
    #          3 6 6 3 6 4 3"
    assert steps_of(instance, "J1") == {
        1: [("M1", 5), ("M3", 4)],
        2: [("M5", 3), ("M3", 5), ("M2", 1)],
        3: [("M3", 4), ("M6", 2)],
        4: [("M6", 5), ("M2", 6), ("M1", 1)],
        5: [("M3", 1)],
        6: [("M6", 6), ("M3", 6), ("M4", 3)],
    }
    assert sum(len(steps_of(instance, f"J{j}")) for j in range(1, 11)) == 55


def test_fjs_keeps_machines_no_operation_uses() -> None:
    # mk06's header says 15 machines; its operations use only machines 1-10.
    instance = read_fjs(COPIES / "mk06.txt")
    assert len(instance.machines) == 15
    used = {row.machine_id for row in instance.routings}
    assert used == {f"M{k}" for k in range(1, 11)}


def test_fjs_header_without_flexibility_field(tmp_path: Path) -> None:
    # One job: step 1 on machine 2 (7); step 2 on machine 1 (3) or 2 (4).
    path = write(tmp_path, "two.fjs", "1 2\n2  1 2 7  2 1 3 2 4\n")
    instance = read_fjs(path)
    assert instance.name == "two"
    assert steps_of(instance, "J1") == {1: [("M2", 7)], 2: [("M1", 3), ("M2", 4)]}


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("", None, "header line"),
        ("1\n1 1 1 5\n", 1, "n_jobs n_machines"),
        ("1 2 many\n1 1 1 5\n", 1, "a number"),
        ("0 2\n", 1, "number of jobs >= 1"),
        ("1 2 1\n1 1 3 5\n", 2, "machine from 1 to 2"),
        ("1 2 1\n1 1 0 5\n", 2, "at least 1"),
        ("1 2 1\n2 1 1 5\n", 2, "the line ends"),
        ("1 2 1\n1 1 1 5 9\n", 2, "extra integers"),
        ("1 2 1\n1 2 1 5 1 6\n", 2, "each machine once"),
        ("1 2 1\n1 0\n", 2, "machine count of operation 1, at least 1"),
        ("2 2 1\n1 1 1 5\n", 1, "2 job lines"),
    ],
)
def test_fjs_malformed_files_name_the_line(
    tmp_path: Path, text: str, row: int | None, expected: str
) -> None:
    path = write(tmp_path, "bad.fjs", text)
    with pytest.raises(InstanceError) as error:
        read_fjs(path)
    problem = problem_of(error)
    assert (problem.file, problem.row) == ("bad.fjs", row)
    assert expected in problem.expected


def test_missing_file_is_an_instance_error(tmp_path: Path) -> None:
    with pytest.raises(InstanceError) as error:
        read_fjs(tmp_path / "nowhere.fjs")
    assert "existing file" in problem_of(error).expected


# --------------------------------------------- every file of the shared data
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="shared/benchmarks is not next to the repository"
)


@needs_shared
@pytest.mark.parametrize("n", [40, 50, 100])
def test_every_orlib_wt_instance_parses(n: int) -> None:
    instances = list(iter_orlib_wt(SHARED / "smtwt_orlib" / f"wt{n}.txt", n))
    assert len(instances) == 125
    assert all(len(i.orders) == n for i in instances)


@needs_shared
def test_every_jsplib_instance_parses_with_each_machine_once_per_job() -> None:
    files = sorted((SHARED / "jssp_classic" / "instances").glob("*.txt"))
    files += sorted((SHARED / "jssp_twt" / "instances").glob("*.txt"))
    assert len(files) == 52 + 22
    for path in files:
        instance = read_jsplib(path)
        m = len(instance.machines)
        per_job = Counter((r.product_id, r.machine_id) for r in instance.routings)
        assert set(per_job.values()) == {1}, path.name
        assert len(instance.routings) == m * len(instance.orders), path.name


@needs_shared
def test_every_fjs_instance_parses_with_the_stated_sizes() -> None:
    # Sizes from fjsp/SOURCE.md: jobs x machines (operations).
    sizes = {
        "mk01": (10, 6, 55),
        "mk02": (10, 6, 58),
        "mk03": (15, 8, 150),
        "mk04": (15, 8, 90),
        "mk05": (15, 4, 106),
        "mk06": (10, 15, 150),
        "mk07": (20, 5, 100),
        "mk08": (20, 10, 225),
        "mk09": (20, 10, 240),
        "mk10": (20, 15, 240),
    }
    for name, (jobs, machines, operations) in sizes.items():
        instance = read_fjs(SHARED / "fjsp" / "brandimarte" / f"{name}.txt")
        steps = {(r.product_id, r.step) for r in instance.routings}
        assert (len(instance.orders), len(instance.machines), len(steps)) == (
            jobs,
            machines,
            operations,
        ), name
    hurink = sorted((SHARED / "fjsp" / "hurink").glob("*/*.txt"))
    assert len(hurink) == 69
    for path in hurink:
        assert read_fjs(path).orders, path
