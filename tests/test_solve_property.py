"""Property: every schedule solve() returns on random small instances is valid.

Random instances mix alternatives, capacity > 1, downtime, two-level BOMs and
scarce components with supplies and lead times; the independent checker must
accept whatever comes back, and the reported objective must match its own.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import solve_checked
from mtosched import Instance
from mtosched.solution import SolveStatus


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n_machines = draw(st.integers(1, 3))
    machines = [
        {"machine_id": f"M{i}", "capacity": draw(st.integers(1, 2))}
        for i in range(n_machines)
    ]
    routings: list[dict[str, Any]] = []
    products = ["SUB", "P1", "P2"]
    for product in products:
        for step in range(1, draw(st.integers(1, 3)) + 1):
            eligible = draw(
                st.lists(
                    st.integers(0, n_machines - 1), min_size=1, max_size=2, unique=True
                )
            )
            for m in eligible:
                routings.append(
                    {
                        "product_id": product,
                        "step": step,
                        "machine_id": f"M{m}",
                        "run_time": draw(
                            st.sampled_from(["0", "0.5", "1", "2.5", "4"])
                        ),
                        "setup_time": draw(st.integers(0, 3)),
                    }
                )
    bom = [
        {
            "product_id": "P1",
            "component_id": "SUB",
            "quantity": draw(st.sampled_from([1, 2])),
        },
        {"product_id": "P1", "component_id": "BAT", "quantity": 1},
        {"product_id": "SUB", "component_id": "TUBE", "quantity": "0.5"},
        {
            "product_id": "P2",
            "component_id": "BAT",
            "quantity": draw(st.sampled_from([1, 2])),
        },
    ]
    components = [
        {"component_id": "BAT", "on_hand": draw(st.integers(0, 3))},
        {
            "component_id": "TUBE",
            "on_hand": draw(st.sampled_from(["0", "1.5"])),
            "lead_time": draw(st.sampled_from([None, 40])),
        },
    ]
    supplies = [
        {"component_id": "BAT", "quantity": draw(st.integers(1, 3)), "arrival": t}
        for t in draw(st.lists(st.integers(0, 60), max_size=3))
    ]
    downtime = [
        {
            "machine_id": f"M{draw(st.integers(0, n_machines - 1))}",
            "start": s,
            "end": s + d,
        }
        for s, d in draw(
            st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)), max_size=2)
        )
    ]
    orders = [
        {
            "order_id": f"SO{i}",
            "product_id": draw(st.sampled_from(["P1", "P2", "SUB"])),
            "quantity": draw(st.integers(1, 3)),
            "release": (release := draw(st.integers(0, 20))),
            "due": release + draw(st.integers(0, 40)),
            "weight": draw(st.integers(1, 5)),
        }
        for i in range(draw(st.integers(1, 5)))
    ]
    return Instance.model_validate(
        {
            "machines": machines,
            "routings": routings,
            "bom": bom,
            "components": components,
            "supplies": supplies,
            "downtime": downtime,
            "orders": orders,
        }
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    instance=instances(),
    objective=st.sampled_from(
        ["weighted-tardiness", "makespan", "late-orders,weighted-tardiness"]
    ),
)
def test_random_instances_solve_checker_clean(
    instance: Instance, objective: str
) -> None:
    result = solve_checked(instance, objective, time_limit=3.0)
    assert result.status in (SolveStatus.optimal, SolveStatus.feasible)
