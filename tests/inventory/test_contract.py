"""The same reservation lifecycle on every source: embedded (SQLite, PostgreSQL) and 1C (the stub).

Sample stock (resources/stock/sample_stock.csv), today 2026-11-23, ``store`` keeps 30 days minimum
(earliest sellable expiry 2026-12-23), ``lax_store`` none (earliest 2026-11-24):

- 100234 Нурофен: NF2409A 01.11.2026 ×3 (expired), NF2501B 10.12.2026 ×2 (short-dated), NF2503C 30.06.2027 ×5,
  NF2506D 31.03.2028 ×10
- 100777 Аспирин Кардио: AK311 20.11.2026 ×2 (expired), AK402 28.02.2027 ×4, AK405 ×0, AK410 31.05.2028 ×12
- 101100 Энтерофурил: EF5501 24.11.2026 ×2 (one day left), EF5603 31.05.2027 ×6
- 101300 Активированный уголь: AU7711 23.11.2026 ×10 (expires today), AU7802 31.12.2028 ×50
- 101015 Ингавирин: IG0909 30.06.2027 ×3;  101905 Но-шпа форте: NSF211 ×0
"""

from __future__ import annotations

from datetime import date

import pytest

from pharmacy_desk.inventory import InvalidRequest, ReservationState, Want
from pharmacy_desk.inventory.models import BatchQuantity, ReservationResult
from tests.inventory.inventory_support import Bench, line


def held(result: ReservationResult) -> dict[str, list[tuple[str, int]]]:
    return {ln.sku: [(b.series, b.quantity) for b in ln.batches] for ln in result.lines}


def packs(items: tuple[BatchQuantity, ...]) -> list[tuple[str, str, int]]:
    return [(p.sku, p.series, p.quantity) for p in items]


async def available(bench: Bench, sku: str, store: str | None = None) -> dict[str, tuple[int, int]]:
    """series → (on hand, reserved)."""
    stock = await bench.source.stock(store or bench.store, [sku])
    return {b.series: (b.quantity, b.reserved) for b in stock[sku].batches}


async def test_reserve_takes_first_expiring_sellable_batches(bench: Bench) -> None:
    result = await bench.source.reserve(bench.store, "order-1", [line("100234", 7), line("100777", 5)])

    assert result.state is ReservationState.RESERVED
    assert not result.replayed
    assert result.complete
    assert held(result) == {
        "100234": [("NF2503C", 5), ("NF2506D", 2)],  # NF2409A expired, NF2501B has 17 days < 30
        "100777": [("AK402", 4), ("AK410", 1)],  # AK311 expired, AK405 empty
    }
    assert (await available(bench, "100234"))["NF2503C"] == (5, 5)


async def test_expired_and_short_dated_are_never_reserved_whatever_the_shortfall(bench: Bench) -> None:
    result = await bench.source.reserve(bench.store, "order-1", [line("100234", 20)])

    assert held(result) == {"100234": [("NF2503C", 5), ("NF2506D", 10)]}
    only = result.lines[0]
    assert (only.requested, only.reserved, only.shortfall) == (20, 15, 5)
    assert not result.complete


async def test_without_a_minimum_one_full_day_left_is_enough_and_today_is_not(bench: Bench) -> None:
    result = await bench.source.reserve(bench.lax_store, "order-1", [line("101100", 3), line("101300", 11)])

    assert held(result) == {
        "101100": [("EF5501", 2), ("EF5603", 1)],  # expires tomorrow: sellable today
        "101300": [("AU7802", 11)],  # AU7711 expires today: never
    }


async def test_partial_availability_is_reported_per_line(bench: Bench) -> None:
    lines = [line("101015", 5), line("101905", 1), line("999999", 2), line("100777", 1)]
    result = await bench.source.reserve(bench.store, "order-1", lines)

    assert [(ln.sku, ln.requested, ln.reserved, ln.shortfall) for ln in result.lines] == [
        ("101015", 5, 3, 2),
        ("101905", 1, 0, 1),  # in the catalogue, none on the shelf
        ("999999", 2, 0, 2),  # unknown to the source
        ("100777", 1, 1, 0),
    ]
    assert [s.sku for s in result.shortfalls] == ["101015", "101905", "999999"]
    assert (result.requested, result.reserved) == (9, 4)


async def test_a_repeated_reserve_returns_the_existing_reservation(bench: Bench) -> None:
    first = await bench.source.reserve(bench.store, "order-1", [line("100234", 3)])
    again = await bench.source.reserve(bench.store, "order-1", [line("100234", 9), line("100777", 1)])

    assert again.replayed
    assert held(again) == held(first) == {"100234": [("NF2503C", 3)]}
    assert (await available(bench, "100234"))["NF2503C"] == (5, 3)
    assert await bench.source.reservation(bench.store, "order-1") == again


