"""The relay's stock hook over a source: domain effects in, outcomes (and the order.created decision) out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pharmacy_desk.domain import NewOrder, StockEffect, StockEffectKind, StoreRules, open_order
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.states import CancelReason
from pharmacy_desk.inventory import Action, InventoryError, OutOfStockPolicy, ReservationState, ShelfLife
from pharmacy_desk.inventory.embedded import EmbeddedStock, StockRow, import_rows, metadata
from pharmacy_desk.inventory.hook import InventoryStockHook, StockOutcome
from pharmacy_desk.inventory.onec import OneCStock
from pharmacy_desk.inventory.routing import StoreRouter
from pharmacy_desk.relay.storage.db import create_engine
from tests.inventory.inventory_support import TODAY, line, onec_settings, shelf_life
from tests.support import free_port

STORE = "apteka-12"


@pytest.fixture
async def embedded(tmp_path: Path, sample_rows: list[StockRow]) -> AsyncIterator[EmbeddedStock]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await import_rows(engine, STORE, sample_rows)
    yield EmbeddedStock(engine, shelf_life(STORE))
    await engine.dispose()


def opened(*lines: tuple[str, int]) -> tuple[Order, StockEffect]:
    new = NewOrder(
        kuper_id="retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f",
        shipment_method="by_courier",
        lines=tuple(line(sku, n, name=f"товар {sku}") for sku, n in lines),
    )
    outcome = open_order(
        new, store=STORE, number="A12-000001", now=datetime(2026, 11, 23, 10, tzinfo=UTC), rules=StoreRules()
    )
    (effect,) = outcome.effects
    assert effect.kind is StockEffectKind.RESERVE
    return outcome.order, effect


async def test_order_created_reserves_and_decides(embedded: EmbeddedStock) -> None:
    seen: list[StockOutcome] = []

    async def record(outcome: StockOutcome) -> None:
        seen.append(outcome)

    hook = InventoryStockHook(embedded, on_outcome=record)
    order, effect = opened(("100234", 2), ("100777", 1))

    await hook.apply(STORE, order, effect)

    (outcome,) = seen
    assert (outcome.order_number, outcome.order_key) == ("A12-000001", order.kuper_id)
    assert outcome.decision is not None and outcome.decision.action is Action.PROCEED
    assert isinstance(outcome.result, type(await embedded.reservation(STORE, order.kuper_id)))
    assert (await embedded.reservation(STORE, order.kuper_id)).reserved == 3  # type: ignore[union-attr]


async def test_out_of_stock_cancels_when_the_store_says_so(embedded: EmbeddedStock) -> None:
    seen: list[StockOutcome] = []

    async def record(outcome: StockOutcome) -> None:
        seen.append(outcome)

    hook = InventoryStockHook(embedded, policy_for=lambda store: OutOfStockPolicy.parse("cancel"), on_outcome=record)
    order, effect = opened(("101905", 1))

    await hook.apply(STORE, order, effect)

    decision = seen[0].decision
    assert decision is not None
    assert (decision.action, decision.cancel_reason) == (Action.CANCEL, CancelReason.OUT_OF_STOCK)
    assert "товар 101905 — есть 0 из 1 уп." in decision.message_ru


async def test_release_adjust_and_commit_effects(embedded: EmbeddedStock) -> None:
    hook = InventoryStockHook(embedded)
    order, effect = opened(("100234", 3))
    await hook.apply(STORE, order, effect)

    await hook.apply(STORE, order, StockEffect(kind=StockEffectKind.ADJUST, lines=(line("100234", 2),)))
    assert (await embedded.reservation(STORE, order.kuper_id)).reserved == 2  # type: ignore[union-attr]

    await hook.apply(STORE, order, StockEffect(kind=StockEffectKind.COMMIT, lines=(line("100234", 2),)))
    assert (await embedded.reservation(STORE, order.kuper_id)).state is ReservationState.COMMITTED  # type: ignore[union-attr]

    await hook.apply(STORE, order, StockEffect(kind=StockEffectKind.RELEASE))  # after the sale: nothing to free
    stock = await embedded.stock(STORE, ["100234"])
    assert {b.series: (b.quantity, b.reserved) for b in stock["100234"].batches}["NF2503C"] == (3, 0)


async def test_a_failing_source_is_an_outcome_not_a_crash(store: str) -> None:
    down = OneCStock(
        onec_settings(f"http://127.0.0.1:{free_port()}", timeout_seconds=0.5), ShelfLife(today=lambda: TODAY)
    )
    seen: list[StockOutcome] = []

    async def record(outcome: StockOutcome) -> None:
        seen.append(outcome)

    order, effect = opened(("100234", 1))
    try:
        await InventoryStockHook(down, on_outcome=record).apply(STORE, order, effect)
        with pytest.raises(InventoryError, match="1С недоступна"):
            await InventoryStockHook(down).apply(STORE, order, effect)
    finally:
        await down.aclose()

    (outcome,) = seen
    assert outcome.failed and not outcome.maybe_applied
    assert outcome.decision is not None and outcome.decision.action is Action.FLAG
    assert outcome.error is not None and outcome.error.startswith("Резервирование товара: ошибка — 1С недоступна")


async def test_a_router_sends_each_store_to_its_source(embedded: EmbeddedStock) -> None:
    router = StoreRouter({STORE: embedded})

    result = await router.reserve(STORE, "order-1", [line("100234", 1)])
    assert result.reserved == 1

    with pytest.raises(InventoryError) as caught:
        await router.reserve("apteka-99", "order-1", [line("100234", 1)])
    assert "для аптеки apteka-99 не настроен источник остатков" in caught.value.message_ru  # type: ignore[attr-defined]
    await router.aclose()
