"""What the relay does with a new order once the stock answered (order.created).

Pure: a :class:`~.models.ReservationResult` (or the source's failure) and the store's policy in, one
:class:`StockDecision` out:

==========================  ==========================  =====================================
reservation                 ``auto_cancel_out_of_stock``   ``flag``
==========================  ==========================  =====================================
everything reserved         PROCEED                      PROCEED
part of it reserved         FLAG (pharmacist decides)    FLAG
nothing reserved            CANCEL ``out_of_stock``      FLAG
source failed               FLAG (never cancel blind)    FLAG
already released/committed  IGNORE                       IGNORE
==========================  ==========================  =====================================

Kuper still gets ``created`` with a number first in every case (docs/kuper-protocol.md §2); CANCEL means
"then send ``order.canceled`` with ``out_of_stock``" (the lifecycle then releases the order, which
frees nothing but records it).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.domain.states import CancelReason
from pharmacy_desk.inventory.errors import StockUnavailable
from pharmacy_desk.inventory.models import ReservationResult, ReservationState, SkuQuantity

_DECIDE = "Решите: замена, звонок клиенту или отмена."


class OutOfStockPolicy(StrEnum):
    """A store's choice for an order nothing of which can be reserved."""

    AUTO_CANCEL = "auto_cancel_out_of_stock"
    FLAG = "flag"

    @classmethod
    def parse(cls, value: str) -> OutOfStockPolicy:
        """Also accepts the relay configuration's names (``cancel``, ``ask_staff``)."""
        text = value.strip().lower()
        aliases = {"cancel": cls.AUTO_CANCEL, "ask_staff": cls.FLAG}
        if text in aliases:
            return aliases[text]
        return cls(text)


class Coverage(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"
    UNKNOWN = "unknown"  # the source failed
    CLOSED = "closed"  # the source already has the order released or committed


class Action(StrEnum):
    PROCEED = "proceed"  # assemble as ordered
    FLAG = "flag"  # show it to the pharmacist, who decides (call the customer, substitute, cancel)
    CANCEL = "cancel"  # cancel with ``cancel_reason``
    IGNORE = "ignore"  # nothing to do: the order is no longer open in the stock source


class StockDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    coverage: Coverage
    action: Action
    cancel_reason: CancelReason | None = None
    shortfalls: tuple[SkuQuantity, ...] = ()  # packs missing per SKU
    message_ru: str = ""


def decide_on_reservation(
    result: ReservationResult,
    policy: OutOfStockPolicy,
    *,
    names: Mapping[str, str] | None = None,
) -> StockDecision:
    """The decision for a reservation made at ``order.created``; ``names`` label SKUs in the message."""
    if result.state is not ReservationState.RESERVED:
        return StockDecision(
            coverage=Coverage.CLOSED,
            action=Action.IGNORE,
            message_ru="Резерв по заказу уже снят или товар списан: заказ закрыт.",
        )
    label = names or {}
    shortfalls = tuple(
        SkuQuantity(sku=line.sku, quantity=line.shortfall) for line in result.lines if line.shortfall > 0
    )
    if result.requested == 0:
        return StockDecision(coverage=Coverage.NONE, action=Action.FLAG, message_ru="В заказе нет ни одной упаковки.")
    if not shortfalls:
        return StockDecision(coverage=Coverage.FULL, action=Action.PROCEED, message_ru="Весь заказ зарезервирован.")
    missing = "; ".join(
        f"{label.get(line.sku) or line.sku} — есть {line.reserved} из {line.requested} уп."
        for line in result.lines
        if line.shortfall > 0
    )
    if result.reserved > 0:
        return StockDecision(
            coverage=Coverage.PARTIAL,
            action=Action.FLAG,
            shortfalls=shortfalls,
            message_ru=f"Зарезервирована часть заказа. Не хватает: {missing}. {_DECIDE}",
        )
    if policy is OutOfStockPolicy.AUTO_CANCEL:
        return StockDecision(
            coverage=Coverage.NONE,
            action=Action.CANCEL,
            cancel_reason=CancelReason.OUT_OF_STOCK,
            shortfalls=shortfalls,
            message_ru=f"Ничего из заказа нет в наличии ({missing}): заказ отменён автоматически.",
        )
    return StockDecision(
        coverage=Coverage.NONE,
        action=Action.FLAG,
        shortfalls=shortfalls,
        message_ru=f"Ничего из заказа нет в наличии ({missing}). Решите: замена, звонок клиенту или отмена.",
    )


def decide_on_failure(error: StockUnavailable) -> StockDecision:
    """The stock source failed at ``order.created``: never cancel blind, let the pharmacist check the shelf."""
    return StockDecision(
        coverage=Coverage.UNKNOWN,
        action=Action.FLAG,
        message_ru=f"{error.message_ru} Проверьте наличие на полке.",
    )
