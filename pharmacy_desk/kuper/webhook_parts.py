"""The pieces of an incoming order (Kuper → merchant): positions, totals, customer, address, delivery
window, courier, cancellation.

All tolerant (:class:`~pharmacy_desk.kuper.base.TolerantModel`): every field except a position's SKU is
optional, unknown fields are kept, numbers are accepted where strings are expected (a phone or SKU sent
as a JSON number becomes a string), explicit nulls are taken as absent, money and quantities are
``Decimal`` whatever form they came in (an ERP that ran against Kuper switched its quantity from int to
decimal after real orders), and a marking code may be a string or a ``{"value"}`` object.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import TolerantModel
from pharmacy_desk.kuper.money import Money, parse_money
from pharmacy_desk.kuper.vocabulary import CancellationSlug

LenientDatetime = Annotated[datetime | str, Field(union_mode="left_to_right")]
"""An ISO 8601 moment as a ``datetime``; a text that is not one is kept as the raw string (these
fields are *assumed*, a different format from Kuper must not refuse the order)."""


def _quantity(value: Any) -> Any:
    if value is None:
        return None
    try:
        return parse_money(value)
    except ValueError:
        raise ValueError(f"invalid quantity {value!r}: expected a number like 2 or 0.5") from None


def _quantity_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


WireQuantity = Annotated[
    Decimal, BeforeValidator(_quantity), PlainSerializer(_quantity_json, return_type=int | float, when_used="json")
]
"""A quantity as Kuper sends it: ``2``, ``2.0``, ``"2"``, ``0.5`` all become a ``Decimal``."""


class IncomingMarkingCode(TolerantModel):
    """A drug marking code (DataMatrix text, GS as ``\\x1d``) as Kuper sends it."""

    value: str = Field(alias=names.MARKING_CODE_VALUE)


def _marking_codes(value: Any) -> Any:
    """A plain string (or a single object) is taken as one code; ``{"value"}`` objects stay as they are."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [{names.MARKING_CODE_VALUE: item} if isinstance(item, str | int) else item for item in items]


IncomingMarkingCodes = Annotated[list[IncomingMarkingCode], BeforeValidator(_marking_codes)]


class OrderPosition(TolerantModel):
    """One line of an order as Kuper sees it."""

    sku: str = Field(alias=names.POSITION_ID, min_length=1)
    name: str | None = Field(None, alias=names.POSITION_NAME)
    original_quantity: WireQuantity | None = Field(None, alias=names.POSITION_ORIGINAL_QUANTITY)
    quantity: WireQuantity | None = Field(None, alias=names.POSITION_QUANTITY)
    price: Money | None = Field(None, alias=names.POSITION_PRICE)
    discount_price: Money | None = Field(None, alias=names.POSITION_DISCOUNT_PRICE)
    total_price: Money | None = Field(None, alias=names.POSITION_TOTAL_PRICE)
    total_discount_price: Money | None = Field(None, alias=names.POSITION_TOTAL_DISCOUNT_PRICE)
    weight: str | None = Field(None, alias=names.POSITION_WEIGHT)
    marking_codes: IncomingMarkingCodes | None = Field(None, alias=names.MARKING_CODES)
    replaced_by_id: str | None = Field(None, alias=names.REPLACED_BY_ID)
    state: str | None = Field(None, alias=names.POSITION_STATE)


class OrderTotal(TolerantModel):
    """Order totals as Kuper sends them."""

    total_price: Money | None = Field(None, alias=names.TOTAL_PRICE)
    discount_total_price: Money | None = Field(None, alias=names.TOTAL_DISCOUNT_PRICE)


class Customer(TolerantModel):
    """Who ordered."""

    name: str | None = Field(None, alias=names.CUSTOMER_NAME)
    phone: str | None = Field(None, alias=names.CUSTOMER_PHONE)
    short_number: str | None = Field(None, alias=names.CUSTOMER_SHORT_NUMBER)
    email: str | None = Field(None, alias=names.CUSTOMER_EMAIL)


class Address(TolerantModel):
    """Where the courier takes the order (delivery flow): the full line and its parts (live shape)."""

    full_address: str | None = Field(None, alias=names.ADDRESS_FULL)
    city: str | None = Field(None, alias=names.ADDRESS_CITY)
    street: str | None = Field(None, alias=names.ADDRESS_STREET)
    building: str | None = Field(None, alias=names.ADDRESS_BUILDING)
    apartment: str | None = Field(None, alias=names.ADDRESS_APARTMENT)
    entrance: str | None = Field(None, alias=names.ADDRESS_ENTRANCE)
    floor: str | None = Field(None, alias=names.ADDRESS_FLOOR)
    door_phone: str | None = Field(None, alias=names.ADDRESS_DOOR_PHONE)
    elevator: str | None = Field(None, alias=names.ADDRESS_ELEVATOR)
    delivery_to_door: bool | None = Field(None, alias=names.ADDRESS_TO_DOOR)

    def describe(self) -> str | None:
        """One line for the staff: the full address, then apartment, entrance, floor, door phone."""
        base = self.full_address or ", ".join(part for part in (self.city, self.street, self.building) if part)
        extra = [
            f"кв. {self.apartment}" if self.apartment else "",
            f"подъезд {self.entrance}" if self.entrance else "",
            f"этаж {self.floor}" if self.floor else "",
            f"домофон {self.door_phone}" if self.door_phone else "",
            "до двери" if self.delivery_to_door else "",
        ]
        text = ", ".join(part for part in (base, *extra) if part)
        return text or None


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
