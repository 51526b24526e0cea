"""What the staff can ask of an order. The lifecycle decides; the relay and the desk only carry them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.composition import FinalLine
from pharmacy_desk.domain.money import Money
from pharmacy_desk.domain.receipts import Receipt
from pharmacy_desk.domain.states import CancelReason


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Accept(_Action):
    """Restaurant step (``order.accepted``); only where the store setting asks for it."""

    kind: Literal["accept"] = "accept"


class StartAssembly(_Action):
    """Claim the order for this PC and start assembling (``order.in_work`` the first time).

    ``take_over`` lets another PC take an order whose assembler is gone (recorded in the audit).
    """

    kind: Literal["start_assembly"] = "start_assembly"
    take_over: bool = False


class Assembled(_Action):
    """Assembly done (``order.assembled``), with the composition as picked."""

    kind: Literal["assembled"] = "assembled"
    composition: tuple[FinalLine, ...]


MAX_BAGS = 99
"""The most bags one order may go in (Kuper's ``packs.count``)."""


class Ready(_Action):
    """Ready for delivery / pickup (``order.ready_for_delivery`` + the final composition).

    Without a composition, the one recorded at "assembled" is sent.
    """

    kind: Literal["ready"] = "ready"
    composition: tuple[FinalLine, ...] | None = None
    packs: int = Field(1, ge=1, le=MAX_BAGS)  # bags the order was packed in (Kuper's packs.count)


class HandToCourier(_Action):
    """A delivery bag given to Kuper's courier at the counter; ``cold_bag``: it travels in a cold bag
    (required for a cold-chain order, see :mod:`pharmacy_desk.domain.cold_chain`). Recorded on the order;
    Kuper's ``received`` still moves the state."""

    kind: Literal["hand_to_courier"] = "hand_to_courier"
    cold_bag: bool = False


class IssuePickupCode(_Action):
    kind: Literal["issue_pickup_code"] = "issue_pickup_code"


class LabelPrinted(_Action):
    kind: Literal["label_printed"] = "label_printed"


class VerifyPickupCode(_Action):
    kind: Literal["verify_pickup_code"] = "verify_pickup_code"
    code: str = Field(max_length=32)


class PaymentTaken(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["cash", "card"]
    amount: Money


class RecordReceipt(_Action):
    """A fiscal document the register printed for this order: the sale receipt (before the hand-over) or
    the return receipt of a customer who refused after paying. Nothing is sent to Kuper."""

    kind: Literal["record_receipt"] = "record_receipt"
    receipt: Receipt


class HandOver(_Action):
    """Pickup: the customer takes the goods. Needs the verified code, the payment (or Kuper's) and, where
    the store requires it, the sale receipt (here or recorded before with :class:`RecordReceipt`)."""

    kind: Literal["hand_over"] = "hand_over"
    payment: PaymentTaken | None = None
    composition: tuple[FinalLine, ...] | None = None  # less than ready when the customer declines packs
    receipt: Receipt | None = None


class Cancel(_Action):
    kind: Literal["cancel"] = "cancel"
    reason: CancelReason
    description: str = Field(default="", max_length=500)


class ExtendPickup(_Action):
    """Pickup: «Продлить хранение до …» — the customer called: keep the order until ``until``."""

    kind: Literal["extend_pickup"] = "extend_pickup"
    until: datetime


Action = Annotated[
    Accept
    | StartAssembly
    | Assembled
    | Ready
    | IssuePickupCode
    | LabelPrinted
    | HandToCourier
    | VerifyPickupCode
    | RecordReceipt
    | HandOver
    | Cancel
    | ExtendPickup,
    Field(discriminator="kind"),
]
