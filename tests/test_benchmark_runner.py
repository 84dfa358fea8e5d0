"""The benchmark runner's result files and ``--peer-from`` (no solving)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from benchmarks import run
from benchmarks.report import Row, read_csv, write_csv
from benchmarks.sets import BenchmarkSet, InstanceSpec, Reference
from benchmarks.worker import Job, Outcome

PROTOCOL = "- Objective: makespan; time limit 5 s per instance; 2 workers; seed 0"


def row(instance: str, solver: str, **changes: object) -> Row:
    values: dict[str, object] = {
        "set": "tiny",
        "instance": instance,
        "solver": solver,
        "objective_name": "makespan",
        "status": "feasible",
        "objective": Decimal(12),
        "best_bound": Decimal(10),
        "reference": 10,
        "reference_status": "optimal",
        "rpd": 20.0,
        "at_reference": False,
        "proven_optimal": False,
        "wall_time_s": 5.0123,
        "peak_memory_mib": 120.5,
        "check": "ok",
        "error": "",
        "notes": "",
    }
    values.update(changes)
    return Row(**values)  # type: ignore[arg-type]


def earlier_study(folder: Path, rows: list[Row], table: str | None = PROTOCOL) -> Path:
    """A results CSV and, unless ``table`` is None, the markdown next to it."""
    path = folder / "2026-01-01-tiny.csv"
    write_csv(path, rows)
    if table is not None:
        path.with_suffix(".md").write_text(
            f"# tiny\n\n{table}\n- Machine: some machine\n"
            "- Software: mtosched 0.1.0 (git abc), ortools 9, Python 3.11, "
            "pyjobshop 0.0.9\n",
            encoding="utf-8",
        )
    return path


def test_read_csv_round_trips_write_csv(tmp_path: Path) -> None:
    rows = [
        row("a", "mtosched"),
        row(
            "b",
            "pyjobshop",
            status="error",
            objective=None,
            best_bound=None,
            reference=None,
            reference_status="",
            rpd=None,
            at_reference=None,
            proven_optimal=None,
            wall_time_s=None,
            peak_memory_mib=None,
            check="no schedule",
            error='timeout, "killed"',
            notes="first; second, with comma",
        ),
        row("c", "pyjobshop", objective=Decimal("12.5"), at_reference=True, rpd=-1.5),
    ]
    path = tmp_path / "rows.csv"
    write_csv(path, rows)
    back = read_csv(path)
    assert back == rows
    assert isinstance(back[0].objective, Decimal)
    assert isinstance(back[0].reference, int)
    assert back[2].at_reference is True and back[1].at_reference is None
    again = tmp_path / "again.csv"
    write_csv(again, back)
    assert again.read_text() == path.read_text()


def test_read_csv_names_the_file_and_line_of_a_bad_cell(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    write_csv(path, [row("a", "mtosched")])
    path.write_text(path.read_text().replace(",false,false,", ",maybe,false,"))
    with pytest.raises(ValueError, match=r"rows\.csv, line 2: .*maybe"):
        read_csv(path)


def test_read_csv_rejects_another_csv(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("instance,makespan\na,1\n")
    with pytest.raises(ValueError, match="not a benchmark results CSV"):
        read_csv(path)


def load(path: Path, keys: list[str], **changes: object):
    arguments: dict[str, object] = {
        "time_limit": 5.0,
        "workers": 2,
        "seed": 0,
        "references": {k: 10 for k in keys},
    }
    arguments.update(changes)
    return run.load_peer_rows(path, "tiny", "makespan", keys, **arguments)  # type: ignore[arg-type]


def test_load_peer_rows_takes_only_this_runs_peer_rows(tmp_path: Path) -> None:
    path = earlier_study(
        tmp_path,
        [
            row("a", "mtosched"),
            row("a", "pyjobshop", objective=Decimal(11)),
            row("b", "pyjobshop"),
            row("z", "pyjobshop"),
        ],
    )
    rows, note = load(path, ["a", "b", "c"])
    assert list(rows) == ["a", "b"]
    assert rows["a"].solver == "pyjobshop" and rows["a"].objective == Decimal(11)
    assert "PyJobShop 0.0.9 figures copied from" in note
    assert str(path) in note and "not re-run" in note
    assert "same instances, time limit, workers, seed" in note
    assert "1 of this run's 3 instances are missing" in note


def test_load_peer_rows_without_a_table_says_the_protocol_is_unverified(
    tmp_path: Path,
) -> None:
    path = earlier_study(tmp_path, [row("a", "pyjobshop")], table=None)
    rows, note = load(path, ["a"])
    assert list(rows) == ["a"]
    assert "not verified" in note and "missing" not in note


@pytest.mark.parametrize(
    ("rows", "changes", "message"),
    [
        ([row("a", "pyjobshop", set="wt40")], {}, "set 'wt40'.*'tiny'"),
        (
            [row("a", "pyjobshop", objective_name="weighted_tardiness")],
            {},
            "objective 'weighted_tardiness'",
        ),
        ([row("a", "pyjobshop")], {"time_limit": 10.0}, "time limit 5 s there, 10 s"),
        ([row("a", "pyjobshop")], {"workers": 4}, "workers 2 there, 4 here"),
        ([row("a", "pyjobshop")], {"seed": 3}, "seed 0 there, 3 here"),
        ([row("a", "pyjobshop")], {"references": {"a": 9}}, "reference value of a"),
        ([row("a", "mtosched")], {}, "no PyJobShop rows"),
        ([row("a", "pyjobshop"), row("a", "pyjobshop")], {}, "two PyJobShop rows"),
    ],
)
def test_load_peer_rows_mismatch_is_an_error_naming_the_file(
    tmp_path: Path, rows: list[Row], changes: dict[str, object], message: str
) -> None:
    path = earlier_study(tmp_path, rows)
    with pytest.raises(SystemExit, match=rf"2026-01-01-tiny\.csv.*{message}"):
        load(path, ["a"], **changes)


def test_main_with_peer_from_copies_the_peer_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = [InstanceSpec(k, "jsplib", f"{k}.txt") for k in ("a", "b")]
    tiny = BenchmarkSet(
        name="tiny",
        objective="makespan",
        time_limit=5.0,
        description="two fake instances",
        instances=lambda data: specs,
        references=lambda data: {s.key: Reference(10, "optimal") for s in specs},
    )
    monkeypatch.setitem(run.SETS, "tiny", tiny)
    solved: list[Job] = []

    def fake_run(job: Job) -> Outcome:
        solved.append(job)
        return Outcome("optimal", Decimal(10), Decimal(10), 1.0, 100.0, "ok")

    monkeypatch.setattr(run, "run_isolated", fake_run)
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    source = earlier_study(earlier, [row("a", "mtosched"), row("a", "pyjobshop")])
    output = tmp_path / "out"
    argv = ["--set", "tiny", "--data", str(tmp_path), "--output", str(output)]
    argv += ["--tag", "t", "--peer-from", str(source)]

    assert run.main(argv) == 0

    assert [job.solver for job in solved] == ["mtosched", "mtosched"]
    (csv,) = output.glob("*-tiny-t.csv")
    written = read_csv(csv)
    assert [(r.instance, r.solver) for r in written] == [
        ("a", "mtosched"),
        ("a", "pyjobshop"),
        ("b", "mtosched"),
    ]
    assert written[1] == row("a", "pyjobshop")
    table = csv.with_suffix(".md").read_text()
    assert f"--peer-from {source}" in table
    assert f"- Peer: PyJobShop 0.0.9 figures copied from {source}" in table
    assert "1 of this run's 2 instances are missing" in table
    assert "| PyJobShop (CP-SAT) |" in table
    assert "Side by side on the 1 instances" in table
    assert "peer objective" in table


def test_peer_and_peer_from_are_mutually_exclusive(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run.parse_arguments(["--set", "wt40", "--peer", "--peer-from", "x.csv"])


def test_scaling_exponent_against_operations_or_model_size() -> None:
    from benchmarks.scaling import fitted_exponent

    # build time linear in the model, the model growing as operations^1.2
    rows = [
        {"operations": n, "model_size": n**1.2, "model_build_s": 0.001 * n**1.2}
        for n in (500, 2500, 10000, 50000)
    ]
    assert fitted_exponent(rows, "model_build_s") == pytest.approx(1.2)
    assert fitted_exponent(rows, "model_build_s", against="model_size") == (
        pytest.approx(1.0)
    )
    assert fitted_exponent(rows[:1], "model_build_s") is None
