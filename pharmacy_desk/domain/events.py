"""What crosses the lifecycle's boundary: Kuper's events in, notifications and effects out.

These are the domain's own shapes; ``pharmacy_desk.kuper`` maps them to and from the wire.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.domain.composition import Line, Totals
from pharmacy_desk.domain.money import Money
from pharmacy_desk.domain.order import Courier, Customer
from pharmacy_desk.domain.states import CancelReason, KuperEventType, NotificationType


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class NewOrder(_Frozen):
    """The content of ``order.created``."""

    kuper_id: str
    original_order_id: str | None = None
    shipment_method: str | None = None  # raw: "by_courier", "pickup" or something we do not know
    customer: Customer = Customer()
    address: str | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    comment: str | None = None
    replacement_policy: str | None = None
    lines: tuple[Line, ...]
    total: Money | None = None  # Kuper's total, checked against the lines


class KuperEvent(_Frozen):
    """Any webhook but ``order.created`` (and that one too, when it is redelivered)."""

    type: str  # a KuperEventType value, or whatever unknown type Kuper sent
    at: datetime
    courier: Courier | None = None
    lines: tuple[Line, ...] | None = None  # order.updated with new positions
    due_from: datetime | None = None
    due_to: datetime | None = None
    paid_total: Money | None = None
    cancel_slug: str | None = None
    cancel_description: str | None = None

    @property
    def known_type(self) -> KuperEventType | None:
        try:
            return KuperEventType(self.type)
        except ValueError:
            return None


class Notification(_Frozen):
    """One notification due to Kuper for an order."""

    type: NotificationType
    kuper_id: str
    number: str
    lines: tuple[Line, ...] | None = None  # ready_for_delivery and delivered: the composition
    totals: Totals | None = None
    pickup_code: str | None = None
    cancel_reason: CancelReason | None = None
    cancel_description: str | None = None


class StockEffectKind(StrEnum):
    RESERVE = "reserve"  # order.created: reserve the ordered lines
    ADJUST = "adjust"  # the composition changed: the reservation follows it
    RELEASE = "release"  # canceled: give everything back
    COMMIT = "commit"  # the goods left: sale / write-off of what was given


class StockEffect(_Frozen):
    kind: StockEffectKind
    lines: tuple[Line, ...] = ()


class AlertKind(StrEnum):
    NEW_ORDER = "new_order"
    COURIER_ARRIVED = "courier_arrived"
    CANCELED_DURING_ASSEMBLY = "canceled_during_assembly"  # return to shelf what was picked
    CANCELED_AFTER_HANDOVER = "canceled_after_handover"
    NO_SHOW = "no_show"  # a pickup order past its hold was canceled: return ``lines`` to the shelf
    ANOMALY = "anomaly"


class Alert(_Frozen):
    kind: AlertKind
    message: str
    lines: tuple[Line, ...] = ()  # for "return to shelf"
