"""The domain's notifications as this relay sends them: the configured format, the store's switches.

One place for what the staff actions and the intake both need:

- :func:`wire_notifications`: each domain notification built by the strict Kuper models in
  ``kuper.notification_format`` (``seeds`` or ``nested``), less the ones the store does not send
  (``send_accepted = false``, ``send_assembled = false``); an unsendable one gives the reason instead;
- the nested format names the order by Kuper's ``originalOrderId`` (kept on the order), reports whether
  the composition ``changed`` from what was ordered, and the pharmacist's bag count (``packs``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pharmacy_desk.domain import Notification, Order
from pharmacy_desk.domain.states import NotificationType
from pharmacy_desk.kuper.mapping import notification_to_wire
from pharmacy_desk.kuper.nested import AnyNotification
from pharmacy_desk.relay.config import RelayConfig, StoreConfig

SWITCH_ASSEMBLED = "send_assembled"
SWITCH_ACCEPTED = "send_accepted"


def sends(store: StoreConfig, kind: NotificationType) -> bool:
    """Whether the store sends notifications of ``kind`` at all."""
    if kind is NotificationType.ASSEMBLED:
        return store.send_assembled
    if kind is NotificationType.ACCEPTED:
        return store.send_accepted is not False
    return True


def switch_for(event_type: str) -> str | None:
    """The per-store setting that turns off ``event_type`` (for the 405 alert), if there is one."""
    return {
        NotificationType.ASSEMBLED.value: SWITCH_ASSEMBLED,
        NotificationType.ACCEPTED.value: SWITCH_ACCEPTED,
    }.get(event_type)


def wire_notifications(
    config: RelayConfig,
    store: StoreConfig,
    order: Order,
    notifications: Sequence[Notification],
    *,
    packs: int | None = None,
) -> list[AnyNotification] | str:
    """The notifications as Kuper will get them, or why one could never be sent (``packs``: the order's
    bag count from "ready" unless given)."""
    wires: list[AnyNotification] = []
    for notification in notifications:
        if not sends(store, notification.type):
            continue
        try:
            wires.append(
                notification_to_wire(
                    notification,
                    config.kuper.notification_format,
                    original_order_id=order.original_order_id,
                    ordered=order.ordered,
                    packs=packs if packs is not None else order.packs,
                )
            )
        except ValueError as exc:  # pydantic's ValidationError and the Kuper format errors
            return str(exc)
    return wires
