"""The instance generator (generate.py) and ``mtosched generate``.

The generator promises structure, not exact numbers: these tests check the
promises of ``docs/generator.md`` (determinism, sizes, 3-7 operations per
order, supply covering demand, the knobs moving things the right way) and that
what it makes loads, expands, gets a heuristic schedule and solves cleanly.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import run_cli
from mtosched import Instance, expand, load_instance
from mtosched.checker import check
from mtosched.domain import Rounding
from mtosched.expand import ProblemData
from mtosched.generate import (
    MACHINE_CAP,
    PROFILES,
    default_machines,
    default_products,
    generate_instance,
)
from mtosched.model.params import SolverParams
from mtosched.solve import solve


@functools.cache
def generated(profile: str = "ebike", orders: int = 50, **knobs) -> Instance:
    """A generated instance, made once per test session for these arguments."""
    return generate_instance(profile, orders, **knobs)


@functools.cache
def expanded(profile: str = "ebike", orders: int = 50, **knobs) -> ProblemData:
    """The expansion of :func:`generated`."""
    return expand(generated(profile, orders, **knobs))


def demand(data: ProblemData) -> dict[str, Decimal]:
    """Total need of every purchased component over all orders."""
    total: dict[str, Decimal] = defaultdict(Decimal)
    for operation in data.operations:
        for need in operation.needs:
            total[need.component_id] += need.quantity
    return total


def supply(instance: Instance) -> dict[str, Decimal]:
    """Stock plus every purchase order, per component."""
    total: dict[str, Decimal] = defaultdict(Decimal)
    for component in instance.components:
        total[component.component_id] += component.on_hand
    for receipt in instance.supplies:
        total[receipt.component_id] += receipt.quantity
    return total


def plant_load(data: ProblemData) -> float:
    """Mean work over machine capacity from t = 0 to the last release.

    Work is the mean duration over eligible machines: how busy the plant must
    be while orders keep arriving.
    """
    work = sum(
        sum(mode.duration for mode in op.modes) / len(op.modes)
        for op in data.operations
    )
    last_release = max(order.release for order in data.orders.values())
    return work / (sum(data.capacity.values()) * last_release)


def due_work_over_capacity(
    instance: Instance, data: ProblemData
) -> tuple[float, dict[str, float]]:
    """The most work due by a time t over the capacity up to t, for t ≥ a day.

    Work is the mean duration over eligible machines of every operation of the
    orders due by t; capacity is machine slots × t. Returned for the whole
    plant and per work centre.
    """
    centre_of = {m.machine_id: m.work_center or m.machine_id for m in instance.machines}
    slots: dict[str, int] = defaultdict(int)
    for machine_id, capacity in data.capacity.items():
        slots[centre_of[machine_id]] += capacity
    work: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for op in data.operations:
        centre = centre_of[op.modes[0].machine_id]
        duration = sum(mode.duration for mode in op.modes) / len(op.modes)
        work[op.order_id][centre] += duration
    due_by: dict[str, float] = defaultdict(float)
    plant = 0.0
    centres: dict[str, float] = defaultdict(float)
    for order in sorted(data.orders.values(), key=lambda o: o.due):
        for centre, minutes in work[order.order_id].items():
            due_by[centre] += minutes
        if order.due < 1440:
            continue
        total = sum(due_by.values()) / (sum(slots.values()) * order.due)
        plant = max(plant, total)
        for centre, minutes in due_by.items():
            centres[centre] = max(
                centres[centre], minutes / (slots[centre] * order.due)
            )
    return plant, dict(centres)


# ---------------------------------------------------------------- determinism
def test_same_seed_gives_equal_instances_and_other_seeds_differ() -> None:
    first = generate_instance("pc", 80, seed=7)
    assert generate_instance("pc", 80, seed=7) == first
    other = generate_instance("pc", 80, seed=8)
    assert other != first
    assert [o.product_id for o in other.orders] != [o.product_id for o in first.orders]


def test_generation_does_not_touch_the_global_random_state() -> None:
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    generate_instance("furniture", 30, seed=1)
    assert random.random() == expected


# ---------------------------------------------------------------- each profile
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_each_profile_validates_and_expands(profile: str) -> None:
    instance = generated(profile)
    data = expanded(profile)
    assert len(data.orders) == 50
    assert all(order.schedulable for order in data.orders.values())
    # About five operations per order, each order's structure 3-7 of them.
    assert 4.0 <= len(data.operations) / 50 <= 6.0
    assert all(3 <= len(order.operations) <= 7 for order in data.orders.values())
    # Every made item serves some product: no orphan subassemblies.
    made = {row.product_id for row in instance.routings}
    used = {line.component_id for line in instance.bom} & made
    products = made - used
    assert len(products) == default_products(50)
    # Validation went through the normal Instance model: round trip via a dict.
    assert Instance.model_validate(instance.model_dump()) == instance


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_each_profile_has_the_promised_plant_features(profile: str) -> None:
    instance = generated(profile, 300)
    data = expanded(profile, 300)
    # A station that runs several work orders at once.
    assert any(machine.capacity > 1 for machine in instance.machines)
    # Alternative machines with different speeds for some steps.
    runs: dict[tuple[str, int], set[Decimal]] = defaultdict(set)
    for row in instance.routings:
        runs[(row.product_id, row.step)].add(row.run_time)
    assert any(len(times) > 1 for times in runs.values())
    eligible = {len(op.modes) for op in data.operations}
    assert 1 in eligible and eligible <= {1, 2, 3, 4}
    # Subassemblies made in house, on two levels somewhere.
    assert any(wo.parent_id is not None for wo in data.work_orders.values())
    assert any(wo_id.count("/") == 2 for wo_id in data.work_orders)
    # Fractional component quantities (kg, m, m²).
    assert any(
        line.quantity != line.quantity.to_integral_value() for line in instance.bom
    )
    # Lead times, purchase orders, maintenance windows.
    assert any(c.lead_time is not None for c in instance.components)
    assert instance.supplies and instance.downtime
    weights = {order.weight for order in instance.orders}
    assert weights <= {1, 2, 3, 5} and 5 in weights


def test_due_dates_follow_releases_and_releases_spread_over_the_horizon() -> None:
    data = expanded("ebike", 300)
    releases = [order.release for order in data.orders.values()]
    assert all(order.due > order.release for order in data.orders.values())
    backlog = sum(1 for release in releases if release == 0) / len(releases)
    assert 0.1 <= backlog <= 0.3  # BACKLOG_SHARE = 0.2
    later = sorted(r for r in releases if r > 0)
    assert later[len(later) // 4] < max(releases) / 2 < later[3 * len(later) // 4]


def test_backlog_due_dates_are_spread_like_promises_over_the_horizon() -> None:
    """Backlog orders are open at 0 but due as if promised over 2/3 of H."""
    data = expanded("ebike", 500)
    horizon = max(order.release for order in data.orders.values())
    dues = sorted(o.due for o in data.orders.values() if o.release == 0)
    assert len(dues) >= 50
    # Promise times uniform over [0, 2/3 H], then the allowance: spread over
    # the horizon, not all due within the first days (as when they were due
    # at 0 + allowance: median 0.09 H, 99 % before H / 3).
    assert dues[len(dues) // 2] >= horizon / 4
    assert sum(1 for due in dues if due < horizon / 3) <= 0.6 * len(dues)
    assert dues[-1] >= horizon / 2


@pytest.mark.parametrize(
    ("orders", "knobs"), [(500, {"due_tightness": 1.0}), (2000, {})]
)
def test_work_due_by_any_time_stays_within_capacity(
    orders: int, knobs: dict[str, float]
) -> None:
    """From the first day on, the work due by any time t is at most 85 % (the
    target load) of the plant's capacity up to t; with default knobs no work
    centre owes more than its capacity either. Before the backlog's due dates
    were spread: 1.25 and 0.97 for the plant, 1.08 at the busiest centre."""
    instance = generated("ebike", orders, **knobs)
    data = expanded("ebike", orders, **knobs)
    plant, centres = due_work_over_capacity(instance, data)
    assert plant <= 0.85, plant
    if not knobs:
        assert max(centres.values()) <= 1.0, centres


# ----------------------------------------------------------------- materials
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_stock_and_purchase_orders_cover_the_demand(profile: str) -> None:
    instance, data = generated(profile, 300), expanded(profile, 300)
    needed, available = demand(data), supply(instance)
    assert needed
    assert all(available[c] >= quantity for c, quantity in needed.items())
    stock = {c.component_id: c.on_hand for c in instance.components}
    # Stock alone covers only part of the demand: purchase orders matter.
    assert sum(1 for c, q in needed.items() if stock.get(c, 0) < q) >= len(needed) / 2


def test_shortage_leaves_some_components_short() -> None:
    instance = generated("furniture", 300, shortage=0.3)
    data = expanded("furniture", 300, shortage=0.3)
    needed, available = demand(data), supply(instance)
    short = [c for c, quantity in needed.items() if available[c] < quantity]
    assert short
    assert len(short) < len(needed)
    for component in short:
        assert available[component] <= needed[component] * Decimal("0.7")


def _mean_arrival(instance: Instance) -> float:
    arrivals = [instance.time(s.arrival, Rounding.up) for s in instance.supplies]
    return sum(arrivals) / len(arrivals)


def test_supply_tightness_means_less_stock_and_later_deliveries() -> None:
    loose = generate_instance("pc", 400, supply_tightness=0.0, seed=3)
    tight = generate_instance("pc", 400, supply_tightness=1.0, seed=3)
    assert sum(c.on_hand for c in tight.components) < sum(
        c.on_hand for c in loose.components
    ) / Decimal(2)
    assert _mean_arrival(tight) > 2 * _mean_arrival(loose)
    # Still enough in total.
    needed = demand(expand(tight))
    available = supply(tight)
    assert all(available[c] >= quantity for c, quantity in needed.items())


def test_due_tightness_shortens_the_allowance() -> None:
    allowances = []
    for tightness in (0.0, 0.5, 1.0):
        data = expand(generate_instance("ebike", 200, due_tightness=tightness))
        allowances.append(sum(o.due - o.release for o in data.orders.values()))
    assert allowances[0] > 2 * allowances[1] > 4 * allowances[2]


# -------------------------------------------------------------- times, knobs
def test_datetimes_and_minute_numbers_give_the_same_problem() -> None:
    with_dates = generate_instance("furniture", 60, datetimes=True, seed=2)
    numeric = generate_instance("furniture", 60, datetimes=False, seed=2)
    assert with_dates.settings.start is not None and numeric.settings.start is None
    a, b = expand(with_dates), expand(numeric)
    assert [(o.release, o.due) for o in a.orders.values()] == [
        (o.release, o.due) for o in b.orders.values()
    ]
    assert [op.modes for op in a.operations] == [op.modes for op in b.operations]
    assert a.downtime == b.downtime
    assert {c: s.receipts for c, s in a.supplies.items()} == {
        c: s.receipts for c, s in b.supplies.items()
    }


def test_machines_and_products_knobs() -> None:
    assert default_machines(100) == 9
    assert default_machines(2000) == 28
    assert default_machines(100_000) == MACHINE_CAP
    assert default_products(100) == 16
    instance = generate_instance("ebike", 100, machines=15, products=5)
    assert len(instance.machines) == 15
    ordered = {order.product_id for order in instance.orders}
    components = {line.component_id for line in instance.bom}
    top_level = {r.product_id for r in instance.routings} - components
    assert ordered <= top_level
    assert len(top_level) == 5


def test_knobs_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile 'boats'"):
        generate_instance("boats")
    with pytest.raises(ValueError, match="orders must be at least 1"):
        generate_instance(orders=0)
    with pytest.raises(ValueError, match="machines must be at least 7"):
        generate_instance("ebike", 20, machines=3)
    with pytest.raises(ValueError, match="due_tightness"):
        generate_instance(due_tightness=1.5)
    with pytest.raises(ValueError, match="shortage"):
        generate_instance(shortage=1.0)


# ---------------------------------------------------------------------- scale
def test_a_two_thousand_order_plant() -> None:
    instance = generated("ebike", 2000)
    data = expanded("ebike", 2000)
    assert len(instance.orders) == 2000
    assert len(instance.machines) == 28
    assert 8_000 <= len(data.operations) <= 12_000
    assert all(order.schedulable for order in data.orders.values())
    # Loaded like a busy plant, not idle and not hopeless.
    assert 0.7 <= plant_load(data) <= 0.95
    # A few weeks to a few months of work.
    last_release = max(order.release for order in data.orders.values())
    assert 14 * 1440 <= last_release <= 120 * 1440


# ------------------------------------------------------------------------ CLI
def test_cli_writes_a_csv_folder_that_loads_back_equal(tmp_path: Path) -> None:
    out = tmp_path / "plant"
    result = run_cli(
        "generate", out, "--profile", "pc", "--orders", "40", "--seed", "5",
        "--due-tightness", "0.7",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "orders.csv").is_file()
    expected = generate_instance("pc", 40, due_tightness=0.7, seed=5)
    assert load_instance(out) == expected
    data = expand(expected)
    assert f"operations        {len(data.operations)}" in result.output
    assert "orders            40" in result.output
    assert f"wrote {out}" in result.output


def test_cli_format_json_with_numeric_times(tmp_path: Path) -> None:
    result = run_cli(
        "generate", tmp_path / "plant", "--format", "json", "--orders", "20",
        "--numeric-times", "--profile", "furniture",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = tmp_path / "plant.json"
    assert "start" not in json.loads(written.read_text())["settings"]
    expected = generate_instance("furniture", 20, datetimes=False)
    assert load_instance(written) == expected


def test_cli_refuses_contradicting_format_and_impossible_knobs(tmp_path: Path) -> None:
    result = run_cli("generate", tmp_path / "x.json", "--format", "xlsx")
    assert result.exit_code == 2
    assert "--format xlsx does not match" in result.output
    assert not (tmp_path / "x.json").exists()
    result = run_cli("generate", tmp_path / "y", "--machines", "3")
    assert result.exit_code == 2
    assert "machines must be at least 7" in result.output
    result = run_cli("generate", tmp_path / "z", "--profile", "boats")
    assert result.exit_code == 2


# ------------------------------------------------------------ solving them
def test_heuristic_schedules_a_generated_plant_cleanly() -> None:
    heuristic = pytest.importorskip("mtosched.heuristic")
    instance = generated("ebike", 200)
    solution = heuristic.construct(expanded("ebike", 200))
    assert len(solution.operations) == len(expanded("ebike", 200).operations)
    report = check(instance, solution)
    assert report.ok, report.violations[:5]


def test_solver_schedules_a_small_generated_plant_cleanly() -> None:
    instance = generated("furniture", 30)
    result = solve(instance, SolverParams(time_limit=10, workers=2, seed=0))
    assert result.solution is not None, result.log
    report = check(instance, result.solution)
    assert report.ok, report.violations[:5]
    assert report.scheduled_orders == 30
    assert report.weighted_tardiness == result.objective_value
