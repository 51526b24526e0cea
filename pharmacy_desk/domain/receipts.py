"""Fiscal documents on an order: the sale receipt given at the hand-over and the return receipt of a refusal.

A Russian pharmacy may not hand a drug over without a fiscal receipt (54-ФЗ) that withdraws every
pack's marking code from circulation (ФФД 1.2 tag 2000, check results 2106, tag 1260 of the
permit-mode check). The register prints it; the order only records what the register answered, so
the relay can refuse a hand-over without one and a refusal after it needs the return receipt first.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.money import Money


class ReceiptKind(StrEnum):
    SELL = "sell"  # чек прихода
    SELL_RETURN = "sell_return"  # чек возврата прихода


class Receipt(BaseModel):
    """What the register answered for one fiscal document (``receipt: {number, fiscal_sign, fn, at, kind}``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ReceiptKind
    number: int = Field(ge=1, description="Fiscal document number (ФД, tag 1040)")
    fiscal_sign: str = Field(pattern=r"^\d{1,10}$", description="Fiscal sign (ФП/ФПД, tag 1077)")
    fn: str = Field(pattern=r"^\d{16}$", description="Fiscal drive serial (ФН, tag 1041)")
    at: datetime
    total: Money | None = None
    payment: Literal["cash", "card"] | None = None
    marking_codes: tuple[str, ...] = ()  # every pack's code the receipt carries (tag 2000)
    shift: int | None = Field(default=None, ge=0)
    receipt_number: int | None = Field(default=None, ge=0, description="Receipt number in the shift (tag 1042)")
    request_id: str | None = Field(default=None, max_length=64, description="The register request it came from")
    source: Literal["atol", "onec", "manual"] | None = None  # which kind of register printed it

    @property
    def label(self) -> str:
        kind = "Чек прихода" if self.kind is ReceiptKind.SELL else "Чек возврата прихода"
        return f"{kind} № {self.number}, ФП {self.fiscal_sign}, ФН {self.fn}"


def open_sale(receipts: tuple[Receipt, ...]) -> Receipt | None:
    """The last sale receipt not yet followed by a return receipt (the customer paid and has not been refunded)."""
    sale: Receipt | None = None
    for receipt in receipts:
        if receipt.kind is ReceiptKind.SELL:
            sale = receipt
        elif receipt.kind is ReceiptKind.SELL_RETURN:
            sale = None
    return sale
