"""The feed's lines in ``pharmacy-desk-relay check``: one per store with ``feed = true``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.api.store import StockKind
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed.status import store_state


@dataclass(frozen=True)
class CheckResult:
    """Like :class:`pharmacy_desk.relay.checks.CheckResult` (which turns these into its own)."""

    name: str
    ok: bool
    detail: str


async def check_feed(engine: AsyncEngine, config: RelayConfig) -> list[CheckResult]:
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
