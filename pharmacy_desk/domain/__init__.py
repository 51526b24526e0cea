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
"""

from pharmacy_desk.domain.actions import (
    Accept,
    Action,
    Assembled,
    Cancel,
    HandOver,
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
from pharmacy_desk.domain.pickup_codes import PickupCodePolicy
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
    "FinalLine",
    "Flow",
    "HandOver",
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
    "Ready",
    "Receipt",
    "ReceiptKind",
    "RecordReceipt",
    "Refusal",
    "RefusalCode",
    "StartAssembly",
    "StockEffect",
    "StockEffectKind",
    "StoreRules",
    "Totals",
    "VerifyPickupCode",
    "apply_event",
    "decide",
    "goods_left",
    "open_order",
    "open_sale",
    "totals",
]
