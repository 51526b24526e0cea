"""The pieces of a notification we send (merchant → Kuper): positions, total, marking codes,
cancellation reason, and the constrained strings (order id, SKU, pickup code).

All strict (:class:`~pharmacy_desk.kuper.base.StrictModel`): unknown fields are refused, amounts follow
:mod:`~pharmacy_desk.kuper.totals`, quantities are non-negative integers (``"2"`` and ``2.0`` refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import StrictModel
from pharmacy_desk.kuper.money import StrictMoney, parse_money
from pharmacy_desk.kuper.totals import composition_total, position_problems, position_total
from pharmacy_desk.kuper.vocabulary import CancellationSlug

_TOKEN = r"^\S(?:.*\S)?$"  # non-empty, no leading or trailing white space

OrderUUID = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_TOKEN)]
"""Kuper's order id (``retailer-slug:<uuid>``)."""
MerchantNumber = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_TOKEN)]
"""The pharmacy's own order id, as answered to ``order.created``."""
Sku = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_TOKEN)]
"""The pharmacy's SKU (``positions[].id``)."""
PICKUP_CODE_LENGTHS = range(4, 13)


def _check_pickup_code(code: str) -> str:
    if not (code.isascii() and code.isdigit() and len(code) in PICKUP_CODE_LENGTHS):
        raise ValueError(
            f"pickup code must be {PICKUP_CODE_LENGTHS.start} to {PICKUP_CODE_LENGTHS.stop - 1} digits, got {code!r}"
        )
    return code


PickupCode = Annotated[str, AfterValidator(_check_pickup_code)]
"""A pickup code: 4 to 12 ASCII digits, as a string."""
Weight = Annotated[str, StringConstraints(pattern=r"^[0-9]+(?:\.[0-9]+)?$")]
"""A position's weight as a decimal string (``"500"``)."""
Quantity = Annotated[int, Field(ge=0, strict=True)]
"""Units of a position: a non-negative integer."""

GS = "\x1d"
"""The GS1 group separator inside a DataMatrix marking code."""
_MARKING_CODE_MAX = 255


class MarkingCode(StrictModel):
    """One drug pack's marking code (MDLP DataMatrix text with GS as ``\\x1d``)."""

    value: str = Field(alias=names.MARKING_CODE_VALUE, min_length=1, max_length=_MARKING_CODE_MAX)

    @field_validator("value")
    @classmethod
    def _printable_ascii(cls, value: str) -> str:
        for char in value:
            if char == GS or "!" <= char <= "~":
                continue
            if "А" <= char <= "я" or char in "Ёё":
                raise ValueError("marking code contains Cyrillic letters: scanned under a Russian keyboard layout?")
            raise ValueError(f"marking code contains {char!r}: only printable ASCII and GS are allowed")
        return value


class NotificationPosition(StrictModel):
    """One line of the composition we report; amounts follow :mod:`~pharmacy_desk.kuper.totals`."""

    sku: Sku = Field(alias=names.POSITION_ID)
    quantity: Quantity = Field(alias=names.POSITION_QUANTITY)
    price: StrictMoney = Field(alias=names.POSITION_PRICE)
    discount_price: StrictMoney = Field(alias=names.POSITION_DISCOUNT_PRICE)
    total_price: StrictMoney = Field(alias=names.POSITION_TOTAL_PRICE)
    weight: Weight | None = Field(None, alias=names.POSITION_WEIGHT)
    marking_codes: list[MarkingCode] | None = Field(None, alias=names.MARKING_CODES)
    replaced_by_id: Sku | None = Field(None, alias=names.REPLACED_BY_ID)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = position_problems(self.price, self.discount_price, self.quantity, self.total_price)
        codes = [code.value for code in self.marking_codes or ()]
        if len(codes) > self.quantity:
            problems.append(f"{len(codes)} marking codes for quantity {self.quantity}")
        if self.replaced_by_id is not None and self.replaced_by_id == self.sku:
            problems.append("replacedByID is the position's own id")
        if problems:
            raise ValueError(f"position {self.sku}: " + "; ".join(problems))
        return self

    @classmethod
    def build(
        cls,
        sku: str,
        quantity: int,
        price: Decimal | str,
        discount_price: Decimal | str | None = None,
        *,
        marking_codes: Iterable[str] = (),
        replaces: str | None = None,
        weight: str | None = None,
    ) -> Self:
        """A position with ``totalPrice`` computed (``discount_price`` defaults to ``price``).

        ``replaces`` is the SKU this position substitutes (sent as ``replacedByID``).
        """
        unit = parse_money(price)
        charged = unit if discount_price is None else parse_money(discount_price)
        codes = [MarkingCode(value=code) for code in marking_codes]
        return cls(
            sku=sku,
            quantity=quantity,
            price=unit,
            discount_price=charged,
            total_price=position_total(charged, quantity),
            weight=weight,
            marking_codes=codes or None,
            replaced_by_id=replaces,
        )


class NotificationTotal(StrictModel):
    """The composition's total: both fields equal the sum of the positions' ``totalPrice``."""

    total_price: StrictMoney = Field(alias=names.TOTAL_PRICE)
    discount_total_price: StrictMoney = Field(alias=names.TOTAL_DISCOUNT_PRICE)

    @classmethod
    def of(cls, positions: Sequence[NotificationPosition]) -> Self:
        """The total of ``positions`` by the rule in :mod:`~pharmacy_desk.kuper.totals`."""
        amount = composition_total(position.total_price for position in positions)
        return cls(total_price=amount, discount_total_price=amount)


class CancellationReason(StrictModel):
    """Why the pharmacy cancels: a known slug and a human description."""

    slug: CancellationSlug = Field(alias=names.CANCELLATION_SLUG)
    description: str = Field(alias=names.CANCELLATION_DESCRIPTION, min_length=1, max_length=1000)
