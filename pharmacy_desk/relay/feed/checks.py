"""The feed's lines in ``pharmacy-desk-relay check``: one per store with ``feed = true``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.config import RelayConfig, StockKind
from pharmacy_desk.relay.feed.status import store_state

if TYPE_CHECKING:
    from pharmacy_desk.relay.checks import CheckResult


async def check_feed(engine: AsyncEngine, config: RelayConfig) -> list[CheckResult]:
    from pharmacy_desk.relay.checks import CheckResult

    results: list[CheckResult] = []
    credentials = bool(config.kuper.client_id and config.kuper.client_secret.get_secret_value())
    for store in config.stores:
        if not store.feed:
            continue
        name = f"Выгрузка в Купер {store.key}"
        if not credentials:
            results.append(
                CheckResult(name, False, "не заданы kuper.client_id / kuper.client_secret: остатки не уйдут")
            )
            continue
        if store.stock is not StockKind.EMBEDDED:
            results.append(
                CheckResult(name, False, f"выгрузка читает только встроенный склад (stock = {store.stock.value})")
            )
            continue
        try:
            state = await store_state(engine, config, store.key)
        except Exception as exc:
            results.append(CheckResult(name, False, f"таблицы выгрузки не прочитаны ({type(exc).__name__}): migrate"))
            continue
        results.append(CheckResult(name, state.healthy, state.summary_ru()))
    return results
