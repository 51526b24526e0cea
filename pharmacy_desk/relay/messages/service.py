"""Once per pickup code and channel, in the background, logged without the code.

:meth:`PickupMessenger.code_issued` is called by the action handler *after* the transaction that
issued the code committed (the ``order.pickup_code_created`` notification is already in the outbox, so
nothing here can hold it up) with the code as the action produced it — the only moment the relay
knows it in clear. For each channel the store opted into (``stores[].pickup_messages``) and the order
has a recipient for, a task:

1. inserts the ``pickup_messages`` row (``sending``); the unique ``(order_id, channel)`` makes a second
   call for the same order a no-op: **once per code**;
2. renders the store's template and sends it, retrying what may pass later (``messaging.attempts``,
   ``retry_seconds`` doubling), each attempt bounded by ``timeout_seconds``;
3. records ``sent`` / ``failed`` with the sender's reason (never the text: it holds the code).

The code lives only in the task's memory. A relay stopped before a message went out cannot send it
later: at the next start such rows become ``lost`` (visible in the history); the customer still has
the code in Kuper's app.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.domain import Order
from pharmacy_desk.domain.pickup_message import mask_email, mask_phone, normalize_phone, render
from pharmacy_desk.relay.config import MessagingConfig, StoreConfig
from pharmacy_desk.relay.messages.senders import Channel, MessageSender
from pharmacy_desk.relay.outbox.worker import utc_now
from pharmacy_desk.relay.storage.schema import pickup_messages

logger = logging.getLogger("pharmacy_desk.relay.messages")

LOST = "the relay stopped before the message went out; the code is not kept, so it cannot be sent now"


def pickup_deadline(order: Order) -> datetime | None:
    """The order's pickup deadline when it has one (``pickup_hold_until``), for the template's ``{until}``."""
    return getattr(order, "pickup_hold_until", None)


class PickupMessenger:
    def __init__(
        self,
        engine: AsyncEngine,
        settings: MessagingConfig,
        senders: Mapping[Channel, MessageSender],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self.senders = dict(senders)
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        async with self._engine.begin() as conn:
            lost = await conn.execute(
                update(pickup_messages)
                .where(pickup_messages.c.status == "sending")
                .values(status="lost", last_error=LOST)
            )
        if lost.rowcount:
            logger.warning("pickup messages: %d message(s) left unsent by the last run are lost", lost.rowcount)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.start()  # what was cut short is "lost" now, not "sending"
        for sender in self.senders.values():
            await sender.aclose()

    async def idle(self) -> None:
        """Wait for the messages in flight (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def code_issued(self, store: StoreConfig, order: Order, order_id: int, code: str) -> list[Channel]:
        """Start sending ``code`` on every channel the store opted into; returns those channels."""
        wanted = store.pickup_messages
        started: list[Channel] = []
        recipients: list[tuple[Channel, str | None]] = []
        if wanted.sms:
            recipients.append((Channel.SMS, normalize_phone(order.customer.phone)))
        if wanted.email:
            email = order.customer.email
            recipients.append((Channel.EMAIL, email if email and "@" in email else None))
        for channel, recipient in recipients:
            sender = self.senders.get(channel)
            if sender is None or recipient is None:
                logger.info("order %s: no %s for the pickup code (no sender or no recipient)", order.number, channel)
                continue
            task = asyncio.create_task(
                self._deliver(store, order, order_id, code, channel, recipient, sender), name=f"pickup-{channel}"
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started.append(channel)
        return started

    async def _deliver(
        self,
        store: StoreConfig,
        order: Order,
        order_id: int,
        code: str,
        channel: Channel,
        recipient: str,
        sender: MessageSender,
    ) -> None:
        masked = mask_phone(recipient) if channel is Channel.SMS else mask_email(recipient)
        try:
            async with self._engine.begin() as conn:
                row_id = (
                    await conn.execute(
                        insert(pickup_messages)
                        .values(
                            store=store.key,
                            order_id=order_id,
                            channel=channel.value,
                            recipient=masked,
                            status="sending",
                            attempts=0,
                            created_at=self._clock(),
                        )
                        .returning(pickup_messages.c.id)
                    )
                ).scalar_one()
        except IntegrityError:
            logger.info("order %s: the pickup code already went by %s: not again", order.number, channel)
            return
        wanted = store.pickup_messages
        text = render(wanted.template, code=code, number=order.number, store=store.name, until=pickup_deadline(order))
        subject = wanted.subject.format(number=order.number, store=store.name)
        delay = self._settings.retry_seconds
        status, error, attempts = "failed", "", 0
        for attempt in range(1, self._settings.attempts + 1):
            attempts = attempt
            try:
                async with asyncio.timeout(self._settings.timeout_seconds):
                    delivery = await sender.send(recipient, text, subject=subject)
            except TimeoutError:
                delivery = None
                error = f"no answer within {self._settings.timeout_seconds:g} s"
            if delivery is not None and delivery.ok:
                status, error = "sent", ""
                break
            if delivery is not None:
                error = delivery.detail
                if not delivery.retry:
                    break
            await self._record(row_id, "sending", attempts, error)
            if attempt < self._settings.attempts:
                await asyncio.sleep(delay)
                delay *= 2
        await self._record(row_id, status, attempts, error or None, sent=status == "sent")
        if status == "sent":
            logger.info("order %s: pickup code sent by %s to %s", order.number, channel, masked)
        else:
            logger.warning("order %s: pickup code not sent by %s to %s: %s", order.number, channel, masked, error)

    async def _record(self, row_id: int, status: str, attempts: int, error: str | None, *, sent: bool = False) -> None:
        values: dict[str, object] = {"status": status, "attempts": attempts, "last_error": error}
        if sent:
            values["sent_at"] = self._clock()
        async with self._engine.begin() as conn:
            await conn.execute(update(pickup_messages).where(pickup_messages.c.id == row_id).values(values))
