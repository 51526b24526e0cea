"""Staff actions: decided by the domain, saved with their notifications in one transaction.

``POST /stores/{store}/orders/{number}/actions`` lands here. In one transaction (the store's writers
queue behind :func:`~pharmacy_desk.relay.storage.orders.lock_store`):

1. an ``idempotency_key`` seen before in this store → the stored answer, nothing applied again;
2. no such order → 404; ``expected_version`` not the order's version → 409 with the current order
   (neither is stored: nothing was decided, the PC re-reads and asks again with a new key);
3. :func:`~pharmacy_desk.domain.decide` with the store's rules, the pickup code digests of the
   store's waiting orders (and the key, :mod:`.pickup_secret`) and the marking codes other orders hold;
4. accepted → 200: the new snapshot, one ``outbox`` row per notification (``pending``, due now; the
   body is the wire JSON built by the strict Kuper models, so an unsendable body is never stored), the marking codes and
   pickup code columns, the stream events. Refused → 422 ``{"code", "message", "tries_left"}``;
   a refusal that still changed the order (a wrong pickup code counts an attempt) saves that change.
   A ``verify_pickup_code`` past the PC's or the store's attempt budget is answered 429 with
   ``Retry-After`` before it is decided (:mod:`.verify_budget`), and not stored.
   Both answers are stored with the key; no answer and no stored row holds a pickup code (the order
   carries only "issued / locked until", a ``verify_pickup_code`` request is stored with its code masked).

Stock effects run after the commit (see :mod:`.stock_hook`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.api.orders import ActionAccepted, ActionRequest, Conflict, OrderSummary, Problem, Refused
from pharmacy_desk.domain import Actor, Context, NotificationType, Outcome, decide
from pharmacy_desk.relay.config import StoreConfig
from pharmacy_desk.relay.counter.verify_budget import VERIFY_KIND, Failures, Spent, burst_message, recent_failures
from pharmacy_desk.relay.errors import OrderChangedMeanwhile
from pharmacy_desk.relay.outbox.kuper_wire import wire_notifications
from pharmacy_desk.relay.outbox.worker import OutboxStatus, enqueue_notification, reset_for_retry
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.devices import Device
from pharmacy_desk.relay.storage.history import outbox_record
from pharmacy_desk.relay.storage.orders import (
    get_order,
    lock_store,
    marking_codes_elsewhere,
    save_order,
    taken_pickup_digests,
)
from pharmacy_desk.relay.storage.pickup_secret import stored_request
from pharmacy_desk.relay.storage.schema import actions, outbox
from pharmacy_desk.relay.stream import events as stream_events
from pharmacy_desk.relay.timeutil import utcnow

log = logging.getLogger("pharmacy_desk.relay.counter.actions")

_ATTEMPTS = 3


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False
    headers: dict[str, str] | None = None


def _problem(status: int, code: str, message: str) -> Answer:
    return Answer(status, Problem(code=code, message=message).model_dump(mode="json"))


def _too_many(spent: Spent, device: Device) -> Answer:
    if spent.who == "device":
        message = f"С кассы «{device.name}» слишком много неверных кодов: проверка приостановлена"
    else:
        message = "В аптеке слишком много неверных кодов выдачи: проверка приостановлена"
    minutes = max(1, -(-spent.retry_after // 60))
    body = Problem(code="too_many_attempts", message=f"{message} (примерно на {minutes} мин.)").model_dump(mode="json")
    return Answer(429, body, headers={"Retry-After": str(spent.retry_after)})


def _codes_in(request: ActionRequest) -> set[str]:
    composition = getattr(request.action, "composition", None) or ()
    return {code for line in composition for code in line.marking_codes}


class ActionService:
    def __init__(self, state: RelayState) -> None:
        self.state = state

    async def perform(self, store: StoreConfig, device: Device, number: str, request: ActionRequest) -> Answer:
        for attempt in range(_ATTEMPTS):
            try:
                return await self._once(store, device, number, request)
            except (IntegrityError, OrderChangedMeanwhile) as exc:
                # Only a race the store lock does not cover gets here; the next attempt sees its result.
                log.info("action on %s/%s: concurrent change (%s), attempt %d", store.key, number, exc, attempt)
        return _problem(503, "busy", "Заказ сейчас меняется: повторите действие")

    async def _stored_answer(self, conn: AsyncConnection, store: str, key: str) -> Answer | None:
        row = (
            await conn.execute(
                select(actions.c.status_code, actions.c.response).where(
                    actions.c.store == store, actions.c.idempotency_key == key
                )
            )
        ).first()
        return Answer(row.status_code, json.loads(row.response), replayed=True) if row is not None else None

    async def _once(self, store: StoreConfig, device: Device, number: str, request: ActionRequest) -> Answer:
        now = utcnow()
        effects: Outcome | None = None
        async with self.state.engine.begin() as conn:
            await lock_store(conn, store.key)
            stored_answer = await self._stored_answer(conn, store.key, request.idempotency_key)
            if stored_answer is not None:
                return stored_answer
            stored = await get_order(conn, store.key, number=number)
            if stored is None:
                return _problem(404, "order_not_found", f"Заказ {number} не найден")
            order = stored.order
            if request.expected_version != order.version:
                return Answer(409, Conflict(order=order).model_dump(mode="json"))
            failures: Failures | None = None
            if request.action.kind == VERIFY_KIND:
                failures = await recent_failures(conn, store.key, self.state.config.pickup_attempts, now)
                spent = failures.spent(self.state.config.pickup_attempts, device.id, now)
                if spent is not None:
                    return _too_many(spent, device)
            codes = _codes_in(request) | set(order.marking_codes)
            ctx = Context(
                now=now,
                actor=Actor(device_id=device.id, device_name=device.name, operator=request.operator),
                rules=store.rules,
                taken_pickup_digests=await taken_pickup_digests(conn, store.key, except_order=stored.id),
                pickup_code_key=self.state.pickup_key,
                marking_codes_elsewhere=await marking_codes_elsewhere(conn, store.key, codes, except_order=stored.id),
            )
            outcome = decide(order, request.action, ctx)
            wires = (
                wire_notifications(self.state.config, store, outcome.order, outcome.notifications)
                if outcome.accepted
                else []
            )
            if isinstance(wires, str):
                log.error(
                    "action %s on %s: notification would be refused by Kuper: %s", request.action.kind, number, wires
                )
                answer = _problem(422, "notification_invalid", f"Уведомление для Купера не прошло проверку: {wires}")
                outcome = outcome.model_copy(update={"changed": False})
                wires = []
            elif outcome.accepted:
                answer = Answer(
                    200, ActionAccepted(order=outcome.order, tries_left=outcome.tries_left).model_dump(mode="json")
                )
                effects = outcome
            else:
                assert outcome.refusal is not None
                refused = Refused(
                    code=outcome.refusal.code.value,
                    message=outcome.refusal.message,
                    tries_left=outcome.tries_left if outcome.tries_left is not None else outcome.refusal.tries_left,
                    order=OrderSummary.of(outcome.order),
                )
                answer = Answer(422, refused.model_dump(mode="json"))
            alerted = (
                failures is not None
                and answer.status_code == 422
                and await self._count_failure(conn, store.key, device, failures)
            )
            if outcome.changed:
                await save_order(conn, stored.id, order.version, outcome.order, now, previous=order)
                await stream_events.order_changed(conn, stored.id, outcome.order)
                await stream_events.alerts_raised(conn, stored.id, outcome.order, outcome.alerts)
                for wire in wires:
                    await enqueue_notification(conn, store=store.key, order_id=stored.id, notification=wire, now=now)
            await conn.execute(
                insert(actions).values(
                    store=store.key,
                    order_id=stored.id,
                    idempotency_key=request.idempotency_key,
                    device_id=device.id,
                    operator=request.operator,
                    kind=request.action.kind,
                    request=stored_request(request.model_dump_json()),
                    status_code=answer.status_code,
                    response=json.dumps(answer.body, ensure_ascii=False),
                    created_at=now,
                )
            )
        if outcome.changed or alerted:
            self.state.committed(store.key, outbox=bool(wires))
            self._pickup_code_issued(store, stored.id, outcome)
        if effects is not None and effects.effects:
            await self.state.stock.run(store.key, effects.order, effects.effects)
        return answer

    async def _count_failure(self, conn: AsyncConnection, store: str, device: Device, failures: Failures) -> bool:
        """A refused check: alert the store when this PC's refusals reach the alert or the stop (True)."""
        budget = self.state.config.pickup_attempts
        count = len(failures.of(device.id)) + 1  # with this one
        if count not in (budget.alert_after, budget.device_failures):
            return False
        message = burst_message(device.name, count, budget, stopped=count >= budget.device_failures)
        log.warning("store %s: %s", store, message)
        await stream_events.anomaly(conn, store, message)
        return True

    def _pickup_code_issued(self, store: StoreConfig, order_id: int, outcome: Outcome) -> None:
        """The code goes to the customer by SMS / e-mail now, while it is known (after the commit, in the
        background: the Kuper notification is already queued and waits for nothing here)."""
        messenger = getattr(self.state, "messages", None)
        if messenger is None:
            return
        for note in outcome.notifications:
            if note.type is NotificationType.PICKUP_CODE_CREATED and note.pickup_code:
                try:
                    messenger.code_issued(store, outcome.order, order_id, note.pickup_code)
                except Exception:
                    log.exception("order %s: the pickup code message could not be started", outcome.order.number)

    async def retry_notification(self, store: str, outbox_id: int) -> Answer:
        """A failed notification back to pending, due now (staff's "send again")."""
        now = utcnow()
        async with self.state.engine.begin() as conn:
            await lock_store(conn, store)
            row = (await conn.execute(select(outbox).where(outbox.c.id == outbox_id, outbox.c.store == store))).first()
            if row is None:
                return _problem(404, "notification_not_found", "Уведомление не найдено")
            if row.status != OutboxStatus.FAILED or not await reset_for_retry(conn, outbox_id, now=now):
                return _problem(409, "not_failed", "Повторить можно только уведомление с ошибкой")
            fresh = (await conn.execute(select(outbox).where(outbox.c.id == outbox_id))).one()
        self.state.committed(store, outbox=True)
        return Answer(200, outbox_record(fresh._mapping).model_dump(mode="json"))
