"""Kuper's webhooks in: stored durably, deduplicated, applied through the domain, answered.

The raw body (``webhooks`` row), the order change, the store's stream events and the answer all
commit together, before the answer leaves. Webhooks arriving at the same time share one transaction
(group commit, :meth:`~pharmacy_desk.relay.storage.db.RelayEngine.write_together`: one fsync for all of
them; one that fails is written on its own, so it never fails the others). A redelivery (same dedupe
key) finds the row and gets the stored answer; nothing changes twice.

Per ``order.created`` the transaction does one look-up (redelivery, existing order and events that
came before it, in one statement), the number, the order, its stream events and the webhook row;
parsing and mapping happen before it, the stock effects after the commit.

- **Dedupe key**: sha256 of the canonical JSON of the whole body (keys sorted, no spaces): the same
  body again is a redelivery. The sender's idempotency header (:data:`IDEMPOTENCY_HEADERS`, names
  assumed) is bound to its body: its sha256 is kept with the first body it came with, and the same
  header with **another** body is a new webhook: stored (without the key), applied, and an anomaly
  alert tells the store the key was reused. It is never dropped.
- **order.created**: :func:`~pharmacy_desk.domain.open_order` with our number (store prefix +
  zero-padded per-store sequence); answered ``{"status": "created", "number": ...}``. Another
  ``order.created`` for the same store and ``orderUUID`` (even with a different body) gets the same
  number and changes nothing (status ``duplicate``).
- **other events**: :func:`~pharmacy_desk.domain.apply_event` (never refuses: Kuper is the
  authority); answered 200 ``{"status": "ok"}``. For an order we do not have: stored as
  ``unknown_order``, an anomaly alert on the store's stream, 200; when its ``order.created`` comes
  later, the stored events are applied to the new order in the order they arrived.
- **unknown event type**: stored (``unknown_type``), applied as an anomaly when its order is known, 200.
- **JSON, but not a Kuper webhook we can accept** (no ``event_type``, no ``orderUUID``, wrong value
  types, a value outside :mod:`pharmacy_desk.kuper.bounds`: negative or absurd money and quantities,
  NUL or lone surrogates, over-long ids; or an order the mapping refuses): stored as ``invalid`` with
  the message (ASCII-safe), answered 400 with that message, and the store gets an alert ("Купер
  прислал заказ, который нельзя принять: …"): it is bad input, not a disagreement about state, and
  nothing is lost. Its redeliveries get the stored answer (no new rows).
- **no store**: the store comes from the URL, else the payload's ``storeID`` / ``storeImportKey``,
  else store-specific credentials, else the order's store, else the only configured store. When
  none fits, the webhook is stored (``unknown_store``) and answered 503 so Kuper delivers it again
  once the configuration is fixed (its row does not block that redelivery).
- **a failure of ours** (a bug, the database gone mid-way): 500, and the body is stored as
  ``error`` when the database allows, again without blocking the redelivery.

Stock effects (reserve...) run after the commit, within the stock budget (see :mod:`.stock_hook`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property, partial
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    DateTime,
    Row,
    Text,
    bindparam,
    case,
    cast,
    insert,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.domain import KuperEvent, NewOrder, Order, StockEffect, apply_event, open_order
from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.answers import OrderCreatedAnswer
from pharmacy_desk.kuper.bounds import check_webhook_bounds, text_problem
from pharmacy_desk.kuper.errors import WebhookFormatError
from pharmacy_desk.kuper.mapping import event_from_webhook, new_order_from_webhook
from pharmacy_desk.kuper.vocabulary import WebhookEvent
from pharmacy_desk.kuper.webhooks import OrderCreatedWebhook, UnknownWebhook, Webhook, parse_webhook
from pharmacy_desk.relay.config import StoreConfig
from pharmacy_desk.relay.errors import NotAuthorizedForStore, OrderChangedMeanwhile
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.db import write_together
from pharmacy_desk.relay.storage.orders import (
    StoredOrder,
    insert_order,
    lock_store,
    save_order,
    stores_with_order,
)
from pharmacy_desk.relay.storage.schema import orders, webhooks
from pharmacy_desk.relay.storage.store_log import next_order_sequence
from pharmacy_desk.relay.stream import events as stream_events
from pharmacy_desk.relay.timeutil import as_utc, utcnow

log = logging.getLogger("pharmacy_desk.relay.intake.webhooks")

IDEMPOTENCY_HEADERS = ("Idempotency-Key", "X-Request-Id")  # ASSUMED: no public source names Kuper's header
ANSWER_OK: dict[str, Any] = {"status": "ok"}
_ATTEMPTS = 3


class WebhookStatus(StrEnum):
    PROCESSED = "processed"
    ANOMALY = "anomaly"  # applied; the domain recorded something that did not fit
    DUPLICATE = "duplicate"  # order.created again for an order we have (different body)
    UNKNOWN_ORDER = "unknown_order"
    UNKNOWN_TYPE = "unknown_type"
    INVALID = "invalid"  # JSON but not a Kuper webhook: answered 400
    UNKNOWN_STORE = "unknown_store"  # no configured store fits: answered 503
    ERROR = "error"  # our failure: answered 500


_STATUS_CODE = {WebhookStatus.INVALID: 400, WebhookStatus.UNKNOWN_STORE: 503, WebhookStatus.ERROR: 500}


@dataclass(frozen=True)
class IntakeAnswer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True)
class Incoming:
    """One authenticated webhook request whose body is JSON."""

    text: str  # the body as received (UTF-8)
    data: Any  # the decoded JSON
    headers: dict[str, str]  # secrets already redacted
    path_store: str | None
    caller_store: str | None  # set when store-specific credentials authenticated the request
    request_id: str | None  # the sender's idempotency header, if any

    @cached_property
    def dedupe_key(self) -> str:
        canonical = json.dumps(self.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()  # a lone surrogate too

    @cached_property
    def request_key(self) -> str | None:
        return hashlib.sha256(self.request_id.encode()).hexdigest() if self.request_id else None

    @cached_property
    def headers_json(self) -> str:
        return json.dumps(self.headers, ensure_ascii=False)

    @property
    def event_type(self) -> str:
        value = self.data.get(names.EVENT_TYPE) if isinstance(self.data, dict) else None
        return _column_text(value[:64]) if isinstance(value, str) and value else "?"

    @property
    def order_uuid(self) -> str | None:
        payload = self.data.get(names.PAYLOAD) if isinstance(self.data, dict) else None
        value = payload.get(names.ORDER_UUID) if isinstance(payload, dict) else None
        return _column_text(value[:200]) if isinstance(value, str) and value else None

    def payload_store_ids(self) -> list[str]:
        payload = self.data.get(names.PAYLOAD) if isinstance(self.data, dict) else None
        if not isinstance(payload, dict):
            return []
        values = (payload.get(names.STORE_ID), payload.get(names.STORE_IMPORT_KEY))
        return [str(v) for v in values if isinstance(v, str | int) and not isinstance(v, bool) and str(v)]


def _column_text(value: str) -> str:
    """A value for a column of a row kept as a record: NUL and lone surrogates shown as U+FFFD
    (PostgreSQL's text cannot hold NUL; no database holds a lone surrogate)."""
    if text_problem(value) is None:
        return value
    return "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in value)


@dataclass
class _Result:
    status: WebhookStatus
    answer: dict[str, Any]
    note: str | None = None
    effects: list[tuple[Order, tuple[StockEffect, ...]]] = field(default_factory=list)


def invalid_message(incoming: Incoming, note: str | None) -> str:
    """The store alert (Russian) for a webhook that is JSON but cannot be accepted."""
    if incoming.event_type == WebhookEvent.ORDER_CREATED.value:
        return f"Купер прислал заказ, который нельзя принять: {note}"
    return f"Купер прислал непонятный webhook: {note}"


def reused_key_message(incoming: Incoming) -> str:
    """The store alert (Russian) for a webhook whose idempotency header was used before for another body."""
    what = incoming.event_type + (f" {incoming.order_uuid}" if incoming.order_uuid else "")
    return (
        f"Купер повторил ключ запроса {incoming.request_id!r} с другим содержимым ({what}): "
        "webhook принят как новый, проверьте заказ"
    )


def _unblocking(key: str) -> str:
    """A dedupe key that does not block a redelivery (for rows kept only as a record)."""
    return f"{key}:{uuid.uuid4().hex}"


# --- the look-up: one statement at the start of each webhook's transaction -----------------------

_W = webhooks.c
_REPLAY = "replay"  # a row with the same dedupe key: (id, status, answer)
_REUSED = "reused"  # a row with the same request key but another body: this one is new
_ORDER = "order"  # the order of this store and orderUUID: (id, snapshot, number)
_EARLY = "early"  # events kept as unknown_order before its order.created: (id, body, received_at)


def _look_up_statement(*, early: bool) -> CompoundSelect[Any]:
    """Rows tagged ``kind``: the redelivery check, the order, and (``early``) its events kept before it."""
    replay = select(
        # the same body is a redelivery; only the same idempotency header (another body) is not
        case(
            (_W.dedupe_key == bindparam("dedupe_key"), literal_column(f"'{_REPLAY}'")),
            else_=literal_column(f"'{_REUSED}'"),
        ).label("kind"),
        _W.id,
        _W.status.label("text1"),
        _W.answer.label("text2"),
        _W.received_at.label("at"),
    ).where(or_(_W.dedupe_key == bindparam("dedupe_key"), _W.request_key == bindparam("request_key")))
    order = select(
        literal_column(f"'{_ORDER}'"),
        orders.c.id,
        orders.c.snapshot,
        orders.c.number,
        cast(null(), DateTime(timezone=True)),
    ).where(orders.c.store == bindparam("store"), orders.c.kuper_id == bindparam("kuper_id"))
    parts = [replay, order]
    if early:
        parts.append(
            select(literal_column(f"'{_EARLY}'"), _W.id, _W.body, cast(null(), Text), _W.received_at).where(
                _W.store == bindparam("store"),
                _W.order_uuid == bindparam("kuper_id"),
                _W.status == WebhookStatus.UNKNOWN_ORDER.value,
            )
        )
    return union_all(*parts)


# Built once: SQLAlchemy caches their compiled form, and a prebuilt statement skips rebuilding its cache key.
_LOOK_UP = _look_up_statement(early=False)
_LOOK_UP_WITH_EARLY = _look_up_statement(early=True)
_INSERT_WEBHOOK = insert(webhooks)
_MARK_APPLIED = (
    update(webhooks)
    .where(_W.id == bindparam("row_id"))
    .values(status=bindparam("new_status"), note=bindparam("new_note"))
)


@dataclass
class _Found:
    replay: IntakeAnswer | None = None
    order_id: int | None = None
    order_snapshot: str | None = None
    order_number: str | None = None
    early: list[Row[Any]] = field(default_factory=list)
    reused_key: bool = False  # the sender's idempotency header was seen with another body

    def stored_order(self) -> StoredOrder | None:
        if self.order_id is None or self.order_snapshot is None:
            return None
        return StoredOrder(id=self.order_id, order=Order.model_validate_json(self.order_snapshot))


async def _look_up(
    conn: AsyncConnection, incoming: Incoming, store: str, kuper_id: str | None, *, early: bool
) -> _Found:
    """What the webhook's transaction needs to know first, in one round trip."""
    params = {
        "dedupe_key": incoming.dedupe_key,
        "request_key": incoming.request_key,
        "store": store,
        "kuper_id": kuper_id,
    }
    found = _Found()
    replay_id: int | None = None
    for row in await conn.execute(_LOOK_UP_WITH_EARLY if early else _LOOK_UP, params):
        if row.kind == _REPLAY:
            if replay_id is None or row.id < replay_id:  # the first row stored with this body
                replay_id = row.id
                status = WebhookStatus(row.text1)
                found.replay = IntakeAnswer(_STATUS_CODE.get(status, 200), json.loads(row.text2), replayed=True)
        elif row.kind == _REUSED:
            found.reused_key = True
        elif row.kind == _ORDER:
            found.order_id, found.order_snapshot, found.order_number = int(row.id), row.text1, row.text2
        else:
            found.early.append(row)
    found.early.sort(key=lambda r: r.id)
    return found


class WebhookIntake:
    def __init__(self, state: RelayState) -> None:
        self.state = state

    # --- entry point ------------------------------------------------------------------------

    async def receive(self, incoming: Incoming) -> IntakeAnswer:
        """Store, apply, answer. Raises :class:`NotAuthorizedForStore` (401, nothing stored)."""
        try:
            check_webhook_bounds(incoming.data)
            webhook = parse_webhook(incoming.data)
            new = new_order_from_webhook(webhook) if isinstance(webhook, OrderCreatedWebhook) else None
        except (WebhookFormatError, ValueError, ArithmeticError) as exc:  # Kuper's data, not our failure
            error = exc if isinstance(exc, WebhookFormatError) else WebhookFormatError(f"{incoming.event_type}: {exc}")
            return await self._replay(incoming) or await self._keep_invalid(incoming, error)
        try:
            store = await self._route(incoming)
        except NotAuthorizedForStore:
            if (replay := await self._replay(incoming)) is not None:
                return replay
            raise
        if store is None:
            return await self._replay(incoming) or await self._keep_unrouted(incoming)
        for attempt in range(_ATTEMPTS):
            now = utcnow()
            try:
                if new is not None:
                    work = partial(self._created, incoming, new, store, now)
                else:
                    work = partial(self._event, incoming, webhook, store, now)
                outcome = await write_together(self.state.engine, work)
            except (IntegrityError, OrderChangedMeanwhile) as exc:
                # Another process changed the same rows meanwhile; the next attempt sees its result.
                log.info(
                    "webhook %s: concurrent change (%s), attempt %d", incoming.event_type, type(exc).__name__, attempt
                )
                continue
            except Exception:
                log.exception("webhook %s for %s could not be processed", incoming.event_type, incoming.order_uuid)
                return await self._keep_failed(incoming, store.key)
            if isinstance(outcome, IntakeAnswer):
                return outcome
            if outcome.status in (WebhookStatus.UNKNOWN_TYPE, WebhookStatus.UNKNOWN_ORDER):
                log.warning("webhook %s", outcome.note)
            self.state.committed(store.key)
            for order, effects in outcome.effects:
                await self.state.stock.run(store.key, order, effects)
            return IntakeAnswer(_STATUS_CODE.get(outcome.status, 200), outcome.answer)
        return await self._keep_failed(incoming, store.key)

    # --- dedupe (outside the intake transaction: only for webhooks that are not applied) ------

    async def _replay(self, incoming: Incoming) -> IntakeAnswer | None:
        async with self.state.engine.connect() as conn:
            return (await _look_up(conn, incoming, "", None, early=False)).replay

    # --- routing ----------------------------------------------------------------------------

    async def _route(self, incoming: Incoming) -> StoreConfig | None:
        config = self.state.config
        store: StoreConfig | None = None
        if incoming.path_store is not None:
            store = config.store(incoming.path_store)
        if store is None:
            store = next(
                (s for s in map(config.store_for_kuper_id, incoming.payload_store_ids()) if s is not None), None
            )
        if store is None and incoming.caller_store is not None:
            store = config.store(incoming.caller_store)
        if store is None and incoming.order_uuid is not None:
            async with self.state.engine.connect() as conn:
                found = await stores_with_order(conn, incoming.order_uuid)
            if len(found) == 1:
                store = config.store(found[0])
        if store is None and len(config.stores) == 1:
            store = config.stores[0]
        if store is not None and incoming.caller_store is not None and store.key != incoming.caller_store:
            raise NotAuthorizedForStore(store.key)
        return store

    # --- rows kept without processing -------------------------------------------------------

    async def _keep(
        self,
        incoming: Incoming,
        *,
        store: str,
        status: WebhookStatus,
        answer: dict[str, Any],
        note: str | None,
        blocking: bool,
    ) -> IntakeAnswer:
        values = self._row(incoming, store=store, status=status, answer=answer, note=note, now=utcnow())
        if not blocking:
            values["dedupe_key"] = _unblocking(incoming.dedupe_key)
            values["request_key"] = None
        try:
            async with self.state.engine.begin() as conn:
                await conn.execute(_INSERT_WEBHOOK, values)
                if store and status is WebhookStatus.INVALID:
                    await stream_events.anomaly(conn, store, invalid_message(incoming, note))
        except IntegrityError:
            replay = await self._replay(incoming)
            if replay is not None:
                return replay
            if values["request_key"] is None:
                raise
            values["request_key"] = None  # the sender's idempotency key came with another body: keep this one too
            async with self.state.engine.begin() as conn:
                await conn.execute(_INSERT_WEBHOOK, values)
                if store and status is WebhookStatus.INVALID:
                    await stream_events.anomaly(conn, store, invalid_message(incoming, note))
        if store and status is WebhookStatus.INVALID:
            self.state.committed(store)
        return IntakeAnswer(_STATUS_CODE.get(status, 200), answer)

    async def _keep_invalid(self, incoming: Incoming, exc: WebhookFormatError) -> IntakeAnswer:
        log.warning("invalid webhook: %s", exc.message)
        store = incoming.path_store or incoming.caller_store
        if store is None:
            ids = incoming.payload_store_ids()
            found = next((s for s in map(self.state.config.store_for_kuper_id, ids) if s is not None), None)
            if found is None and len(self.state.config.stores) == 1:
                found = self.state.config.stores[0]
            store = found.key if found is not None else ""
        answer = {"error": "invalid_webhook", "message": exc.message}
        return await self._keep(
            incoming, store=store, status=WebhookStatus.INVALID, answer=answer, note=exc.message, blocking=True
        )

    async def _keep_unrouted(self, incoming: Incoming) -> IntakeAnswer:
        message = "no configured store matches this webhook (URL, storeID, storeImportKey)"
        log.error("webhook %s for %s: %s", incoming.event_type, incoming.order_uuid, message)
        answer = {"error": "unknown_store", "message": message}
        return await self._keep(
            incoming, store="", status=WebhookStatus.UNKNOWN_STORE, answer=answer, note=message, blocking=False
        )

    async def _keep_failed(self, incoming: Incoming, store: str) -> IntakeAnswer:
        answer = {"error": "internal_error", "message": "the relay could not process this webhook; it is kept"}
        try:
            return await self._keep(
                incoming,
                store=store,
                status=WebhookStatus.ERROR,
                answer=answer,
                note="see the relay log",
                blocking=False,
            )
        except Exception:
            log.exception("webhook %s for %s could not even be stored", incoming.event_type, incoming.order_uuid)
            return IntakeAnswer(500, answer)

    def _row(
        self,
        incoming: Incoming,
        *,
        store: str,
        status: WebhookStatus,
        answer: dict[str, Any],
        note: str | None,
        now: datetime,
    ) -> dict[str, Any]:
        return {
            "store": store,
            "received_at": now,
            "event_type": incoming.event_type,
            "order_uuid": incoming.order_uuid,
            "dedupe_key": incoming.dedupe_key,
            "request_key": incoming.request_key,
            "body": incoming.text,
            "headers": incoming.headers_json,
            "status": status.value,
            "answer": json.dumps(answer, ensure_ascii=False),
            "note": note,
        }

    async def _store(
        self,
        conn: AsyncConnection,
        incoming: Incoming,
        store: StoreConfig,
        result: _Result,
        now: datetime,
        *,
        reused_key: bool = False,
    ) -> _Result:
        row = self._row(
            incoming, store=store.key, status=result.status, answer=result.answer, note=result.note, now=now
        )
        if reused_key:  # a new webhook under an idempotency key already used: kept and applied, and said
            row["request_key"] = None
            row["note"] = "; ".join(filter(None, [result.note, f"idempotency header reused: {incoming.request_id}"]))
            await stream_events.anomaly(conn, store.key, reused_key_message(incoming))
        await conn.execute(_INSERT_WEBHOOK, row)
        return result

    # --- processing: units of work for write_together (database work only) ------------------

    async def _created(
        self, incoming: Incoming, new: NewOrder, store: StoreConfig, now: datetime, conn: AsyncConnection
    ) -> IntakeAnswer | _Result:
        await lock_store(conn, store.key)
        found = await _look_up(conn, incoming, store.key, new.kuper_id, early=True)
        if found.replay is not None:
            return found.replay
        if found.order_number is not None:
            number = found.order_number
            answer = OrderCreatedAnswer.build(number).to_wire()
            again = _Result(WebhookStatus.DUPLICATE, answer, note=f"order.created again: answered {number} again")
            return await self._store(conn, incoming, store, again, now, reused_key=found.reused_key)
        number = store.number(await next_order_sequence(conn, store.key))
        outcome = open_order(new, store=store.key, number=number, now=now, rules=store.rules)
        order = outcome.order
        alerts = list(outcome.alerts)
        effects = list(outcome.effects)
        applied: list[dict[str, Any]] = []
        for row in found.early:
            early = apply_event(order, event_from_webhook(parse_webhook(row.text1), received_at=as_utc(row.at)))
            order = early.order
            alerts.extend(early.alerts)
            effects.extend(early.effects)
            status = WebhookStatus.ANOMALY if early.anomalies else WebhookStatus.PROCESSED
            notes = "; ".join(a.message for a in early.anomalies)
            applied_note = f"applied after order.created{': ' + notes if notes else ''}"
            applied.append({"row_id": row.id, "new_status": status.value, "new_note": applied_note})
        order_id = await insert_order(conn, order, now)
        if applied:
            await conn.execute(_MARK_APPLIED, applied)
        await stream_events.order_changed(conn, order_id, order)
        await stream_events.alerts_raised(conn, order_id, order, alerts)
        answer = OrderCreatedAnswer.build(number).to_wire()
        status = WebhookStatus.ANOMALY if outcome.anomalies else WebhookStatus.PROCESSED
        note = "; ".join(a.message for a in outcome.anomalies) or None
        result = _Result(status, answer, note=note, effects=[(order, tuple(effects))])
        return await self._store(conn, incoming, store, result, now, reused_key=found.reused_key)

    async def _event(
        self, incoming: Incoming, webhook: Webhook, store: StoreConfig, now: datetime, conn: AsyncConnection
    ) -> IntakeAnswer | _Result:
        await lock_store(conn, store.key)
        kuper_id = webhook.order_uuid
        found = await _look_up(conn, incoming, store.key, kuper_id, early=False)
        if found.replay is not None:
            return found.replay
        result = await self._apply_event(conn, webhook, found.stored_order(), store, now)
        return await self._store(conn, incoming, store, result, now, reused_key=found.reused_key)

    async def _apply_event(
        self, conn: AsyncConnection, webhook: Webhook, stored: StoredOrder | None, store: StoreConfig, now: datetime
    ) -> _Result:
        kuper_id = webhook.order_uuid
        if kuper_id is None:
            note = f"unknown event type {webhook.event_type!r} without an order"
            return _Result(WebhookStatus.UNKNOWN_TYPE, ANSWER_OK, note=note)
        if stored is None:
            note = f"{webhook.event_type} for an order we do not have ({kuper_id})"
            await stream_events.anomaly(
                conn, store.key, f"Событие {webhook.event_type} для неизвестного заказа {kuper_id}"
            )
            return _Result(WebhookStatus.UNKNOWN_ORDER, ANSWER_OK, note=note)
        event: KuperEvent = event_from_webhook(webhook, received_at=now)
        outcome = apply_event(stored.order, event)
        if outcome.changed:
            await save_order(conn, stored.id, stored.order.version, outcome.order, now, previous=stored.order)
            await stream_events.order_changed(conn, stored.id, outcome.order)
            await stream_events.alerts_raised(conn, stored.id, outcome.order, outcome.alerts)
        found = "; ".join(a.message for a in outcome.anomalies) or None
        if isinstance(webhook, UnknownWebhook):
            status = WebhookStatus.UNKNOWN_TYPE
        elif outcome.anomalies:
            status = WebhookStatus.ANOMALY
        else:
            status = WebhookStatus.PROCESSED
        return _Result(status, ANSWER_OK, note=found, effects=[(outcome.order, outcome.effects)])
