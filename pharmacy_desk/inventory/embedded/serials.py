"""Serials of marked packs recorded on receipt, so :meth:`EmbeddedStock.find_series` can name their series."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.inventory.embedded.tables import pack_serials
from pharmacy_desk.inventory.errors import InvalidRequest
from pharmacy_desk.inventory.gtin import normalize_gtin
from pharmacy_desk.inventory.lines import check_key
from pharmacy_desk.inventory.models import FoundSeries


async def remember_pack_serials(engine: AsyncEngine, store: str, packs: Iterable[FoundSeries]) -> int:
    """Record (or correct) the series of each pack; returns how many packs were recorded."""
    check_key("store", store)
    now = datetime.now(UTC)
    rows = []
    for pack in packs:
        gtin = normalize_gtin(pack.gtin)
        if gtin is None or not pack.serial or not pack.series:
            raise InvalidRequest(f"bad pack: GTIN {pack.gtin!r}, serial {pack.serial!r}, series {pack.series!r}")
        rows.append(
            {
                "store": store,
                "gtin": gtin,
                "serial": pack.serial,
                "sku": pack.sku,
                "series": pack.series,
                "recorded_at": now,
            }
        )
    if not rows:
        return 0
    async with engine.begin() as conn:
        for row in rows:
            await conn.execute(
                delete(pack_serials).where(
                    pack_serials.c.store == store,
                    pack_serials.c.gtin == row["gtin"],
                    pack_serials.c.serial == row["serial"],
                )
            )
        await conn.execute(insert(pack_serials), rows)
    return len(rows)
