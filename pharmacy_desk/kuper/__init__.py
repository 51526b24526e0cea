"""Kuper (ex-SberMarket) push-model wire contract and HTTP client.

Modules, one idea each:

- :mod:`.names`: every wire name (field aliases, paths, headers); which ones are *assumed*
- :mod:`.vocabulary`: event types, shipment methods, cancellation slugs
- :mod:`.money`, :mod:`.totals`: money as ``Decimal``; the rule for positions' and totals' amounts
- :mod:`.base`: tolerant (incoming) vs strict (outgoing) models
- :mod:`.webhook_parts`, :mod:`.webhooks`: Kuper → merchant; :func:`parse_webhook`
- :mod:`.notification_parts`, :mod:`.notifications`: merchant → Kuper; builders, :func:`parse_notification`
- :mod:`.answers`: the answer to ``order.created``
- :mod:`.auth`, :mod:`.client`, :mod:`.results`: token handling, :class:`KuperClient`, :class:`SendResult`
- :mod:`.redaction`: secrets out of logs (the pickup code included)
- :mod:`.bounds`, :mod:`.json_depth`: what Kuper may send at most (money, quantities, ids, NUL, lone
  surrogates, nesting), checked on the decoded JSON / before parsing
- :mod:`.errors`: the exception hierarchy

This package imports nothing from the relay, the desk or the UI.
"""

from pharmacy_desk.kuper.answers import OrderCreatedAnswer
from pharmacy_desk.kuper.client import DEFAULT_TIMEOUT, KuperClient
from pharmacy_desk.kuper.errors import (
    KuperError,
    KuperFormatError,
    NotificationFormatError,
    WebhookFormatError,
)
from pharmacy_desk.kuper.money import Money, StrictMoney, format_money, parse_money
from pharmacy_desk.kuper.notification_parts import (
    GS,
    CancellationReason,
    MarkingCode,
    NotificationPosition,
    NotificationTotal,
)
from pharmacy_desk.kuper.notifications import (
    NOTIFICATION_MODELS,
    AcceptedNotification,
    AssembledNotification,
    CanceledNotification,
    CancellationPayload,
    CompositionPayload,
    DeliveredNotification,
    InWorkNotification,
    Notification,
    NotificationEnvelope,
    NotificationPayload,
    PickupCodeCreatedNotification,
    PickupCodePayload,
    ReadyForDeliveryNotification,
    parse_notification,
)
from pharmacy_desk.kuper.redaction import redact
from pharmacy_desk.kuper.results import SendOutcome, SendResult, classify_response, parse_retry_after
from pharmacy_desk.kuper.totals import composition_total, position_total
from pharmacy_desk.kuper.vocabulary import CancellationSlug, NotificationEvent, ShipmentMethod, WebhookEvent
from pharmacy_desk.kuper.webhook_parts import (
    Address,
    Cancellation,
    Courier,
    Customer,
    DeliveryWindow,
    IncomingMarkingCode,
    OrderPosition,
    OrderTotal,
)
from pharmacy_desk.kuper.webhooks import (
    WEBHOOK_MODELS,
    CourierArrivedWebhook,
    CourierAssignedPayload,
    CourierAssignedWebhook,
    KnownWebhook,
    OrderCanceledPayload,
    OrderCanceledWebhook,
    OrderCreatedPayload,
    OrderCreatedWebhook,
    OrderDeliveredWebhook,
    OrderDeliveringWebhook,
    OrderDetails,
    OrderPaidPayload,
    OrderPaidWebhook,
    OrderReceivedWebhook,
    OrderRef,
    OrderUpdatedPayload,
    OrderUpdatedWebhook,
    OrderWebhook,
    UnknownWebhook,
    Webhook,
    WebhookEnvelope,
    parse_webhook,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "GS",
    "NOTIFICATION_MODELS",
    "WEBHOOK_MODELS",
    "AcceptedNotification",
    "Address",
    "AssembledNotification",
    "CanceledNotification",
    "Cancellation",
    "CancellationPayload",
    "CancellationReason",
    "CancellationSlug",
    "CompositionPayload",
    "Courier",
    "CourierArrivedWebhook",
    "CourierAssignedPayload",
    "CourierAssignedWebhook",
    "Customer",
    "DeliveredNotification",
    "DeliveryWindow",
    "InWorkNotification",
    "IncomingMarkingCode",
    "KnownWebhook",
    "KuperClient",
    "KuperError",
    "KuperFormatError",
    "MarkingCode",
    "Money",
    "Notification",
    "NotificationEnvelope",
    "NotificationEvent",
    "NotificationFormatError",
    "NotificationPayload",
    "NotificationPosition",
    "NotificationTotal",
    "OrderCanceledPayload",
    "OrderCanceledWebhook",
    "OrderCreatedAnswer",
    "OrderCreatedPayload",
    "OrderCreatedWebhook",
    "OrderDeliveredWebhook",
    "OrderDeliveringWebhook",
    "OrderDetails",
    "OrderPaidPayload",
    "OrderPaidWebhook",
    "OrderPosition",
    "OrderReceivedWebhook",
    "OrderRef",
    "OrderTotal",
    "OrderUpdatedPayload",
    "OrderUpdatedWebhook",
    "OrderWebhook",
    "PickupCodeCreatedNotification",
    "PickupCodePayload",
    "ReadyForDeliveryNotification",
    "SendOutcome",
    "SendResult",
    "ShipmentMethod",
    "StrictMoney",
    "UnknownWebhook",
    "Webhook",
    "WebhookEnvelope",
    "WebhookEvent",
    "WebhookFormatError",
    "classify_response",
    "composition_total",
    "format_money",
    "parse_money",
    "parse_notification",
    "parse_retry_after",
    "parse_webhook",
    "position_total",
    "redact",
]
