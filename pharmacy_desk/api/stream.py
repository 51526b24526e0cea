"""The store's event stream (``GET /stores/{store}/events``, Server-Sent Events): kinds and payloads.

Every stored event has a durable per-store id (the SSE ``id``); ``ready`` and ``resync`` are written by
the stream itself and never stored. The relay builds each ``data`` from these models; the counter app
reads them back with the same models (unknown kinds are passed on untouched, so an older PC keeps
working beside a newer relay).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.domain import Actor, Alert


class EventKind(StrEnum):
    ORDER = "order"  # an order was created or changed (re-read it for details)
    ALERT = "alert"  # something the staff must notice
    NOTIFICATION = "notification"  # a notification to Kuper changed state
    ACKNOWLEDGED = "acknowledged"  # a PC acknowledged a new order
    READY = "ready"  # the stream's first event without Last-Event-ID: the latest id
    RESYNC = "resync"  # the relay's log restarted below the PC's id: reload everything


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrderEvent(_Payload):
    order: OrderSummary


class AlertEvent(Alert):
    """An alert (kind, message, lines to put back) and the order it is about, if any."""

    number: str | None = None


class NotificationEvent(_Payload):
    outbox_id: int
    order_id: int
    event_type: str
    status: str
    attempts: int = 0
    last_error: str | None = None
    last_status_code: int | None = None
    next_attempt_at: datetime | None = None


class AcknowledgedEvent(_Payload):
    number: str
    by: Actor


class ReadyEvent(_Payload):
    last_event_id: int


class ResyncEvent(_Payload):
    last_event_id: int
    message: str