async def test_orders_do_not_share_packs(bench: Bench) -> None:
    a = await bench.source.reserve(bench.store, "order-a", [line("100234", 4)])
    b = await bench.source.reserve(bench.store, "order-b", [line("100234", 4)])

    assert held(a) == {"100234": [("NF2503C", 4)]}
    assert held(b) == {"100234": [("NF2503C", 1), ("NF2506D", 3)]}


async def test_adjust_down_frees_the_latest_expiring_packs(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("100234", 7), line("100777", 2)])

    adjusted = await bench.source.adjust(bench.store, "order-1", [line("100234", 3), line("100777", 2)])

    # held NF2503C ×5 + NF2506D ×2: the two latest (NF2506D) go first, then two of NF2503C
    assert packs(adjusted.freed) == [("100234", "NF2503C", 2), ("100234", "NF2506D", 2)]
    assert adjusted.added == ()
    assert held(adjusted.reservation) == {"100234": [("NF2503C", 3)], "100777": [("AK402", 2)]}
    assert (await available(bench, "100234"))["NF2506D"] == (10, 0)

    again = await bench.source.adjust(bench.store, "order-1", [line("100234", 3), line("100777", 2)])
    assert again.freed == () and again.added == ()
    assert again.reservation.replayed
    assert held(again.reservation) == held(adjusted.reservation)


async def test_adjust_follows_a_removed_line_and_a_substitute(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("100234", 2), line("101905", 1)])

    adjusted = await bench.source.adjust(bench.store, "order-1", [line("101015", 1), line("101905", 0)])

    assert packs(adjusted.freed) == [("100234", "NF2503C", 2)]
    assert packs(adjusted.added) == [("101015", "IG0909", 1)]
    assert held(adjusted.reservation) == {"101015": [("IG0909", 1)], "101905": []}
    assert (await available(bench, "100234"))["NF2503C"] == (5, 0)


async def test_adjust_retries_a_shortfall_when_stock_is_there(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-a", [line("101015", 3)])
    b = await bench.source.reserve(bench.store, "order-b", [line("101015", 2)])
    assert b.lines[0].shortfall == 2

    await bench.source.release(bench.store, "order-a")
    adjusted = await bench.source.adjust(bench.store, "order-b", [line("101015", 2)])

    assert packs(adjusted.added) == [("101015", "IG0909", 2)]
    assert adjusted.reservation.complete


async def test_release_gives_everything_back_once(bench: Bench) -> None:
    before = await available(bench, "100234")
    await bench.source.reserve(bench.store, "order-1", [line("100234", 7)])

    released = await bench.source.release(bench.store, "order-1")
    assert released.state is ReservationState.RELEASED
    assert not released.replayed
    assert sorted(packs(released.freed)) == [("100234", "NF2503C", 5), ("100234", "NF2506D", 2)]
    assert await available(bench, "100234") == before

    again = await bench.source.release(bench.store, "order-1")
    assert again.replayed and again.freed == ()
    assert await available(bench, "100234") == before

    late = await bench.source.reserve(bench.store, "order-1", [line("100234", 7)])
    assert late.state is ReservationState.RELEASED and late.replayed and late.reserved == 0
    assert await available(bench, "100234") == before


async def test_a_release_before_the_reserve_keeps_a_late_reserve_from_holding_stock(bench: Bench) -> None:
    released = await bench.source.release(bench.store, "order-1")
    assert released.state is ReservationState.RELEASED and released.freed == ()

    late = await bench.source.reserve(bench.store, "order-1", [line("100234", 2)])
    assert late.state is ReservationState.RELEASED
    assert late.lines == ()
    assert (await available(bench, "100234"))["NF2503C"] == (5, 0)


async def test_commit_sells_what_left_and_releases_the_rest_once(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("100234", 7), line("100777", 2)])

    committed = await bench.source.commit(bench.store, "order-1", [line("100234", 5), line("100777", 2)])

    assert committed.state is ReservationState.COMMITTED
    assert not committed.replayed
    assert packs(committed.sold) == [("100234", "NF2503C", 5), ("100777", "AK402", 2)]
    assert packs(committed.released) == [("100234", "NF2506D", 2)]
    assert committed.unmatched == ()
    assert await available(bench, "100234") == {
        "NF2409A": (3, 0),
        "NF2501B": (2, 0),
        "NF2503C": (0, 0),
        "NF2506D": (10, 0),
    }
    assert (await available(bench, "100777"))["AK402"] == (2, 0)

    again = await bench.source.commit(bench.store, "order-1", [line("100234", 5), line("100777", 2)])
    assert again.replayed
    assert packs(again.sold) == packs(committed.sold)
    assert (await available(bench, "100234"))["NF2503C"] == (0, 0)

    after = await bench.source.release(bench.store, "order-1")
    assert after.state is ReservationState.COMMITTED and after.freed == ()
    assert (await bench.source.reservation(bench.store, "order-1")) is not None


