"""The pieces of an incoming order (Kuper → merchant): positions, totals, customer, address, delivery
window, courier, cancellation.

All tolerant (:class:`~pharmacy_desk.kuper.base.TolerantModel`): every field except a position's SKU is
optional, unknown fields are kept, numbers are accepted where strings are expected (a phone or SKU sent
as a JSON number becomes a string) and money is a ``Decimal`` whatever form it came in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import TolerantModel
from pharmacy_desk.kuper.money import Money
from pharmacy_desk.kuper.vocabulary import CancellationSlug

LenientDatetime = Annotated[datetime | str, Field(union_mode="left_to_right")]
"""An ISO 8601 moment as a ``datetime``; a text that is not one is kept as the raw string (these
fields are *assumed*, a different format from Kuper must not refuse the order)."""


class IncomingMarkingCode(TolerantModel):
    """A drug marking code (DataMatrix text, GS as ``\\x1d``) as Kuper sends it."""

    value: str = Field(alias=names.MARKING_CODE_VALUE)


class OrderPosition(TolerantModel):
    """One line of an order as Kuper sees it."""

    sku: str = Field(alias=names.POSITION_ID, min_length=1)
    name: str | None = Field(None, alias=names.POSITION_NAME)
    original_quantity: int | None = Field(None, alias=names.POSITION_ORIGINAL_QUANTITY)
    quantity: int | None = Field(None, alias=names.POSITION_QUANTITY)
    price: Money | None = Field(None, alias=names.POSITION_PRICE)
    discount_price: Money | None = Field(None, alias=names.POSITION_DISCOUNT_PRICE)
    total_price: Money | None = Field(None, alias=names.POSITION_TOTAL_PRICE)
    total_discount_price: Money | None = Field(None, alias=names.POSITION_TOTAL_DISCOUNT_PRICE)
    weight: str | None = Field(None, alias=names.POSITION_WEIGHT)
    marking_codes: list[IncomingMarkingCode] | None = Field(None, alias=names.MARKING_CODES)
    replaced_by_id: str | None = Field(None, alias=names.REPLACED_BY_ID)


class OrderTotal(TolerantModel):
    """Order totals as Kuper sends them."""

    total_price: Money | None = Field(None, alias=names.TOTAL_PRICE)
    discount_total_price: Money | None = Field(None, alias=names.TOTAL_DISCOUNT_PRICE)


class Customer(TolerantModel):
    """Who ordered."""

    name: str | None = Field(None, alias=names.CUSTOMER_NAME)
    phone: str | None = Field(None, alias=names.CUSTOMER_PHONE)
    email: str | None = Field(None, alias=names.CUSTOMER_EMAIL)


class Address(TolerantModel):
    """Where the courier takes the order (delivery flow)."""

    full_address: str | None = Field(None, alias=names.ADDRESS_FULL)


class DeliveryWindow(TolerantModel):
    """When the customer expects the order."""

    expected_from: LenientDatetime | None = Field(None, alias=names.DELIVERY_FROM)
    expected_to: LenientDatetime | None = Field(None, alias=names.DELIVERY_TO)


class Courier(TolerantModel):
    """Kuper's courier (``courier.assigned``)."""

    name: str | None = Field(None, alias=names.COURIER_NAME)
    phone: str | None = Field(None, alias=names.COURIER_PHONE)
    photo_url: str | None = Field(None, alias=names.COURIER_PHOTO_URL)


class Cancellation(TolerantModel):
    """Why Kuper or the customer canceled; the slug is kept even when it is not one we know."""

    slug: str | None = Field(None, alias=names.CANCELLATION_SLUG)
    description: str | None = Field(None, alias=names.CANCELLATION_DESCRIPTION)

    @property
    def known_slug(self) -> CancellationSlug | None:
        """The slug as a :class:`CancellationSlug`, or ``None`` when absent or unknown."""
        try:
            return CancellationSlug(self.slug) if self.slug is not None else None
        except ValueError:
            return None
