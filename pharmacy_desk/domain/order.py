"""The order as both the relay and the counter app see it: one immutable snapshot per version."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.composition import Line, Totals, pack_count, totals
from pharmacy_desk.domain.money import Money
from pharmacy_desk.domain.pickup_codes import AuditEntry, PickupCodeState
from pharmacy_desk.domain.receipts import Receipt
from pharmacy_desk.domain.states import CancelReason, Flow, OrderState, PaymentMethod


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Customer(_Frozen):
    name: str | None = None
    phone: str | None = None
    short_number: str | None = None  # Kuper's short order number the customer names at the counter
    email: str | None = None  # when Kuper sends it: the pickup code by e-mail

    @property
    def masked_name(self) -> str:
        """For a bag label: first letter and a dot per word (``Анна Петрова`` → ``А. П.``)."""
        parts = (self.name or "").split()
        return " ".join(f"{p[0]}." for p in parts) if parts else "—"

    @property
    def phone_tail(self) -> str:
        digits = "".join(ch for ch in self.phone or "" if ch.isdigit())
        return digits[-4:]


class Courier(_Frozen):
    name: str | None = None
    phone: str | None = None
    photo_url: str | None = None


class Actor(_Frozen):
    """Who did something at the store: a counter PC and, when known, the person at it."""

    device_id: str
    device_name: str
    operator: str | None = None

    @property
    def label(self) -> str:
        return f"{self.device_name} ({self.operator})" if self.operator else self.device_name


class Cancellation(_Frozen):
    reason: CancelReason | None = None  # None: Kuper sent a slug we do not know (kept in ``slug``)
    slug: str
    description: str | None = None
    by_kuper: bool
    at: datetime


class Payment(_Frozen):
    method: PaymentMethod
    amount: Money
    at: datetime
    by: str | None = None


class Anomaly(_Frozen):
    """Something Kuper sent that did not fit the order; recorded, never raised."""

    at: datetime
    event: str
    message: str


class Order(_Frozen):
    store: str
    kuper_id: str  # Kuper's orderUUID
    number: str  # ours, given in the answer to order.created
    original_order_id: str | None = None
    flow: Flow
    flow_raw: str | None = None
    state: OrderState = OrderState.NEW
    accept_required: bool = False
    created_at: datetime
    due_from: datetime | None = None
    due_to: datetime | None = None
    customer: Customer = Customer()
    address: str | None = None
    comment: str | None = None
    replacement_policy: str | None = None
    ordered: tuple[Line, ...]  # as Kuper sent it (updated by order.updated before assembly)
    composition: tuple[Line, ...]  # what will be given: the ordered lines until the pharmacist says otherwise
    handed_over: tuple[Line, ...] | None = None  # what actually left the counter (pickup) or went to Kuper
    packs: int = 1  # bags the order was packed in, as the pharmacist said at "ready" (Kuper's packs.count)
    courier: Courier | None = None
    courier_arrived_at: datetime | None = None
    assembler: Actor | None = None
    pickup: PickupCodeState | None = None
    # «Продлить хранение до …»: the pickup deadline staff set; None = the store's hold (issue time +
    # rules.pickup.hold_hours). The no-show check must use domain.pickup_hold.pickup_deadline().
    pickup_hold_until: datetime | None = None
    payment: Payment | None = None
    cancellation: Cancellation | None = None
    milestones: dict[str, datetime] = Field(default_factory=dict)  # Kuper's events and our notifications
    flags: tuple[str, ...] = ()
    # SKU → the highest unit price the composition may charge (the shelf price, where Kuper's is higher;
    # set by the relay from the stock source, see pharmacy_desk.domain.remote_sale)
    price_caps: dict[str, Money] = Field(default_factory=dict)
    # SKU → why it may not be sold remotely (Rx…): "assembled"/"ready" refuse it with packs (same origin)
    forbidden_skus: dict[str, str] = Field(default_factory=dict)
    anomalies: tuple[Anomaly, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    receipts: tuple[Receipt, ...] = ()  # fiscal documents printed for it, in order (sale, return)
    version: int = 1

    @property
    def totals(self) -> Totals:
        return totals(self.composition)

    @property
    def pack_count(self) -> int:
        return pack_count(self.composition)

    @property
    def is_paid(self) -> bool:
        return self.payment is not None

    @property
    def is_open(self) -> bool:
        return self.state not in (OrderState.SHIPPED, OrderState.CANCELED)

    @property
    def waits_for_pickup(self) -> bool:
        return self.state is OrderState.AWAITING_PICKUP

    @property
    def marking_codes(self) -> frozenset[str]:
        return frozenset(code for line in self.composition for code in line.marking_codes)
