"""FEFO planning and the sellable rule."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmacy_desk.domain.fefo import (
    Batch,
    FefoPlan,
    Pick,
    is_sellable,
    plan_fefo,
    refusal_reason,
    remaining_days,
)

TODAY = dt.date(2026, 2, 1)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


# --- the sellable rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remaining", "min_days", "sellable"),
    [
        (-1, 0, False),
        (0, 0, False),  # expires today: never sellable
        (1, 0, True),
        (1, 1, True),
        (29, 30, False),
        (30, 30, True),
        (31, 30, True),
        (-400, 30, False),
    ],
)
def test_is_sellable(remaining: int, min_days: int, sellable: bool) -> None:
    assert remaining_days(days(remaining), TODAY) == remaining
    assert is_sellable(days(remaining), TODAY, min_days) is sellable
    assert (refusal_reason(days(remaining), TODAY, min_days) is None) is sellable


def test_refusal_reasons() -> None:
    assert refusal_reason(dt.date(2026, 1, 31), TODAY, 30) == "Срок годности истёк 31.01.2026"
    assert refusal_reason(TODAY, TODAY, 0) == "Срок годности истекает сегодня, 01.02.2026"
    assert refusal_reason(days(12), TODAY, 30) == "Осталось 12 дн. — меньше минимального срока 30 дн."
    assert refusal_reason(days(30), TODAY, 30) is None


def test_negative_minimum_is_rejected() -> None:
    with pytest.raises(ValueError):
        is_sellable(days(10), TODAY, -1)
    with pytest.raises(ValueError):
        plan_fefo([], 1, today=TODAY, min_shelf_life_days=-1)


def test_batch_quantity_must_not_be_negative() -> None:
    with pytest.raises(ValueError):
        Batch(series="A", expiry=days(100), quantity=-1)
    assert Batch(series="A", expiry=days(100), quantity=0).quantity == 0


# --- plan_fefo ------------------------------------------------------------------------------


def test_first_expiring_first() -> None:
    late = Batch("L", days(300), 5, location="A-1")
    early = Batch("E", days(100), 2, location="B-2")
    plan = plan_fefo([late, early], 4, today=TODAY, min_shelf_life_days=30)
    assert plan == FefoPlan(picks=(Pick(early, 2), Pick(late, 2)), shortfall=0)
    assert plan.picked == 4
    assert plan.complete


def test_unsellable_batches_are_never_suggested() -> None:
    expired = Batch("X", days(-1), 10)
    today = Batch("T", TODAY, 10)
    too_short = Batch("S", days(29), 10)
    empty = Batch("Z", days(200), 0)
    good = Batch("G", days(30), 3)
    plan = plan_fefo([expired, today, too_short, empty, good], 5, today=TODAY, min_shelf_life_days=30)
    assert plan.picks == (Pick(good, 3),)
    assert plan.shortfall == 2
    assert not plan.complete


def test_ties_are_broken_by_series() -> None:
    b = Batch("B", days(100), 1)
    a = Batch("A", days(100), 1)
    c = Batch("C", days(100), 1)
    for order in ([b, a, c], [c, b, a], [a, c, b]):
        plan = plan_fefo(order, 2, today=TODAY, min_shelf_life_days=0)
        assert [pick.batch.series for pick in plan.picks] == ["A", "B"]


def test_identical_records_of_a_series_take_the_larger_first() -> None:
    small = Batch("A", days(100), 1)
    large = Batch("A", days(100), 5)
    for order in ([small, large], [large, small]):
        plan = plan_fefo(order, 2, today=TODAY, min_shelf_life_days=0)
        assert plan.picks == (Pick(large, 2),)


def test_zero_quantity() -> None:
    plan = plan_fefo([Batch("A", days(100), 5)], 0, today=TODAY, min_shelf_life_days=0)
    assert plan == FefoPlan(picks=(), shortfall=0)


def test_negative_quantity_is_rejected() -> None:
    with pytest.raises(ValueError):
        plan_fefo([Batch("A", days(100), 5)], -1, today=TODAY, min_shelf_life_days=0)


def test_no_stock() -> None:
    assert plan_fefo([], 3, today=TODAY, min_shelf_life_days=0) == FefoPlan(picks=(), shortfall=3)


def test_accepts_any_iterable() -> None:
    batches = (Batch(s, days(50 + i), 1) for i, s in enumerate("ABC"))
    plan = plan_fefo(batches, 2, today=TODAY, min_shelf_life_days=0)
    assert [pick.batch.series for pick in plan.picks] == ["A", "B"]


# --- properties -----------------------------------------------------------------------------

batches = st.builds(
    Batch,
    series=st.text(alphabet="ABC123", min_size=1, max_size=3),
    expiry=st.integers(min_value=-20, max_value=120).map(days),
    quantity=st.integers(min_value=0, max_value=20),
    gtin=st.none() | st.just("04607143560598"),
    location=st.none() | st.sampled_from(["A-1", "B-2"]),
)


@given(
    st.lists(batches, max_size=12),
    st.integers(min_value=0, max_value=150),
    st.integers(min_value=0, max_value=60),
)
def test_plan_properties(stock: list[Batch], quantity: int, min_days: int) -> None:
    plan = plan_fefo(stock, quantity, today=TODAY, min_shelf_life_days=min_days)
    sellable = [batch for batch in stock if is_sellable(batch.expiry, TODAY, min_days)]
    available = sum(batch.quantity for batch in sellable)

    # quantities add up, nothing invented
    assert plan.picked + plan.shortfall == quantity
    assert plan.picked == min(quantity, available)
    assert plan.shortfall >= 0
    for pick in plan.picks:
        assert 0 < pick.quantity <= pick.batch.quantity
        assert is_sellable(pick.batch.expiry, TODAY, min_days)
    # a batch is picked at most once (identity: picks reference the input objects)
    assert len({id(pick.batch) for pick in plan.picks}) == len(plan.picks)

    # picking order: expiry never decreases
    expiries = [pick.batch.expiry for pick in plan.picks]
    assert expiries == sorted(expiries)

    # FEFO optimality: whatever was picked, every sellable batch expiring strictly
    # earlier than it was used up completely
    picked = {id(pick.batch): pick.quantity for pick in plan.picks}
    if plan.picks:
        latest = max(expiries)
        for batch in sellable:
            if batch.expiry < latest:
                assert picked.get(id(batch), 0) == batch.quantity
    # only the last pick may leave something in its batch
    for pick in plan.picks[:-1]:
        assert pick.quantity == pick.batch.quantity


@given(st.lists(batches, max_size=8), st.integers(min_value=0, max_value=60))
def test_plan_is_deterministic(stock: list[Batch], quantity: int) -> None:
    forward = plan_fefo(stock, quantity, today=TODAY, min_shelf_life_days=10)
    backward = plan_fefo(list(reversed(stock)), quantity, today=TODAY, min_shelf_life_days=10)
    assert [(p.batch.expiry, p.batch.series, p.batch.location, p.batch.gtin, p.quantity) for p in forward.picks] == [
        (p.batch.expiry, p.batch.series, p.batch.location, p.batch.gtin, p.quantity) for p in backward.picks
    ]
    assert forward.shortfall == backward.shortfall
