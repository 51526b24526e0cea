"""The pure planner every source shares: FEFO takes, give-backs, sales, suggestions."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pharmacy_desk.inventory.planning import (
    Slot,
    give_back,
    keep_earliest,
    merge_packs,
    suggest,
    take_fefo,
    take_for_sale,
)
from pharmacy_desk.inventory.shelf_life import ShelfLife, earliest_expiry

TODAY = date(2026, 11, 23)


def slot(key: str, expiry: date, quantity: int) -> Slot[str]:
    return Slot(key=key, sku="100234", series=key, expiry=expiry, quantity=quantity)


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


def test_earliest_expiry_follows_the_domain_rule() -> None:
    assert earliest_expiry(TODAY, 0) == day(1)  # expiring today is never sellable
    assert earliest_expiry(TODAY, 1) == day(1)
    assert earliest_expiry(TODAY, 30) == day(30)
    shelf = ShelfLife(10, {"a": 30}, today=lambda: TODAY)
    assert (shelf.earliest_expiry("a"), shelf.earliest_expiry("b")) == (day(30), day(10))


def test_take_fefo_skips_unsellable_and_empty_batches() -> None:
    slots = [slot("late", day(400), 5), slot("short", day(10), 5), slot("empty", day(60), 0), slot("ok", day(90), 2)]

    takes, shortfall = take_fefo(slots, 4, day(30))

    assert [(s.key, n) for s, n in takes] == [("ok", 2), ("late", 2)]
    assert shortfall == 0


def test_take_fefo_reports_the_shortfall() -> None:
    takes, shortfall = take_fefo([slot("ok", day(90), 2)], 5, day(30))
    assert [(s.key, n) for s, n in takes] == [("ok", 2)]
    assert shortfall == 3


def test_give_back_frees_latest_first() -> None:
    held = [slot("early", day(50), 3), slot("late", day(500), 2)]
    assert [(s.key, n) for s, n in give_back(held, 4)] == [("late", 2), ("early", 2)]
    assert [(s.key, n) for s, n in keep_earliest(held, 4)] == [("early", 3), ("late", 1)]


def test_a_sale_takes_the_reservation_then_sellable_stock_then_anything() -> None:
    held = [slot("held", day(50), 2)]
    free = [slot("expired", day(-5), 4), slot("fresh", day(300), 1)]

    from_held, from_free, missing = take_for_sale(held, free, 6, TODAY)

    assert [(s.key, n) for s, n in from_held] == [("held", 2)]
    assert [(s.key, n) for s, n in from_free] == [("fresh", 1), ("expired", 3)]
    assert missing == 0
    assert take_for_sale(held, [], 5, TODAY)[2] == 3


def test_suggestions_warn_about_a_reserved_batch_that_is_no_longer_sellable() -> None:
    held = [slot("old", day(5), 1)]
    free = [slot("new", day(100), 3)]

    picks = suggest(held, free, 3, day(30), TODAY, 30)

    assert [(p.batch.series, p.batch.quantity, p.reserved) for p in picks] == [("old", 1, True), ("new", 2, False)]
    assert picks[0].warning is not None and "30" in picks[0].warning
    assert picks[1].warning is None


def test_merge_packs_adds_up_the_same_batch() -> None:
    a = slot("a", day(40), 1).packs(2)
    b = slot("b", day(20), 1).packs(1)
    assert [(p.series, p.quantity) for p in merge_packs([a, b, a])] == [("b", 1), ("a", 4)]


batches = st.lists(
    st.tuples(st.integers(-20, 400), st.integers(0, 6)),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(batches=batches, want=st.integers(0, 40), min_days=st.integers(0, 60))
def test_take_fefo_never_takes_more_than_there_is_nor_anything_unsellable(
    batches: list[tuple[int, int]], want: int, min_days: int
) -> None:
    slots = [slot(f"s{i}", day(d), q) for i, (d, q) in enumerate(batches)]
    min_expiry = earliest_expiry(TODAY, min_days)

    takes, shortfall = take_fefo(slots, want, min_expiry)

    sellable = sum(s.quantity for s in slots if s.expiry >= min_expiry)
    assert sum(n for _, n in takes) + shortfall == want
    assert shortfall == max(0, want - sellable)
    assert all(0 < n <= s.quantity and s.expiry >= min_expiry for s, n in takes)
    # first expiry first: while a sellable batch keeps packs, nothing expiring later was taken
    used = {s.key: n for s, n in takes}
    for s in slots:
        if s.expiry >= min_expiry and used.get(s.key, 0) < s.quantity:
            assert all(t.expiry <= s.expiry for t, _ in takes if t.key != s.key)
