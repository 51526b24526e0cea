"""The pick list (сборочный лист) of one or several orders: the orders, their stock, the domain's rule.

:func:`make_pick_list` reads each order, asks the store's stock source for the products' attributes
(storage, dispensing) and the batches to take (reserved packs first, then FEFO), and lets
:func:`pharmacy_desk.domain.pick_list.pick_section` order the lines. A store without a stock source
(``stock = "none"``, or an embedded stock never loaded) and a source that fails still get their list:
what the order knows, without series, and a note saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.api.pick_list import PickList
from pharmacy_desk.domain import Order
from pharmacy_desk.domain.pick_list import PickBatch, PickSection, pick_section
from pharmacy_desk.domain.product import ProductAttributes
from pharmacy_desk.inventory import InventoryError, StockUnavailable
from pharmacy_desk.inventory.models import LineSuggestion
from pharmacy_desk.relay.state import StockServices
from pharmacy_desk.relay.storage.orders import get_order

__all__ = ["NO_STOCK_NOTE", "UnknownOrders", "make_pick_list"]

NO_STOCK_NOTE = "Учёт остатков не подключён: серии и ячейки не указаны"


class UnknownOrders(LookupError):
    """Some numbers asked for are not orders of the store."""

    def __init__(self, numbers: Sequence[str]) -> None:
        self.numbers = tuple(numbers)
        listed = ", ".join(self.numbers)
        word = "Заказ" if len(self.numbers) == 1 else "Заказы"
        found = "не найден" if len(self.numbers) == 1 else "не найдены"
        super().__init__(f"{word} {listed} {found}: сборочный лист не напечатан")


def _batches(lines: Sequence[LineSuggestion]) -> dict[str, list[PickBatch]]:
    found: dict[str, list[PickBatch]] = {}
    for line in lines:
        for pick in line.picks:
            b = pick.batch
            found.setdefault(line.sku, []).append(
                PickBatch(
                    series=b.series, expiry=b.expiry, quantity=b.quantity, location=b.location, warning=pick.warning
                )
            )
    return found


async def _section(store: str, order: Order, wiring: StockServices | None) -> PickSection:
    if wiring is None or not await wiring.has_stock(store):
        return pick_section(order, {}, None, note=NO_STOCK_NOTE)
    source = wiring.source
    skus = list(dict.fromkeys(line.sku for line in order.composition if line.quantity > 0))
    try:
        stock = await source.stock(store, skus) if skus else {}
        suggested = await source.batch_suggestions(store, order.kuper_id, order.composition) if skus else ()
    except StockUnavailable as exc:
        return pick_section(order, {}, None, note=f"{exc.message_ru} Серии и ячейки не указаны.")
    except InventoryError as exc:
        return pick_section(order, {}, None, note=f"Остатки не получены ({exc}): серии и ячейки не указаны")
    attributes: dict[str, ProductAttributes] = {sku: item.attributes for sku, item in stock.items()}
    return pick_section(order, attributes, _batches(suggested))


async def make_pick_list(
    engine: AsyncEngine, store: str, numbers: Sequence[str], wiring: StockServices | None
) -> PickList:
    """The pick list of ``numbers`` (in that order, repeats once); :class:`UnknownOrders` names the missing."""
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    orders: list[Order] = []
    missing: list[str] = []
    async with engine.connect() as conn:
        for number in wanted:
            stored = await get_order(conn, store, number=number)
            if stored is None:
                missing.append(number)
            else:
                orders.append(stored.order)
    if missing:
        raise UnknownOrders(missing)
    sections = [await _section(store, order, wiring) for order in orders]
    return PickList(store=store, made_at=datetime.now(UTC), sections=tuple(sections))
