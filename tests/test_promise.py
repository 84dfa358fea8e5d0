"""Capable-to-promise: quotes derived by hand on one machine, and on the e-bike
plant a quote that holds when the order is added with that due date."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from builders import make_instance, solve_checked
from conftest import INSTANCES, run_cli
from mtosched import Instance, load_instance
from mtosched.checker import check
from mtosched.domain import Rounding, Supply
from mtosched.io.instance_writer import write_instance
from mtosched.io.writers import write_results
from mtosched.model.params import SolverParams
from mtosched.solution import Result
from mtosched.workflows.promise import (
    Inquiry,
    Quote,
    promise,
    promise_batch,
    read_inquiries,
    with_order,
)
from mtosched.workflows.reschedule import reschedule

PARAMS = SolverParams(time_limit=5, workers=2, seed=1)


def one_machine(b_due: int, **tables: Any) -> Instance:
    """M1 only. A: 3 units of work, due 3; B: 2, due ``b_due``. N (the new
    product): 2. The current plan is A 0-3, B 3-5."""
    return make_instance(
        ["M1"],
        [
            {"product_id": p, "step": 1, "machine_id": "M1", "run_time": d}
            for p, d in (("PA", 3), ("PB", 2), ("PN", 2))
        ],
        [
            {"order_id": "A", "product_id": "PA", "due": 3},
            {"order_id": "B", "product_id": "PB", "due": b_due},
        ],
        **tables,
    )


def checked_quote(instance: Instance, quote: Quote) -> int:
    """The quoted completion, after checking its plan and the caps."""
    assert quote.promised, quote.reason
    assert quote.plan is not None and quote.data is not None
    report = check(quote.data.instance, quote.plan)
    assert report.ok, [str(v) for v in report.violations]
    assert report.completion[quote.inquiry.quote_id] == quote.completion
    assert quote.completion is not None
    return quote.completion


def test_new_order_fits_before_an_order_with_slack() -> None:
    # B is due at 10 and could finish at 7: N goes 3-5 (after A, due 3),
    # B 5-7. Quote 5, proven earliest.
    instance = one_machine(b_due=10)
    base = solve_checked(instance, time_limit=5)
    quote = promise(instance, "PN", base=base, params=PARAMS)
    assert checked_quote(instance, quote) == 5
    assert quote.earliest


def test_no_existing_order_may_become_later() -> None:
    # B due at 5 finishes at 5: it may not move, so N goes after it: 5-7.
    instance = one_machine(b_due=5)
    quote = promise(instance, "PN", params=PARAMS)
    assert checked_quote(instance, quote) == 7


def test_extra_tardiness_budget_lets_it_in_earlier() -> None:
    # With 2 units of extra tardiness for the others, B may end at 7: N 3-5.
    instance = one_machine(b_due=5)
    quote = promise(instance, "PN", extra_tardiness=2, params=PARAMS)
    assert checked_quote(instance, quote) == 5
    one = promise(instance, "PN", extra_tardiness=1, params=PARAMS)
    assert checked_quote(instance, one) == 7


def test_release_is_respected_and_rounded_up() -> None:
    instance = one_machine(b_due=10)
    quote = promise(instance, "PN", release="6.5", params=PARAMS)
    assert quote.inquiry.release == 7
    assert checked_quote(instance, quote) == 9  # 7-9 after B (3-5)


def _material_shop(a_due: int) -> Instance:
    """A (3 on M1) and N (2 on M1) each use one X: one on hand, PO-1 brings
    one at 20. The current plan runs A 0-3 with the stock."""
    shop = make_instance(
        ["M1"],
        [
            {"product_id": "PA", "step": 1, "machine_id": "M1", "run_time": 3},
            {"product_id": "PN", "step": 1, "machine_id": "M1", "run_time": 2},
        ],
        [{"order_id": "A", "product_id": "PA", "due": a_due}],
        bom=[
            {"product_id": "PA", "component_id": "X", "quantity": 1},
            {"product_id": "PN", "component_id": "X", "quantity": 1},
        ],
        components=[{"component_id": "X", "on_hand": 1}],
        supplies=[
            {"supply_id": "PO-1", "component_id": "X", "quantity": 1, "arrival": 20}
        ],
    )
    return shop


def test_material_it_would_use_is_named() -> None:
    # A is due at 3: it keeps the stock, N waits for PO-1: 20-22.
    tight = _material_shop(a_due=3)
    quote = promise(tight, "PN", params=PARAMS)
    assert checked_quote(tight, quote) == 22
    assert [(a.component_id, a.source, a.quantity) for a in quote.material] == [
        ("X", "PO-1", Decimal(1))
    ]
    # A is due at 30: N may take the stock first (0-2); A waits for PO-1 and
    # still ends by 30 (20-23).
    loose = _material_shop(a_due=30)
    quote = promise(loose, "PN", params=PARAMS)
    assert checked_quote(loose, quote) == 2
    assert [a.source for a in quote.material] == ["on_hand"]


def test_cannot_promise_what_is_not_there() -> None:
    shop = _material_shop(a_due=3)
    shop = shop.model_copy(update={"supplies": []})  # no PO-1: one X in all
    quote = promise(shop, "PN", params=PARAMS)
    assert not quote.promised
    assert "short of X: needs 1, 0 left after the orders in the plan" in (quote.reason)
    unknown = promise(shop, "NOPE", params=PARAMS)
    assert not unknown.promised and "unknown product" in unknown.reason


# ------------------------------------------------------------- the e-bike plant
@pytest.fixture(scope="module")
def ebike() -> tuple[Instance, Result]:
    instance = load_instance(INSTANCES / "ebike")
    base = solve_checked(instance, time_limit=10)
    return instance, base


def _added_with_due(instance: Instance, quote: Quote) -> Instance:
    """The instance with the quoted order due at the quoted completion."""
    assert quote.completion is not None
    added = with_order(instance, quote.inquiry)
    new = added.orders[-1].model_copy(update={"due": Decimal(quote.completion)})
    return added.model_copy(update={"orders": [*instance.orders, new]})


def _holds(instance: Instance, base: Result, quote: Quote) -> None:
    """The quote holds when the order is added with due = the quote.

    Its own plan has every existing order within its current tardiness and the
    new order on time. Solving the instance with the order added gives a
    checker-clean plan with the new order on time. Replanning from the quote's
    plan (the planner accepting the quote) also makes no other order later:
    the solve may find other plans of equal total tardiness that spread it
    differently over the orders, but never one better than the quote's, so it
    keeps the quote's plan.
    """
    before = {o.order_id: o.tardiness or 0 for o in base.orders}
    new_id = quote.inquiry.quote_id
    added = _added_with_due(instance, quote)
    assert quote.plan is not None
    witness = check(added, quote.plan)
    assert witness.ok, [str(v) for v in witness.violations]
    lateness = {
        o.order_id: witness.completion[o.order_id] - added.time(o.due, Rounding.down)
        for o in added.orders
    }
    assert lateness[new_id] <= 0
    for order_id, tardiness in before.items():
        assert max(0, lateness[order_id]) <= tardiness, order_id
    solved = solve_checked(added, time_limit=10)
    assert {o.order_id: o.late for o in solved.orders}[new_id] is False
    accepted = reschedule(added, quote.plan, now=0, params=PARAMS)
    assert accepted.result.solution is not None
    assert check(added, accepted.result.solution).ok
    after = {o.order_id: o.tardiness for o in accepted.result.orders}
    assert after[new_id] == 0
    for order_id, tardiness in before.items():
        assert (after[order_id] or 0) <= tardiness, order_id


def test_ebike_quote_holds_when_the_order_is_added(
    ebike: tuple[Instance, Result],
) -> None:
    # Every bike needs a battery, and stock plus supplies exactly cover the
    # orders in hand; spare frames (FRAME-28, made in-house) only need tube
    # and powder, which are plentiful.
    instance, base = ebike
    quote = promise(instance, "FRAME-28", 4, base=base, params=PARAMS)
    completion = checked_quote(instance, quote)
    assert completion > 0
    assert {a.component_id for a in quote.material} == {"TUBE-ALU", "PAINT-POWDER"}
    assert sum(a.quantity for a in quote.material if a.component_id == "TUBE-ALU") == (
        Decimal("24.8")  # 4 frames × 6.2 m
    )
    _holds(instance, base, quote)


def test_ebike_bike_needs_a_battery_that_is_all_committed(
    ebike: tuple[Instance, Result],
) -> None:
    instance, base = ebike
    quote = promise(instance, "CITY-E", 2, base=base, params=PARAMS)
    assert not quote.promised
    assert "short of BAT-500: needs 2, 0 left" in quote.reason


def test_ebike_bike_with_extra_batteries_ordered(
    ebike: tuple[Instance, Result],
) -> None:
    # Purchasing adds hub motors and 625 Wh batteries arriving on day 5: a
    # TREK-E inquiry can now be promised (against the plan for these data).
    instance, _ = ebike
    extra = [
        Supply(supply_id="PO-9001", component_id=c, quantity=2, arrival=5760)
        for c in ("MOTOR-250W", "BAT-625")
    ]
    today = instance.model_copy(update={"supplies": [*instance.supplies, *extra]})
    base = solve_checked(today, time_limit=10)
    quote = promise(today, "TREK-E", 2, base=base, params=PARAMS)
    completion = checked_quote(today, quote)
    assert completion >= 5760  # the batteries arrive then at the earliest
    used = {a.component_id: Decimal(0) for a in quote.material}
    for allocation in quote.material:
        used[allocation.component_id] += allocation.quantity
    assert used["BAT-625"] == used["MOTOR-250W"] == 2
    _holds(today, base, quote)


# ------------------------------------------------------------ batch and CLI
def test_batch_is_quoted_against_the_same_plan(tmp_path: Path) -> None:
    instance = one_machine(b_due=10)
    path = tmp_path / "inquiries.csv"
    path.write_text(
        "quote_id,product_id,quantity,release,weight\n"
        "first,PN,1,0,1\n"
        "second,PN,1,0,1\n"
        ",PA,1,4,2\n",
        encoding="utf-8",
    )
    inquiries = read_inquiries(instance, path)
    assert inquiries[2] == Inquiry("PA", Decimal(1), 4, Decimal(2), "Q3")
    quotes = promise_batch(instance, inquiries, params=PARAMS)
    # each against A 0-3, B 3-5: both PN inquiries get 5 (not 5 and 7); the
    # PA one (3 units, released at 4) runs 4-7 with B after it, 7-9 <= 10.
    assert [q.completion for q in quotes] == [5, 5, 7]


def test_bad_inquiries_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "inquiries.csv"
    path.write_text(
        "product_id,quantity,release\nPN,two,0\nNOPE,1,0\nPN,1,soon\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as error:
        read_inquiries(one_machine(b_due=10), path)
    lines = str(error.value).splitlines()
    assert lines == [
        "inquiries.csv line 2: quantity 'two' is not a number",
        "inquiries.csv line 3: product_id 'NOPE' has no routing",
        "inquiries.csv line 4: release: expected a number or an ISO-8601 datetime",
    ]


def test_cli_promise_one_and_batch(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    write_instance(one_machine(b_due=10), folder)
    base = write_results(solve_checked(one_machine(b_due=10)), tmp_path / "plan")
    out = tmp_path / "quote.csv"
    single = run_cli(
        "promise", folder, "--product", "PN", "--base", base, "-o", out,
        "-t", "5", "-w", "2", "--seed", "1",
    )  # fmt: skip
    assert single.exit_code == 0, single.output
    assert "QUOTE: 1 × PN: can be delivered at t=5, the earliest possible" in (
        single.output
    )
    with out.open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["quote_id"], row["status"], row["completion"]) == (
        "QUOTE",
        "quoted",
        "5",
    )
    inquiries = tmp_path / "inquiries.csv"
    inquiries.write_text("product_id,quantity\nPN,1\nPA,2\n", encoding="utf-8")
    many = run_cli(
        "promise", folder, "--batch", inquiries, "-o", out, "-t", "5", "-w", "2",
    )  # fmt: skip
    assert many.exit_code == 0, many.output
    assert "each quoted on its own against the same current plan" in many.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["quote_id"] for r in rows] == ["Q1", "Q2"]
    neither = run_cli("promise", folder)
    assert neither.exit_code == 2 and "either --product" in neither.output


def test_cli_promise_not_possible_exits_1(tmp_path: Path) -> None:
    shop = _material_shop(a_due=3).model_copy(update={"supplies": []})
    folder = tmp_path / "shop"
    write_instance(shop, folder)
    out = tmp_path / "quote.csv"
    refused = run_cli(
        "promise", folder, "--product", "PN", "-o", out, "-t", "5", "-w", "2"
    )
    assert refused.exit_code == 1
    assert "cannot be promised: short of X" in refused.output
    with out.open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["status"] == "not_possible" and row["completion"] == ""


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--quantity", "two", "--quantity 'two' is not a number"),
        ("--weight", "-1", "--weight '-1' must be a number >= 0"),
        ("--extra-tardiness", "x", "--extra-tardiness 'x' is not a number"),
        ("--release", "soon", "--release: expected a number or an ISO-8601"),
    ],
)
def test_cli_promise_bad_numbers(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    folder = tmp_path / "shop"
    write_instance(one_machine(b_due=10), folder)
    bad = run_cli("promise", folder, "--product", "PN", option, value)
    assert bad.exit_code == 2
    assert message in bad.output
