"""Kuper's shipments API (live sources): the order list the relay pulls and one order's state.

- ``GET /ofm/api/v1/shipments?filters[storeId]=…&filters[updatedFrom]=…&maxPageSize=…&nextPageToken=…``
  → ``{"data": [order…], "nextPageToken": "…"}`` (each order in the ``order.created`` payload's shape);
- ``GET /ofm/api/v1/shipments/{originalOrderId}/state`` → ``{"data": {"state", "paymentState"}}``.

Tolerant models (what Kuper sends): unknown fields kept, a missing ``nextPageToken`` ends the paging,
an order in the list that cannot be read is skipped by :meth:`ShipmentsPage.readable` with its reason.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import TolerantModel
from pharmacy_desk.kuper.errors import KuperFormatError, describe_validation_error
from pharmacy_desk.kuper.jsonbody import Body, load_object
from pharmacy_desk.kuper.webhooks import OrderCreatedPayload


class ShipmentState(TolerantModel):
    """``data`` of the state answer."""

    state: str = Field(alias=names.STATE, min_length=1)
    payment_state: str | None = Field(None, alias=names.PAYMENT_STATE)


class ShipmentStateAnswer(TolerantModel):
    data: ShipmentState = Field(alias=names.DATA)


class ShipmentsPage(TolerantModel):
    """One page of the order list."""

    data: list[Any] = Field(default_factory=list, alias=names.DATA)
    next_page_token: str | None = Field(None, alias=names.NEXT_PAGE_TOKEN)

    def readable(self) -> tuple[list[OrderCreatedPayload], list[str]]:
        """The orders that parse as an order payload, and why the others did not."""
        good: list[OrderCreatedPayload] = []
        bad: list[str] = []
        for index, item in enumerate(self.data):
            try:
                good.append(OrderCreatedPayload.model_validate(item))
            except ValidationError as exc:
                bad.append(f"data[{index}]: {describe_validation_error(exc)}")
        return good, bad


def parse_shipment_state(body: Body) -> ShipmentState:
    """The state answer's ``data``; :class:`KuperFormatError` when it is not one."""
    data = load_object(body, KuperFormatError)
    try:
        return ShipmentStateAnswer.model_validate(data).data
    except ValidationError as exc:
        raise KuperFormatError(f"shipment state: {describe_validation_error(exc)}") from None


def parse_shipments_page(body: Body) -> ShipmentsPage:
    """One page of the shipments list; :class:`KuperFormatError` when it is not one."""
    data = load_object(body, KuperFormatError)
    try:
        return ShipmentsPage.model_validate(data)
    except ValidationError as exc:
        raise KuperFormatError(f"shipments page: {describe_validation_error(exc)}") from None
