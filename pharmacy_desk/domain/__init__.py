"""Pure rules shared by the relay, the counter app and the simulator.

No Qt, no I/O, no asyncio: everything else depends on this package; it depends on nothing of ours.

- :mod:`.money`: kopeck-exact ``Decimal`` amounts, serialized as Kuper's strings
- :mod:`.states`: flows, order states, Kuper event and notification types, cancellation reasons
- :mod:`.composition`: lines, totals, and the checks of a final / handed-over composition
- :mod:`.order`: the order snapshot
- :mod:`.events`: Kuper's events in; notifications, stock effects and alerts out
- :mod:`.actions`: what the staff can ask
- :mod:`.lifecycle`: :func:`open_order`, :func:`apply_event`, :func:`decide`
- :mod:`.pickup_codes`: generation, uniqueness, checking with a lock-out, audit
- :mod:`.refusals`: stable refusal codes with Russian messages
- :mod:`.receipts`: the fiscal documents recorded on an order (sale, return)
- :mod:`.scans`, :mod:`.bag_label`, :mod:`.keyboard_layout`: what a scanner typed
- :mod:`.fefo`: which batches to pick, first-expiring first
- :mod:`.product`: a product's attributes (marking, dispensing rule, storage, МНН, shelf price)
"""

from pharmacy_desk.domain.actions import (
    Accept,
    Action,
    Assembled,
    Cancel,
    HandOver,
    HandToCourier,
    IssuePickupCode,
    LabelPrinted,
    PaymentTaken,
    Ready,
    RecordReceipt,
    StartAssembly,
    VerifyPickupCode,
)
from pharmacy_desk.domain.composition import FinalLine, Line, Totals, totals
from pharmacy_desk.domain.events import (
    Alert,
    AlertKind,
    KuperEvent,
    NewOrder,
    Notification,
    StockEffect,
    StockEffectKind,
)
from pharmacy_desk.domain.lifecycle import Context, Outcome, StoreRules, apply_event, decide, goods_left, open_order
from pharmacy_desk.domain.order import Actor, Anomaly, Cancellation, Courier, Customer, Order, Payment
from pharmacy_desk.domain.pickup_codes import SECRETS_CONTEXT, PickupCodePolicy, pickup_code_digest
from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage, is_marked
from pharmacy_desk.domain.receipts import Receipt, ReceiptKind, open_sale
from pharmacy_desk.domain.refusals import Refusal, RefusalCode
from pharmacy_desk.domain.states import (
    CancelReason,
    Flow,
    KuperEventType,
    NotificationType,
    OrderState,
    PaymentMethod,
)

__all__ = [
    "SECRETS_CONTEXT",
    "Accept",
    "Action",
    "Actor",
    "Alert",
    "AlertKind",
    "Anomaly",
    "Assembled",
    "Cancel",
    "CancelReason",
    "Cancellation",
    "Context",
    "Courier",
    "Customer",
    "Dispensing",
    "FinalLine",
    "Flow",
    "HandOver",
    "HandToCourier",
    "IssuePickupCode",
    "KuperEvent",
    "KuperEventType",
    "LabelPrinted",
    "Line",
    "NewOrder",
    "Notification",
    "NotificationType",
    "Order",
    "OrderState",
    "Outcome",
    "Payment",
    "PaymentMethod",
    "PaymentTaken",
    "PickupCodePolicy",
    "ProductAttributes",
    "Ready",
    "Receipt",
    "ReceiptKind",
    "RecordReceipt",
    "Refusal",
    "RefusalCode",
    "StartAssembly",
    "StockEffect",
    "StockEffectKind",
    "Storage",
    "StoreRules",
    "Totals",
    "VerifyPickupCode",
    "apply_event",
    "decide",
    "goods_left",
    "is_marked",
    "open_order",
    "open_sale",
    "pickup_code_digest",
    "totals",
]
