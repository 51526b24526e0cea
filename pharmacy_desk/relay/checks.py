"""``pharmacy-desk-relay check``: is the configuration usable, and does everything it names answer?

One line per item, ``OK``, ``WARN`` (works, but look at it) or ``FAIL`` with what to do (Russian: the
pharmacy's administrator reads it):

- the configuration (stores, webhook authentication; it was already validated when loaded);
- the database: connects, the schema's revision (``serve`` upgrades an old one: that is OK);
- Kuper: the token endpoint with the configured client id and secret
  (:meth:`~pharmacy_desk.kuper.client.KuperClient.check_credentials`), with the token's lifetime;
  without credentials: FAIL, no notification would ever leave; the notification format configured;
  with a token, each store's shipments list (one page of one order: the reconciliation and ``pull``
  mode read it; a store that needs neither is OK even when Kuper refuses);
- each feed store (``stores[].feed``): the stock and price feed to Kuper — queued, failed, the last
  send (:mod:`pharmacy_desk.relay.feed.status`); FAIL when records failed or the stock cannot be read;
- each store's stock: ``embedded`` — how many batches are loaded (none: FAIL, every order would be
  "out of stock"), and a WARN when products lack the ``marked`` column (the old rule "a GTIN means
  marked" decides for them: an unmarked product's EAN would be refused at the counter); ``onec`` — a
  stock read in 1C for the store (reachability, the user, the store's warehouse mapping); ``none`` —
  OK, nothing reserved.

Exit code 0 when no item FAILs (warnings allowed), 1 otherwise. Nothing is changed anywhere (no
migration either).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.api.store import StockKind
from pharmacy_desk.inventory import StockUnavailable
from pharmacy_desk.inventory.embedded.tables import batches, products
from pharmacy_desk.inventory.onec import OneCStock
from pharmacy_desk.kuper.client import KuperClient
from pharmacy_desk.kuper.vocabulary import NotificationFormat
from pharmacy_desk.relay.config import KuperMode, RelayConfig, StoreConfig
from pharmacy_desk.relay.feed.checks import check_feed
from pharmacy_desk.relay.http.access_log import LoggingTransport
from pharmacy_desk.relay.stock.wiring import shelf_life_of
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine

CHECK_SKU = "pharmacy-desk-check"  # a SKU no pharmacy has: the stock read only proves the way there works
_TIMEOUT = 30.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # ok, but the administrator should look at it

    def line(self) -> str:
        mark = "FAIL" if not self.ok else "WARN" if self.warning else "OK  "
        return f"{mark}  {self.name}: {self.detail}"


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text_[0] if text_ else type(exc).__name__)[:300]


async def check_configuration(config: RelayConfig) -> CheckResult:
    if not config.stores:
        return CheckResult("Конфигурация", False, "нет ни одной аптеки ([[stores]])")
    stores = ", ".join(f"{s.key} (остатки: {s.stock.value})" for s in config.stores)
    return CheckResult("Конфигурация", True, f"аптек {len(config.stores)}: {stores}")


async def check_database(engine: AsyncEngine) -> CheckResult:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        current = await migrate.current_revision(engine)
    except Exception as exc:
        return CheckResult("База данных", False, f"нет соединения: {_first_line(exc)}")
    head = migrate.head_revision()
    if current == head:
        return CheckResult("База данных", True, f"{engine.url.render_as_string()}, схема {head}")
    if current is None:
        return CheckResult("База данных", True, f"соединение есть; схема {head} будет создана при запуске")
    return CheckResult("База данных", True, f"соединение есть; схема {current} будет обновлена до {head} при запуске")


_FORMATS_RU = {
    NotificationFormat.SEEDS: "seeds (как в документах интеграции: event_type, payload)",
    NotificationFormat.NESTED: "nested (как в живом API: event.type, event.payload.order_id)",
}


async def check_kuper(config: RelayConfig) -> list[CheckResult]:
    kuper = config.kuper
    name = f"Купер ({kuper.base_url})"
    secret = kuper.client_secret.get_secret_value()
    if not kuper.client_id or not secret:
        return [CheckResult(name, False, "не заданы kuper.client_id / kuper.client_secret: уведомления не уйдут")]
    try:
        client = KuperClient(
            kuper.base_url, kuper.client_id, secret, timeout=kuper.timeout_seconds, transport=LoggingTransport()
        )
    except ValueError as exc:
        return [CheckResult(name, False, str(exc))]
    results: list[CheckResult] = []
    async with client:
        result = await client.check_credentials()
        if not result.is_done:
            status = f" (HTTP {result.status_code})" if result.status_code else ""
            return [CheckResult(name, False, f"токен не получен{status}: {result.message}")]
        lifetime = client.token_lifetime
        shown = f" на {lifetime:g} с" if lifetime is not None else ""
        results.append(CheckResult(name, True, f"токен получен{shown}"))
        results.append(CheckResult("Купер: формат уведомлений", True, _FORMATS_RU[kuper.notification_format]))
        for store in config.stores:
            results.append(await _check_shipments(config, client, store))
    return results


async def _check_shipments(config: RelayConfig, client: KuperClient, store: StoreConfig) -> CheckResult:
    needed = config.kuper.mode_of(store) is KuperMode.PULL or config.kuper.reconcile_minutes > 0
    name = f"Купер: заказы {store.key} (filters[storeId]={store.pull_store_id})"
    page, result = await client.shipments_page(store_id=store.pull_store_id, updated_from=None, page_size=1)
    if page is not None:
        return CheckResult(name, True, f"список заказов читается (на первой странице {len(page.data)})")
    status = f" (HTTP {result.status_code})" if result.status_code else ""
    if not needed:
        return CheckResult(name, True, f"список не читается{status}, но сверка выключена: {result.message}")
    return CheckResult(name, False, f"список заказов не читается{status}: {result.message}; сверка не работает")


async def check_embedded(engine: AsyncEngine, store: str) -> list[CheckResult]:
    name = f"Остатки {store} (встроенный склад)"
    try:
        async with engine.connect() as conn:
            count = (await conn.execute(select(func.count()).where(batches.c.store == store))).scalar_one()
            skus = set((await conn.execute(select(batches.c.sku).where(batches.c.store == store).distinct())).scalars())
            said = set(
                (
                    await conn.execute(
                        select(products.c.sku).where(products.c.store == store, products.c.marked.is_not(None))
                    )
                ).scalars()
            )
    except Exception as exc:
        return [CheckResult(name, False, f"таблицы склада не прочитаны ({_first_line(exc)}): запустите migrate")]
    if not count:
        return [CheckResult(name, False, "остатки не загружены: pharmacy-desk-relay stock import --store …")]
    results = [CheckResult(name, True, f"партий: {count}")]
    unsaid = skus - said
    if unsaid:
        results.append(
            CheckResult(
                f"Маркировка {store}",
                True,
                f"у {len(unsaid)} из {len(skus)} товаров не указано, маркированы ли они (столбец marked файла "
                "остатков): товар с GTIN считается маркированным, его штрихкод на кассе не примут",
                warning=True,
            )
        )
    return results


async def check_onec(source: OneCStock, store: str) -> CheckResult:
    name = f"Остатки {store} (1С, {source.settings.base_url})"
    try:
        await source.stock(store, [CHECK_SKU])
    except StockUnavailable as exc:
        return CheckResult(name, False, exc.message_ru)
    return CheckResult(name, True, "1С отвечает")


async def collect(config: RelayConfig) -> list[CheckResult]:
    results = [await check_configuration(config)]
    engine = create_engine(config.database_url)
    onec: OneCStock | None = None
    try:
        database = await check_database(engine)
        results.append(database)
        results.extend(await check_kuper(config))
        for store in config.stores:
            if store.stock is StockKind.EMBEDDED:
                if database.ok:
                    results.extend(await check_embedded(engine, store.key))
                else:
                    results.append(CheckResult(f"Остатки {store.key} (встроенный склад)", False, "база недоступна"))
            elif store.stock is StockKind.ONEC and config.onec is not None:
                onec = onec or OneCStock(config.onec, shelf_life_of(config))
                results.append(await check_onec(onec, store.key))
            else:
                results.append(CheckResult(f"Остатки {store.key}", True, "учёт остатков выключен (stock = none)"))
        if database.ok:
            results.extend(CheckResult(r.name, r.ok, r.detail) for r in await check_feed(engine, config))
    finally:
        if onec is not None:
            await onec.aclose()
        await engine.dispose()
    return results


def run_checks(
    config: RelayConfig,
    out: TextIO | None = None,
    *,
    collector: Callable[[RelayConfig], Awaitable[list[CheckResult]]] = collect,
) -> int:
    """Print the report; 0 when everything is OK, 1 otherwise."""
    stream = out or sys.stdout

    async def run() -> list[CheckResult]:
        async with asyncio.timeout(_TIMEOUT * 4):
            return await collector(config)

    results = asyncio.run(run())
    for result in results:
        print(result.line(), file=stream)
    failed = sum(not r.ok for r in results)
    warned = sum(r.ok and r.warning for r in results)
    if failed:
        print(f"Проблем: {failed}", file=stream)
    else:
        print("Всё в порядке" if not warned else f"Всё работает, предупреждений: {warned}", file=stream)
    return 0 if not failed else 1
