"""Command line entry point (``pharmacy-desk-relay``).

::

    pharmacy-desk-relay [--config relay.toml] serve
    pharmacy-desk-relay [--config relay.toml] migrate
    pharmacy-desk-relay [--config relay.toml] device add --store apteka-12 --name "Касса 1"
    pharmacy-desk-relay [--config relay.toml] device list [--store apteka-12]
    pharmacy-desk-relay [--config relay.toml] device revoke <id>
    pharmacy-desk-relay [--config relay.toml] stock import --store apteka-12 [--merge] stock.csv
    pharmacy-desk-relay [--config relay.toml] stock show --store apteka-12 100234 100777
    pharmacy-desk-relay [--config relay.toml] stock export --store apteka-12 [--output stock.csv]
    pharmacy-desk-relay [--config relay.toml] feed status [--store apteka-12] [--sku 100234]
    pharmacy-desk-relay [--config relay.toml] check

``stock`` hands its arguments to :mod:`pharmacy_desk.relay.stock.cli` with the configured database
(migrated first); ``check`` is :mod:`.checks`.

Exit codes: 0 done, 1 not found / failed (a refused stock file, a failed check), 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.config import RelayConfig, load_config
from pharmacy_desk.relay.errors import ConfigError
from pharmacy_desk.relay.feed import cli as feed_cli
from pharmacy_desk.relay.storage import devices, migrate
from pharmacy_desk.relay.storage.db import create_engine

T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="TOML configuration file")
    parser = argparse.ArgumentParser(
        prog="pharmacy-desk-relay",
        description="Сервер-посредник между Купером и кассами аптеки",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", parents=[common], help="запустить сервер (миграции выполняются сами)")
    commands.add_parser("migrate", parents=[common], help="обновить схему базы данных")
    device = commands.add_parser("device", parents=[common], help="кассы (устройства) и их токены")
    device_commands = device.add_subparsers(dest="device_command", required=True)
    add = device_commands.add_parser("add", parents=[common], help="добавить кассу и выдать токен")
    add.add_argument("--store", required=True, help="ключ аптеки из конфигурации")
    add.add_argument("--name", required=True, help='название, например "Касса 1"')
    listing = device_commands.add_parser("list", parents=[common], help="список касс")
    listing.add_argument("--store", default=None)
    revoke = device_commands.add_parser("revoke", parents=[common], help="отозвать токен кассы")
    revoke.add_argument("id", help="идентификатор кассы (из device list)")
    stock = commands.add_parser(
        "stock",
        parents=[common],
        help="встроенный склад: import / show / export (pharmacy-desk-relay stock import --help)",
        add_help=False,
    )
    stock.add_argument("stock_args", nargs=argparse.REMAINDER, help="import … | show … | export …")
    commands.add_parser("check", parents=[common], help="проверить конфигурацию, базу, Купер и 1С")
    feed_cli.add_parser(commands, common)
    return parser


def _run_with_engine(config: RelayConfig, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(config.database_url)
        try:
            await migrate.upgrade(engine)
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _serve(config: RelayConfig) -> int:
    import uvicorn

    from pharmacy_desk.relay.app import create_app
    from pharmacy_desk.relay.server_gc import tune_collector

    if not config.stores:
        print("Внимание: в конфигурации нет ни одной аптеки (stores)", file=sys.stderr)
    fast = importlib.util.find_spec("uvloop") is not None and importlib.util.find_spec("httptools") is not None
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host=config.host,
            port=config.port,
            loop="uvloop" if fast else "asyncio",  # uvicorn[standard]; no uvloop on Windows
            http="httptools" if fast else "h11",
            log_config=None,
            access_log=False,  # AccessLog logs every request, secrets masked
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
    )
    tune_collector()  # thousands of streams: no full collection per event (server_gc)
    server.run()
    return 0


def _migrate(config: RelayConfig) -> int:
    async def work(engine: AsyncEngine) -> str | None:
        return await migrate.current_revision(engine)

    revision = _run_with_engine(config, work)
    print(f"Схема базы данных обновлена (ревизия {revision})")
    return 0


def _device(config: RelayConfig, args: argparse.Namespace) -> int:
    if args.device_command == "add":
        if config.store(args.store) is None:
            known = ", ".join(s.key for s in config.stores) or "нет ни одной"
            print(f"Аптека {args.store!r} не настроена (настроены: {known})", file=sys.stderr)
            return 2
        device, token = _run_with_engine(config, lambda e: devices.add_device(e, args.store, args.name))
        print(f"Касса добавлена: {device.name} ({device.store}), id {device.id}")
        print("Токен (показывается один раз; введите его в настройках кассы):")
        print(token)
        return 0
    if args.device_command == "list":
        found = _run_with_engine(config, lambda e: devices.list_devices(e, args.store))
        if not found:
            print("Касс нет")
        for d in found:
            state = "активна" if d.active else f"отозвана {d.revoked_at:%Y-%m-%d %H:%M}"
            seen = f"{d.last_seen_at:%Y-%m-%d %H:%M}" if d.last_seen_at else "—"
            print(f"{d.id}  {d.store:<16} {d.name:<24} {state:<28} последний запрос: {seen}")
        return 0
    revoked = _run_with_engine(config, lambda e: devices.revoke_device(e, args.id))
    if revoked is None:
        print(f"Касса {args.id} не найдена", file=sys.stderr)
        return 1
    print(f"Токен кассы {revoked.name} ({revoked.store}) отозван")
    return 0


def _without_config(args: list[str]) -> tuple[list[str], str | None]:
    """``--config FILE`` / ``--config=FILE`` taken out of the arguments handed to ``stock``."""
    rest: list[str] = []
    config: str | None = None
    items = iter(args)
    for item in items:
        if item == "--config":
            config = next(items, None)
        elif item.startswith("--config="):
            config = item.split("=", 1)[1]
        else:
            rest.append(item)
    return rest, config


def _stock(config: RelayConfig, stock_args: list[str]) -> int:
    from pharmacy_desk.relay.stock import cli as stock_cli

    if not stock_args or stock_args[0] in ("-h", "--help"):
        return stock_cli.main(["--help"])
    store = next((b for a, b in itertools.pairwise(stock_args) if a == "--store"), None)
    if store is not None and config.stores and config.store(store) is None:
        known = ", ".join(s.key for s in config.stores)
        print(f"Аптека {store!r} не настроена (настроены: {known})", file=sys.stderr)
        return 2
    if "--database-url" not in stock_args and not any(a.startswith("--database-url=") for a in stock_args):
        try:
            asyncio.run(_upgrade(config.database_url))
        except (OSError, SQLAlchemyError) as exc:
            print(f"База недоступна: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
        stock_args = [*stock_args[:1], "--database-url", config.database_url, *stock_args[1:]]
    return stock_cli.main(stock_args)


async def _upgrade(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "stock":
        args.stock_args, from_stock = _without_config(args.stock_args)
        if from_stock is not None:
            args.config = from_stock
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"Ошибка конфигурации: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(config)
    if args.command == "migrate":
        return _migrate(config)
    if args.command == "stock":
        return _stock(config, args.stock_args)
    if args.command == "feed":
        return _run_with_engine(config, lambda engine: feed_cli.status(engine, config, args))
    if args.command == "check":
        from pharmacy_desk.relay.checks import run_checks

        return run_checks(config)
    return _device(config, args)


if __name__ == "__main__":
    raise SystemExit(main())
