"""What a counter PC asks about its store: health, store info, marking-code owners, acknowledgements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel

from pharmacy_desk.domain import Actor, StoreRules

MAX_CODES = 1000


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class OutOfStockPolicy(StrEnum):
    """What to do when a new order cannot be served from stock (used by the stock integration)."""

    CANCEL = "cancel"  # answer created, then cancel with out_of_stock
    ASK_STAFF = "ask_staff"  # leave it to the pharmacist


class StockKind(StrEnum):
    """Where a store's stock lives (reservations, batch suggestions, the catalogue)."""

    EMBEDDED = "embedded"  # the relay's own tables, loaded with ``pharmacy-desk-relay stock import``
    ONEC = "onec"  # 1C:Retail through the Kuper extension's HTTP service (the ``[onec]`` section)
    NONE = "none"  # no stock: nothing is reserved, the staff check the shelf


class Health(_Model):
    """``GET /health``: the relay answers, its version, and how its streams learn of new events."""

    status: str = "ok"
    version: str
    events: str = Field(
        default="local",
        description="How this relay process learns of new stream events: local (SQLite), listening (PostgreSQL "
        "LISTEN) or polling (PostgreSQL, the LISTEN connection is down: one poll per store until it is back)",
    )


class StoreInfo(_Model):
    """``GET /stores/{store}``: the device's store as the relay is configured for it."""

    key: str
    name: str
    number_prefix: str
    min_shelf_life_days: int
    rules: StoreRules
    stock: StockKind = Field(description="Where the store's stock lives: embedded, onec or none")
    out_of_stock: OutOfStockPolicy = Field(description="A new order nothing of which is in stock: ask_staff or cancel")


class CodesLookup(BaseModel):
    """``POST /stores/{store}/marking-codes/lookup``."""

    model_config = ConfigDict(extra="forbid")

    codes: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(max_length=MAX_CODES)
    except_number: str | None = Field(default=None, description="The order being assembled: its codes are not listed")


class CodeOwners(RootModel[dict[str, str]]):
    """Marking code → the number of the order of this store that holds it."""


class AcknowledgeRequest(BaseModel):
    """``POST /stores/{store}/orders/{number}/acknowledge``."""

    model_config = ConfigDict(extra="forbid")

    operator: str | None = Field(default=None, max_length=100, description="The person at the PC, if known")


class Acknowledgement(_Model):
    number: str
    acknowledged_by: Actor
    at: datetime
    first: bool = Field(description="False when the order had been acknowledged before (by anyone)")
