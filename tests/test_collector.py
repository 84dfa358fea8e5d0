"""The solve keeps long-lived data out of collections, and leaves gc as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mtosched.collector import collector_paused, long_lived_frozen


@pytest.fixture(autouse=True)
def clean_collector() -> Iterator[None]:
    """Each test starts (and ends) with nothing frozen and the collector on."""
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def test_frozen_inside_and_unfrozen_after() -> None:
    with long_lived_frozen() as freeze:
        assert gc.get_freeze_count() > 0
        kept = [object() for _ in range(100)]  # tracked? lists are
        before = gc.get_freeze_count()
        freeze()
        assert gc.get_freeze_count() > before  # the new list is frozen too
    assert gc.get_freeze_count() == 0
    assert kept


def test_unfrozen_even_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), long_lived_frozen():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_a_callers_own_freeze_is_left_alone() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with long_lived_frozen() as freeze:
        freeze()
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == frozen  # not unfrozen behind their back


def test_a_disabled_collector_is_left_alone() -> None:
    gc.disable()
    with long_lived_frozen() as freeze:
        freeze()
        assert gc.get_freeze_count() == 0
    assert not gc.isenabled()


def test_paused_collector_is_restored() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()  # it was off before: stays off


def test_solve_leaves_the_collector_as_it_found_it() -> None:
    from mtosched import SolverParams, solve
    from mtosched.generate import generate_instance

    instance = generate_instance("ebike", orders=30, seed=3)
    result = solve(instance, SolverParams(time_limit=3, workers=1, seed=0))
    assert result.solution is not None
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
