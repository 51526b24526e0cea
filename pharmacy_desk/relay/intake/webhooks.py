"""Kuper's webhooks in: stored durably, deduplicated, applied through the domain, answered.

The raw body (``webhooks`` row), the order change, the store's stream events and the answer all
commit together, before the answer leaves. Webhooks arriving at the same time share one transaction
(group commit, :meth:`~pharmacy_desk.relay.storage.db.RelayEngine.write_together`: one fsync for all of
them; one that fails is written on its own, so it never fails the others). A redelivery (same dedupe
key) finds the row and gets the stored answer; nothing changes twice.

Per ``order.created`` the transaction does one look-up (redelivery, existing order and events that
came before it, in one statement), the number, the order, its stream events and the webhook row;
parsing and mapping happen before it, the stock effects after the commit.

- **Dedupe key**: sha256 of the canonical JSON (keys sorted, no spaces) of the event's identity
  (:func:`event_identity`): the body in the seeds' flat shape, the event type in its canonical spelling,
  without the ``timestamp``: the same event redelivered with a new timestamp, in the nested envelope
  or spelled ``order.cancelled`` is the same event. The sender's idempotency header
  (:data:`IDEMPOTENCY_HEADERS`, names assumed) is bound to its body: its sha256 is kept with the first
  body it came with, and the same header with **another** body is a new webhook: stored (without the
  key), applied, and an anomaly alert tells the store the key was reused. It is never dropped.
- **order.created**: :func:`~pharmacy_desk.domain.open_order` with our number (store prefix +
  zero-padded per-store sequence); answered ``{"status": "created", "number": ...}``. Another
  ``order.created`` for the same store and ``orderUUID`` (even with a different body) gets the same
  number and changes nothing (status ``duplicate``).
- **the order's ids**: ``orderUUID``, Kuper's ``originalOrderId`` (``order_id`` in the nested
  envelope), or both: a stored order matches a webhook by either (``orders.kuper_id`` is the
  ``orderUUID`` when ``order.created`` had one, else the ``originalOrderId``).
- **other events**: :func:`~pharmacy_desk.domain.apply_event` (never refuses: Kuper is the
  authority); answered 200 ``{"status": "ok"}``. For an order we do not have: stored as
  ``unknown_order`` (under its store when one is known, else under no store, whatever the number of
  configured stores), 200; when its ``order.created`` comes later, the stored events are applied to
  the new order in the order they arrived.
- **what the domain cannot hold** (a fractional quantity of a piece-counted item): an anomaly on the
  order and an alert for the pharmacist (:func:`~pharmacy_desk.kuper.mapping.wire_remarks`); never refused.
- **pulled from Kuper** (:mod:`.reconcile`): the same path, stored with status ``reconciled`` so the
  order's history shows which changes came from the poll.
- **unknown event type**: stored (``unknown_type``), applied as an anomaly when its order is known, 200.
- **JSON, but not a Kuper webhook we can accept** (no ``event_type``, no ``orderUUID``, wrong value
  types, a value outside :mod:`pharmacy_desk.kuper.bounds`: negative or absurd money and quantities,
  NUL or lone surrogates, over-long ids; or an order the mapping refuses): stored as ``invalid`` with
  the message (ASCII-safe), answered 400 with that message, and the store gets an alert ("Купер
  прислал заказ, который нельзя принять: …"): it is bad input, not a disagreement about state, and
  nothing is lost. Its redeliveries get the stored answer (no new rows).
- **no store**: the store comes from the URL, else the payload's ``storeID`` / ``storeImportKey``,
  else store-specific credentials, else the order's store, else the only configured store. When
  none fits an ``order.created``, it is stored (``unknown_store``) and answered 503 so Kuper delivers
  it again once the configuration is fixed (its row does not block that redelivery); any other event
  is kept as ``unknown_order`` (see above) and answered 200.
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

from pharmacy_desk.domain import (
    Alert,
    AlertKind,
    Anomaly,
    KuperEvent,
    NewOrder,
    Notification,
    Order,
    StockEffect,
    apply_event,
    open_order,
)
from pharmacy_desk.domain.states import NotificationType
from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.answers import OrderCreatedAnswer
from pharmacy_desk.kuper.bounds import check_webhook_bounds, text_problem
from pharmacy_desk.kuper.errors import WebhookFormatError
from pharmacy_desk.kuper.mapping import event_from_webhook, new_order_from_webhook, wire_remarks
from pharmacy_desk.kuper.vocabulary import WebhookEvent, webhook_event
from pharmacy_desk.kuper.webhooks import (
    OrderCreatedWebhook,
    OrderUpdatedWebhook,
    UnknownWebhook,
    Webhook,
    WebhookPeek,
    flatten_envelope,
    parse_webhook,
    peek_webhook,
)
from pharmacy_desk.relay.config import StoreConfig
from pharmacy_desk.relay.errors import NotAuthorizedForStore, OrderChangedMeanwhile
from pharmacy_desk.relay.intake.assembly_time import expected_assembly_time
from pharmacy_desk.relay.outbox.kuper_wire import wire_notifications
from pharmacy_desk.relay.outbox.worker import enqueue_notification
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
    UNKNOWN_STORE = "unknown_store"  # no configured store fits an order.created: answered 503
    ERROR = "error"  # our failure: answered 500
    RECONCILED = "reconciled"  # not a webhook: a change read from Kuper's shipments list (applied)


NO_STORE = ""
"""``webhooks.store`` of an event kept before its order is known, when no store could be told."""


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
    reconciled: bool = False  # made by the reconciliation from Kuper's shipments list, not sent by Kuper

    @cached_property
    def dedupe_key(self) -> str:
        canonical = json.dumps(event_identity(self.data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()  # a lone surrogate too

    @cached_property
    def request_key(self) -> str | None:
        return hashlib.sha256(self.request_id.encode()).hexdigest() if self.request_id else None

    @cached_property
    def headers_json(self) -> str:
        return json.dumps(self.headers, ensure_ascii=False)

    @cached_property
    def peek(self) -> WebhookPeek:
        return peek_webhook(self.data)

    @property
    def event_type(self) -> str:
        value = self.peek.event_type
        return _column_text(value[:64]) if value else "?"

    @property
    def order_uuid(self) -> str | None:
        """The id the webhook row is filed under: ``orderUUID``, else ``originalOrderId``."""
        keys = self.order_keys
        return keys[0] if keys else None

    @property
    def order_keys(self) -> tuple[str, ...]:
        return tuple(_column_text(key[:200]) for key in self.peek.order_keys)

    def payload_store_ids(self) -> list[str]:
        return list(self.peek.store_ids)


def event_identity(data: Any) -> Any:
    """What makes two webhook bodies the same event (see the module's docstring)."""
    if not isinstance(data, dict):
        return data
    flat = flatten_envelope(data)
    flat.pop(names.TIMESTAMP, None)
    event_type = flat.get(names.EVENT_TYPE)
    if isinstance(event_type, str) and (known := webhook_event(event_type)) is not None:
        flat[names.EVENT_TYPE] = known.value
    return flat


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
    outbox: bool = False  # notifications were queued (wake the outbox worker)


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
    # One simple equality per branch, so each uses its index (an OR across columns would scan).
    order_columns: tuple[Any, ...] = (
        literal_column(f"'{_ORDER}'"),
        orders.c.id,
        orders.c.snapshot,
        orders.c.number,
        cast(null(), DateTime(timezone=True)),
    )
    parts = [replay]
    for match in (
        orders.c.kuper_id == bindparam("key1"),
        orders.c.kuper_id == bindparam("key2"),
        orders.c.original_order_id == bindparam("original_only"),
    ):
        parts.append(select(*order_columns).where(orders.c.store == bindparam("store"), match))
    if early:
        stores: tuple[Any, ...] = (bindparam("store"), literal_column(f"'{NO_STORE}'"))
        for store in stores:
            for key in ("key1", "key2"):
                parts.append(
                    select(literal_column(f"'{_EARLY}'"), _W.id, _W.body, cast(null(), Text), _W.received_at).where(
                        _W.store == store,
                        _W.order_uuid == bindparam(key),
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
    .values(
        status=bindparam("new_status"),
        note=bindparam("new_note"),
        store=bindparam("new_store"),
        order_uuid=bindparam("new_order_uuid"),
    )
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
    conn: AsyncConnection,
    incoming: Incoming,
    store: str,
    keys: tuple[str, ...],
    *,
    early: bool,
    original_only: str | None = None,
) -> _Found:
    """What the webhook's transaction needs to know first, in one round trip.

    ``keys``: the order's ids as a stored order's ``kuper_id`` may be (``orderUUID``, ``originalOrderId``);
    ``original_only``: the ``originalOrderId`` of a webhook that has no ``orderUUID`` (then a stored
    order with that ``originalOrderId`` is the one; with an ``orderUUID``, the ``orderUUID`` decides).
    """
    key1 = keys[0] if keys else None
    params = {
        "dedupe_key": incoming.dedupe_key,
        "request_key": incoming.request_key,
        "store": store,
        "key1": key1,
        "key2": keys[1] if len(keys) > 1 else key1,
        "original_only": original_only,
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
        elif all(row.id != seen.id for seen in found.early):  # key1 = key2 finds a row twice
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
            if isinstance(webhook, OrderCreatedWebhook):
                return await self._replay(incoming) or await self._keep_unrouted(incoming)
            return await self._replay(incoming) or await self._keep_early(incoming)
        for attempt in range(_ATTEMPTS):
            now = utcnow()
            try:
                if new is not None and isinstance(webhook, OrderCreatedWebhook):
                    remarks = wire_remarks(webhook.payload.positions)
                    work = partial(self._created, incoming, new, remarks, store, now)
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
            self.state.committed(store.key, outbox=outcome.outbox)
            for order, effects in outcome.effects:
                await self.state.stock.run(store.key, order, effects)
            return IntakeAnswer(_STATUS_CODE.get(outcome.status, 200), outcome.answer)
        return await self._keep_failed(incoming, store.key)

    # --- dedupe (outside the intake transaction: only for webhooks that are not applied) ------

    async def _replay(self, incoming: Incoming) -> IntakeAnswer | None:
        async with self.state.engine.connect() as conn:
            return (await _look_up(conn, incoming, "", (), early=False)).replay

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
        if store is None and incoming.order_keys:
            keys = incoming.order_keys
            async with self.state.engine.connect() as conn:
                found = await stores_with_order(conn, keys, original_only=keys[0] if len(keys) == 1 else None)
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

    async def _keep_early(self, incoming: Incoming) -> IntakeAnswer:
        """An event for an order no store has yet, with no store to tell: kept until its order.created."""
        if not incoming.order_keys:  # an unknown event type naming no order: nothing to apply it to, ever
            note = f"unknown event type {incoming.event_type!r} without an order; no store known"
            status = WebhookStatus.UNKNOWN_TYPE
        else:
            note = f"{incoming.event_type} for an order we do not have yet ({incoming.order_uuid}); no store known"
            status = WebhookStatus.UNKNOWN_ORDER
        log.warning("webhook %s", note)
        return await self._keep(incoming, store=NO_STORE, status=status, answer=ANSWER_OK, note=note, blocking=True)

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
        if incoming.reconciled and status in (WebhookStatus.PROCESSED, WebhookStatus.ANOMALY):
            status = WebhookStatus.RECONCILED
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
        self,
        incoming: Incoming,
        new: NewOrder,
        remarks: list[str],
        store: StoreConfig,
        now: datetime,
        conn: AsyncConnection,
    ) -> IntakeAnswer | _Result:
        await lock_store(conn, store.key)
        keys = tuple(key for key in (new.kuper_id, new.original_order_id) if key)
        original_only = new.original_order_id if new.kuper_id == new.original_order_id else None
        found = await _look_up(conn, incoming, store.key, keys, early=True, original_only=original_only)
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
        if remarks:
            order, raised = _with_remarks(order, remarks, now)
            alerts.extend(raised)
        applied: list[dict[str, Any]] = []
        for row in found.early:
            early = apply_event(order, event_from_webhook(parse_webhook(row.text1), received_at=as_utc(row.at)))
            order = early.order
            alerts.extend(early.alerts)
            effects.extend(early.effects)
            status = WebhookStatus.ANOMALY if early.anomalies else WebhookStatus.PROCESSED
            notes = "; ".join(a.message for a in early.anomalies)
            applied_note = f"applied after order.created{': ' + notes if notes else ''}"
            applied.append(
                {
                    "row_id": row.id,
                    "new_status": status.value,
                    "new_note": applied_note,
                    "new_store": store.key,
                    "new_order_uuid": order.kuper_id,
                }
            )
        order_id = await insert_order(conn, order, now)
        if applied:
            await conn.execute(_MARK_APPLIED, applied)
        await stream_events.order_changed(conn, order_id, order)
        await stream_events.alerts_raised(conn, order_id, order, alerts)
        queued = await self._accepted_at_creation(conn, store, order, order_id, now)
        expected = await expected_assembly_time(conn, self.state.config.kuper, store.key, now)
        answer = OrderCreatedAnswer.build(number, expected).to_wire()
        status = WebhookStatus.ANOMALY if outcome.anomalies or remarks else WebhookStatus.PROCESSED
        note = "; ".join([*(a.message for a in outcome.anomalies), *remarks]) or None
        result = _Result(status, answer, note=note, effects=[(order, tuple(effects))], outbox=queued)
        return await self._store(conn, incoming, store, result, now, reused_key=found.reused_key)

    async def _accepted_at_creation(
        self, conn: AsyncConnection, store: StoreConfig, order: Order, order_id: int, now: datetime
    ) -> bool:
        """``send_accepted = true`` without a staff accept step: order.accepted goes out now."""
        if not store.accepted_at_creation or not order.is_open:
            return False
        note = Notification(type=NotificationType.ACCEPTED, kuper_id=order.kuper_id, number=order.number)
        wires = wire_notifications(self.state.config, store, order, [note])
        if isinstance(wires, str):
            log.error("order %s: order.accepted could not be built: %s", order.number, wires)
            return False
        for wire in wires:
            await enqueue_notification(conn, store=store.key, order_id=order_id, notification=wire, now=now)
        return bool(wires)

    async def _event(
        self, incoming: Incoming, webhook: Webhook, store: StoreConfig, now: datetime, conn: AsyncConnection
    ) -> IntakeAnswer | _Result:
        await lock_store(conn, store.key)
        found = await _look_up(
            conn, incoming, store.key, webhook.order_keys, early=False, original_only=_original_only(webhook)
        )
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
        remarks = wire_remarks(webhook.payload.positions) if isinstance(webhook, OrderUpdatedWebhook) else []
        if remarks:
            marked, raised = _with_remarks(outcome.order, remarks, now)
            outcome = outcome.model_copy(
                update={"order": marked, "alerts": (*outcome.alerts, *raised), "changed": True}
            )
        if outcome.changed:
            await save_order(conn, stored.id, stored.order.version, outcome.order, now, previous=stored.order)
            await stream_events.order_changed(conn, stored.id, outcome.order)
            await stream_events.alerts_raised(conn, stored.id, outcome.order, outcome.alerts)
        found = "; ".join([*(a.message for a in outcome.anomalies), *remarks]) or None
        if isinstance(webhook, UnknownWebhook):
            status = WebhookStatus.UNKNOWN_TYPE
        elif outcome.anomalies or remarks:
            status = WebhookStatus.ANOMALY
        else:
            status = WebhookStatus.PROCESSED
        return _Result(status, ANSWER_OK, note=found, effects=[(outcome.order, outcome.effects)])


def _with_remarks(order: Order, remarks: list[str], now: datetime) -> tuple[Order, list[Alert]]:
    """``order`` with the wire's remarks as anomalies (and the ``wire_remarks`` flag), and their alerts."""
    found = tuple(Anomaly(at=now, event="wire", message=message) for message in remarks)
    flags = order.flags if "wire_remarks" in order.flags else (*order.flags, "wire_remarks")
    marked = order.model_copy(update={"anomalies": (*order.anomalies, *found), "flags": flags})
    return marked, [Alert(kind=AlertKind.ANOMALY, message=f"{order.number}: {message}") for message in remarks]


def _original_only(webhook: Webhook) -> str | None:
    """The ``originalOrderId`` of a webhook that names its order by it alone."""
    payload = getattr(webhook, "payload", None)
    uuid = getattr(payload, "order_uuid", None)
    original = getattr(payload, "original_order_id", None)
    if isinstance(webhook, UnknownWebhook):
        keys = webhook.order_keys
        return keys[0] if len(keys) == 1 else None
    return original if uuid is None and isinstance(original, str) else None