async def test_commit_of_packs_beyond_the_reservation_takes_stock_and_reports_what_was_missing(
    bench: Bench,
) -> None:
    committed = await bench.source.commit(bench.store, "walk-in", [line("101015", 4)])

    assert packs(committed.sold) == [("101015", "IG0909", 3)]
    assert [(u.sku, u.quantity) for u in committed.unmatched] == [("101015", 1)]
    assert (await available(bench, "101015")) == {"IG0909": (0, 0)}


async def test_commit_of_nothing_releases_everything(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("100234", 2)])

    committed = await bench.source.commit(bench.store, "order-1", [line("100234", 0)])

    assert committed.sold == ()
    assert packs(committed.released) == [("100234", "NF2503C", 2)]
    assert (await available(bench, "100234"))["NF2503C"] == (5, 0)


async def test_batch_suggestions_start_with_the_reserved_packs(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("100234", 3)])

    (suggestion,) = await bench.source.batch_suggestions(bench.store, "order-1", [line("100234", 6)])

    assert [(p.batch.series, p.batch.quantity, p.reserved) for p in suggestion.picks] == [
        ("NF2503C", 3, True),
        ("NF2503C", 2, False),
        ("NF2506D", 1, False),
    ]
    assert suggestion.picks[0].batch.location == "А1-02"
    assert suggestion.picks[0].batch.expiry == date(2027, 6, 30)
    assert suggestion.shortfall == 0


async def test_batch_suggestions_for_an_unknown_order_are_plain_fefo(bench: Bench) -> None:
    suggestions = await bench.source.batch_suggestions(
        bench.store, "not-reserved", [line("100777", 6), Want("101905", 1)]
    )

    aspirin, nospa = suggestions
    assert [(p.batch.series, p.batch.quantity, p.reserved) for p in aspirin.picks] == [
        ("AK402", 4, False),
        ("AK410", 2, False),
    ]
    assert nospa.picks == () and nospa.shortfall == 1


async def test_stock_lists_every_batch_with_its_reservations(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("100777", 5)])

    stock = await bench.source.stock(bench.store, ["100777", "999999"])

    aspirin = stock["100777"]
    assert aspirin.name == "Аспирин Кардио 100мг №28"
    assert [(b.series, b.expiry, b.quantity, b.reserved) for b in aspirin.batches] == [
        ("AK311", date(2026, 11, 20), 2, 0),
        ("AK402", date(2027, 2, 28), 4, 4),
        ("AK405", date(2027, 9, 30), 0, 0),
        ("AK410", date(2028, 5, 31), 12, 1),
    ]
    assert aspirin.batches[0].gtin == "04601503122075"
    assert aspirin.available == 13
    assert stock["999999"].batches == ()


async def test_stores_are_separate(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("101015", 3)])

    other = await bench.source.reserve(bench.lax_store, "order-1", [line("101015", 3)])

    assert not other.replayed and other.complete


async def test_find_series_of_a_pack_the_source_recorded(bench: Bench) -> None:
    await bench.remember_serial("04600714356057", "5FGXEAGA5A1GA", "100234", "NF2503C")

    found = await bench.source.find_series(bench.store, "04600714356057", "5FGXEAGA5A1GA")
    assert found is not None
    assert (found.series, found.expiry, found.sku) == ("NF2503C", date(2027, 6, 30), "100234")
    assert await bench.source.find_series(bench.store, "04600714356057", "UNKNOWN000000") is None


@pytest.mark.parametrize("bad", [Want("100234", -1), Want("", 1)])
async def test_nonsense_is_refused_before_touching_stock(bench: Bench, bad: Want) -> None:
    with pytest.raises(InvalidRequest):
        await bench.source.reserve(bench.store, "order-1", [bad])
    with pytest.raises(InvalidRequest):
        await bench.source.reserve(bench.store, "", [line("100234", 1)])
    assert await bench.source.reservation(bench.store, "order-1") is None


async def test_adjust_of_an_order_the_source_never_saw_reserves_it(bench: Bench) -> None:
    adjusted = await bench.source.adjust(bench.store, "order-1", [line("101905", 1)])

    assert adjusted.reservation.state is ReservationState.RESERVED
    assert not adjusted.reservation.replayed  # new to the source, even though nothing could be held
    assert adjusted.reservation.lines[0].shortfall == 1
    again = await bench.source.reserve(bench.store, "order-1", [line("100234", 1)])
    assert again.replayed and again.reserved == 0
