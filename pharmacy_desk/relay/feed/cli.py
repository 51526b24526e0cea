"""``pharmacy-desk-relay feed status [--store S] [--sku SKU]``: what the feed has sent, queued, failed.

One block per store (every feed store, or ``--store``): last sent, queued, retrying, failed, the
last delta and full resend, the latest error; with ``--sku`` the SKU's rows (stock / price: the value
queued, the value Kuper has, status, attempts, Kuper's last answer). Russian: the administrator
reads it. Exit code 0, or 1 when a store has failed records, its stock cannot be read, or is unknown.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed.status import sku_rows, store_state


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    feed = commands.add_parser("feed", parents=[common], help="выгрузка остатков и цен в Купер")
    feed_commands = feed.add_subparsers(dest="feed_command", required=True)
    status = feed_commands.add_parser("status", parents=[common], help="что отправлено, что в очереди, ошибки")
    status.add_argument("--store", default=None, help="ключ аптеки (по умолчанию все с feed = true)")
    status.add_argument("--sku", default=None, help="показать записи одного артикула")


async def status(engine: AsyncEngine, config: RelayConfig, args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    if args.store is not None:
        if config.store(args.store) is None:
            print(f"Аптека {args.store!r} не настроена", file=sys.stderr)
            return 1
        stores = [args.store]
    else:
        stores = [s.key for s in config.stores if s.feed]
        if not stores:
            print("Выгрузка в Купер не включена ни для одной аптеки (stores[].feed = true)", file=stream)
            return 0
    bad = 0
    for store in stores:
        state = await store_state(engine, config, store)
        outlet = f" (Купер: {state.outlet_id})" if state.outlet_id else ""
        print(f"{store}{outlet}: {state.summary_ru()}", file=stream)
        if state.enabled and not state.healthy:
            bad += 1
        if args.sku is not None:
            rows = await sku_rows(engine, store, args.sku)
            if not rows:
                print(f"  {args.sku}: записей нет (артикула нет в остатках или выгрузка ещё не было)", file=stream)
            for row in rows:
                sent = row.sent_value or "—"
                error = f", ответ Купера: {row.last_error[:300]}" if row.last_error else ""
                print(
                    f"  {row.sku} {row.kind}: в очереди {row.value}, у Купера {sent}, {row.status}, "
                    f"версия {row.version}/{row.sent_version}, попыток {row.attempts}{error}",
                    file=stream,
                )
    return 1 if bad else 0
