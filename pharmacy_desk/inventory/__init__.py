"""Stock and reservations for Kuper orders: one protocol, two sources.

- :mod:`.protocol`: :class:`StockSource`, the calls and their idempotency rules
- :mod:`.models`: stock, reservations, what was freed / sold / suggested
- :mod:`.errors`: the exception hierarchy (``StockUnavailable`` with a Russian message)
- :mod:`.lines`: what callers pass (the domain's ``Line`` or :class:`Want`)
- :mod:`.shelf_life`: each store's minimum remaining shelf life → the earliest sellable expiry
- :mod:`.planning`: FEFO reserve / give-back / sale / suggestion decisions, shared by all sources
- :mod:`.policy`: what the relay does at ``order.created`` given the reservation
- :mod:`.hook`: the relay's stock hook: domain stock effects → source calls → outcomes
- :mod:`.routing`: :class:`StoreRouter`, a source per store
- :mod:`.embedded`: our own tables, loaded from CSV (:func:`~.embedded.import_csv`)
- :mod:`.onec`: 1C:Retail through the Kuper extension's HTTP service (docs/1c-http-service.md)
"""

from pharmacy_desk.inventory.errors import (
    InvalidRequest,
    InventoryError,
    Operation,
    StockCsvError,
    StockUnavailable,
    UnavailableKind,
)
from pharmacy_desk.inventory.hook import InventoryStockHook, StockOutcome, apply_effect
from pharmacy_desk.inventory.lines import LineLike, Want
from pharmacy_desk.inventory.models import (
    AdjustResult,
    BatchQuantity,
    CommitResult,
    FoundSeries,
    LineReservation,
    LineSuggestion,
    ReleaseResult,
    ReservationResult,
    ReservationState,
    SkuQuantity,
    SkuStock,
    StockBatch,
    SuggestedPick,
)
from pharmacy_desk.inventory.policy import (
    Action,
    Coverage,
    OutOfStockPolicy,
    StockDecision,
    decide_on_failure,
    decide_on_reservation,
)
from pharmacy_desk.inventory.protocol import StockSource
from pharmacy_desk.inventory.routing import StoreRouter
from pharmacy_desk.inventory.shelf_life import ShelfLife

__all__ = [
    "Action",
    "AdjustResult",
    "BatchQuantity",
    "CommitResult",
    "Coverage",
    "FoundSeries",
    "InvalidRequest",
    "InventoryError",
    "InventoryStockHook",
    "LineLike",
    "LineReservation",
    "LineSuggestion",
    "Operation",
    "OutOfStockPolicy",
    "ReleaseResult",
    "ReservationResult",
    "ReservationState",
    "ShelfLife",
    "SkuQuantity",
    "SkuStock",
    "StockBatch",
    "StockCsvError",
    "StockDecision",
    "StockOutcome",
    "StockSource",
    "StockUnavailable",
    "StoreRouter",
    "SuggestedPick",
    "UnavailableKind",
    "Want",
    "apply_effect",
    "decide_on_failure",
    "decide_on_reservation",
]
