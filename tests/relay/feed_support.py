"""Helpers for the feed tests: a migrated engine, the fake Kuper on loopback, stock rows, a clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pharmacy_desk.domain.product import NO_ATTRIBUTES, ProductAttributes
from pharmacy_desk.inventory.embedded.csv_format import StockRow
from pharmacy_desk.relay.config import RelayConfig

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FAR = date(2030, 1, 1)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class RealClock(Clock):
    def __call__(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Rows:
    """Stock rows for :func:`~pharmacy_desk.inventory.embedded.importer.import_rows`."""

    rows: list[StockRow] = field(default_factory=list)

    def add(
        self,
        sku: str,
        quantity: int,
        *,
        expiry: date = FAR,
        series: str = "S1",
        name: str = "",
        attributes: ProductAttributes = NO_ATTRIBUTES,
    ) -> Rows:
        row = StockRow(len(self.rows) + 2, sku, name or f"Товар {sku}", None, series, expiry, quantity, "", attributes)
        self.rows.append(row)
        return self


def feed_config(
    database_url: str, *, stores: int = 2, kuper_url: str = "http://127.0.0.1:1", **store_extra: Any
) -> RelayConfig:
    """Stores ``apteka-12`` (outlet ``12``), ``apteka-7`` (outlet ``7``), then ``apteka-x2`` … , feed on."""
    known = [("apteka-12", "Аптека №12", "A12-", "12"), ("apteka-7", "Аптека №7", "A7-", "7")]
    known += [(f"apteka-x{i}", f"Аптека {i}", f"X{i}-", f"x{i}") for i in range(2, stores)]
    data: dict[str, Any] = {
        "database_url": database_url,
        "webhook_auth": {"client_token": "kuper-client-token-value"},
        "kuper": {
            "base_url": kuper_url,
            "client_id": "sim-client",
            "client_secret": "sim-secret",
            "retail_chain_slug": "sim-chain",
        },
        "stores": [
            {"key": key, "name": name, "number_prefix": prefix, "kuper_outlet_id": outlet, "feed": True, **store_extra}
            for key, name, prefix, outlet in known[:stores]
        ],
    }
    return RelayConfig.model_validate(data)
