"""The relay ↔ counter app contract: every model that crosses their HTTP and SSE wire.

Both sides import this package and neither owns it (like Randovania's ``network_common``): the relay
serializes these models, the counter app parses them, nothing is written twice. It imports only the
domain and the stock sources' models (:mod:`pharmacy_desk.inventory.models`), never the relay or the desk.

- :mod:`.orders`: order summary, detail and history, staff action request and answers, errors
- :mod:`.store`: health, store info, marking-code owners, acknowledgements
- :mod:`.catalogue`: catalogue per SKU, batches to pick for an order
- :mod:`.pick_list`: the pick list (сборочный лист) of one or several orders
- :mod:`.stream`: the SSE event kinds and their payloads
"""

from pharmacy_desk.api.catalogue import Catalogue, CatalogueItem, OrderBatches
from pharmacy_desk.api.orders import (
    ActionAccepted,
    ActionRecord,
    ActionRequest,
    Conflict,
    OrderDetail,
    OrderHistory,
    OrderList,
    OrderSummary,
    OutboxRecord,
    Problem,
    Refused,
    WebhookRecord,
)
from pharmacy_desk.api.pick_list import PickList
from pharmacy_desk.api.store import (
    Acknowledgement,
    AcknowledgeRequest,
    CodeOwners,
    CodesLookup,
    Health,
    OutOfStockPolicy,
    StockKind,
    StoreInfo,
)
from pharmacy_desk.api.stream import (
    AcknowledgedEvent,
    AlertEvent,
    EventKind,
    NotificationEvent,
    OrderEvent,
    ReadyEvent,
    ResyncEvent,
)

__all__ = [
    "AcknowledgeRequest",
    "AcknowledgedEvent",
    "Acknowledgement",
    "ActionAccepted",
    "ActionRecord",
    "ActionRequest",
    "AlertEvent",
    "Catalogue",
    "CatalogueItem",
    "CodeOwners",
    "CodesLookup",
    "Conflict",
    "EventKind",
    "Health",
    "NotificationEvent",
    "OrderBatches",
    "OrderDetail",
    "OrderEvent",
    "OrderHistory",
    "OrderList",
    "OrderSummary",
    "OutOfStockPolicy",
    "OutboxRecord",
    "PickList",
    "Problem",
    "ReadyEvent",
    "Refused",
    "ResyncEvent",
    "StockKind",
    "StoreInfo",
    "WebhookRecord",
]
