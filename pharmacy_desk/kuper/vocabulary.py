"""The closed vocabularies of the Kuper wire: event types, shipment methods, cancellation slugs.

All values come from the seeds and the protocol document (``docs/kuper-protocol.md`` §2–§3); none is
assumed. Incoming webhooks never fail on a value missing here (an unknown ``event_type`` becomes an
:class:`~pharmacy_desk.kuper.webhooks.UnknownWebhook`, an unknown shipment method stays a raw string);
outgoing notifications only ever use these values.
"""

from __future__ import annotations

from enum import StrEnum


class WebhookEvent(StrEnum):
    """``event_type`` of a webhook (Kuper → merchant)."""

    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"
    COURIER_ASSIGNED = "courier.assigned"
    COURIER_ARRIVED = "courier.arrived"
    ORDER_PAID = "order.paid"
    ORDER_RECEIVED = "order.received"
    ORDER_DELIVERING = "order.delivering"
    ORDER_DELIVERED = "order.delivered"
    ORDER_CANCELED = "order.canceled"


class NotificationEvent(StrEnum):
    """``event_type`` of a notification (merchant → Kuper)."""

    ORDER_ACCEPTED = "order.accepted"
    ORDER_IN_WORK = "order.in_work"
    ORDER_ASSEMBLED = "order.assembled"
    ORDER_READY_FOR_DELIVERY = "order.ready_for_delivery"
    ORDER_PICKUP_CODE_CREATED = "order.pickup_code_created"
    ORDER_DELIVERED = "order.delivered"
    ORDER_CANCELED = "order.canceled"


class ShipmentMethod(StrEnum):
    """Who takes the order to the customer."""

    BY_COURIER = "by_courier"  # Kuper's courier delivers
    PICKUP = "pickup"  # the customer picks up at the pharmacy


class CancellationSlug(StrEnum):
    """Reasons a cancellation may carry (the merchant may only send these)."""

    STORE_CLOSED = "store_closed"
    OUT_OF_STOCK = "out_of_stock"
    TECHNICAL_ISSUES = "technical_issues"
    ORDER_NOT_PAID = "order_not_paid"
    CUSTOMER_REQUEST = "customer_request"
