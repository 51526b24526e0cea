"""Pausing a store's orders at Kuper: the counter's «Приостановить приём заказов», and the auto-resume.

``pause(store, minutes)`` asks Kuper first (``PUT …/merchant-status`` ``INACTIVE`` with a scheduled
change back to ``ACTIVE`` at the end of the pause, so Kuper resumes by itself even if the relay is
down then); only when Kuper accepted it is the pause stored (``store_pauses``) and announced on the
store's stream (event kind ``store``: every PC of the store shows it). When Kuper refuses (``403``:
the store's work format does not allow it, ``4xx``) or cannot be reached, nothing changes and the PC
gets a Russian message saying so (:class:`PauseRefused`).

``resume(store)`` is the same with ``ACTIVE``. The :class:`PauseService` loop resumes every pause
whose time is up: the stored state is turned back at once (Kuper switches by its scheduled change),
then ``ACTIVE`` is confirmed to Kuper; a failed confirmation is kept in ``kuper_state`` / ``kuper_error``
and tried again on the next round (every ``check_seconds`` while one is unconfirmed). Otherwise the loop
sleeps until the earliest pause ends (read once per round), woken when this process stores a pause,
with a safety look every :data:`SAFETY_POLL_SECONDS` (a pause stored by another relay process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Row, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pharmacy_desk.api.feed import PAUSE_EVENT, PAUSE_MINUTES, PauseState
from pharmacy_desk.kuper.content_wire import StoreStatus
from pharmacy_desk.kuper.results import SendOutcome, SendResult
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed.queue import utc
from pharmacy_desk.relay.outbox.worker import utc_now
from pharmacy_desk.relay.storage.schema import store_pauses
from pharmacy_desk.relay.storage.store_log import append_event

logger = logging.getLogger("pharmacy_desk.relay.pause")

EVENT_KIND = PAUSE_EVENT
ALLOWED_MINUTES = PAUSE_MINUTES
SAFETY_POLL_SECONDS = 60.0
PAUSE_COMMENT = "Аптека временно не принимает заказы: много покупателей у кассы"


class StatusSender(Protocol):
    async def set_store_status(
        self, merchant_store_id: str, status: StoreStatus, comment: str, *, back_at: datetime | None = None
    ) -> SendResult: ...


class PauseRefused(Exception):
    """The pause / resume did not happen; ``message_ru`` says why (shown at the counter)."""

    def __init__(self, status_code: int, code: str, message_ru: str) -> None:
        super().__init__(message_ru)
        self.status_code = status_code
        self.code = code
        self.message_ru = message_ru


class PauseService:
    def __init__(
        self,
        engine: AsyncEngine,
        config: RelayConfig,
        client: StatusSender | None,
        *,
        publish: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
        check_seconds: float = 5.0,
    ) -> None:
        self._engine = engine
        self._config = config
        self._client = client
        self._publish = publish
        self._clock = clock
        self._check = check_seconds
        self._runner: asyncio.Task[None] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._wake = asyncio.Event()

    # --- queries -------------------------------------------------------------------------------

    async def get(self, store: str) -> PauseState:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(store_pauses).where(store_pauses.c.store == store))).one_or_none()
        if row is None:
            return PauseState(store=store, paused=False)
        return _state(row)

    # --- actions -------------------------------------------------------------------------------

    async def pause(self, store: str, minutes: int | None, *, device: str | None, operator: str | None) -> PauseState:
        if minutes is not None and minutes not in ALLOWED_MINUTES:
            raise PauseRefused(400, "bad_duration", "Приостановить можно на 15, 30 или 60 минут или до возобновления")
        now = utc(self._clock())
        until = now + timedelta(minutes=minutes) if minutes is not None else None
        async with self._lock(store):
            result = await self._send(store, StoreStatus.INACTIVE, back_at=until)
            _raise_unless_done(result, "приостановить")
            return await self._store(store, True, until, device, operator, now, "sent", None)

    async def resume(self, store: str, *, device: str | None, operator: str | None) -> PauseState:
        now = utc(self._clock())
        async with self._lock(store):
            result = await self._send(store, StoreStatus.ACTIVE)
            _raise_unless_done(result, "возобновить")
            return await self._store(store, False, None, device, operator, now, "sent", None)

    async def resume_due(self) -> list[PauseState]:
        """Resume every pause whose time is up and confirm pending resumes to Kuper."""
        now = utc(self._clock())
        due = ((store_pauses.c.paused.is_(True)) & (store_pauses.c.until <= now)) | (
            store_pauses.c.kuper_state != "sent"
        )
        async with self._engine.connect() as conn:
            stores = (await conn.execute(select(store_pauses.c.store).where(due))).scalars().all()
        done: list[PauseState] = []
        for store in stores:
            async with self._lock(store):
                # read again under the lock: another round (the loop, a PC's call) may have resumed it
                async with self._engine.connect() as conn:
                    row = (await conn.execute(select(store_pauses).where(due, store_pauses.c.store == store))).first()
                if row is None:
                    continue
                if row.paused:
                    # Kuper switches back by the scheduled change: show the store as taking orders now
                    await self._store(row.store, False, None, "автоматически", None, now, "pending", None)
                result = await self._send(row.store, StoreStatus.ACTIVE)
                state = "sent" if result.is_done else "pending"
                error = None if result.is_done else result.message[:500]
                if not result.is_done:
                    logger.warning("store %s: the resume is not confirmed by Kuper yet: %s", row.store, result.message)
                done.append(await self._mark(row.store, state, error))
        return done

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._run(), name="store-pauses")

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    # --- plumbing ------------------------------------------------------------------------------

    def _lock(self, store: str) -> asyncio.Lock:
        return self._locks.setdefault(store, asyncio.Lock())

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            wait = self._check
            try:
                await self.resume_due()
                wait = await self._until_next()
            except Exception:
                logger.exception("store pauses: the auto-resume failed; again in %g s", self._check)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _until_next(self) -> float:
        """Seconds until the next round: ``check_seconds`` while a resume is unconfirmed, else until the
        earliest pause ends (at most the safety poll)."""
        stmt = select(
            func.min(case((store_pauses.c.paused.is_(True), store_pauses.c.until))),
            func.count(case((store_pauses.c.kuper_state != "sent", 1))),
        )
        async with self._engine.connect() as conn:
            ends, unconfirmed = (await conn.execute(stmt)).one()
        if unconfirmed:
            return self._check
        if ends is None:
            return SAFETY_POLL_SECONDS
        return min(SAFETY_POLL_SECONDS, max(0.05, (utc(ends) - utc(self._clock())).total_seconds()))

    async def _send(self, store: str, status: StoreStatus, *, back_at: datetime | None = None) -> SendResult:
        config = self._config.store(store)
        if config is None or config.kuper_outlet_id is None:
            return SendResult(SendOutcome.FAILED, "kuper_outlet_id is not configured for the store")
        if self._client is None:
            return SendResult(SendOutcome.RETRY, "Kuper credentials are not configured")
        return await self._client.set_store_status(config.kuper_outlet_id, status, PAUSE_COMMENT, back_at=back_at)

    async def _store(
        self,
        store: str,
        paused: bool,
        until: datetime | None,
        device: str | None,
        operator: str | None,
        now: datetime,
        kuper_state: str,
        kuper_error: str | None,
    ) -> PauseState:
        values: dict[str, object] = {
            "paused": paused,
            "until": until,
            "device_name": device,
            "operator": operator,
            "changed_at": now,
            "kuper_state": kuper_state,
            "kuper_error": kuper_error,
        }
        async with self._engine.begin() as conn:
            await _upsert(conn, store, values)
            state = PauseState(
                store=store,
                paused=paused,
                until=until,
                by=device,
                operator=operator,
                changed_at=now,
                kuper_state=kuper_state,
                kuper_error=kuper_error,
            )
            await append_event(conn, store, EVENT_KIND, {"what": "pause", **state.model_dump(mode="json")})
        self._announce(store)
        self._wake.set()  # the loop reads the earliest end again
        logger.info(
            "store %s: %s", store, f"paused until {until}" if paused and until else "paused" if paused else "resumed"
        )
        return state

    async def _mark(self, store: str, kuper_state: str, error: str | None) -> PauseState:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(store_pauses)
                .where(store_pauses.c.store == store)
                .values(kuper_state=kuper_state, kuper_error=error)
            )
        return await self.get(store)

    def _announce(self, store: str) -> None:
        if self._publish is not None:
            try:
                self._publish(store)
            except Exception:
                logger.exception("store pauses: publish(%r) failed", store)


async def _upsert(conn: AsyncConnection, store: str, values: dict[str, object]) -> None:
    changed = await conn.execute(update(store_pauses).where(store_pauses.c.store == store).values(values))
    if not changed.rowcount:
        await conn.execute(insert(store_pauses).values(store=store, **values))


def _state(row: Row[Any]) -> PauseState:
    until = row.until
    changed = row.changed_at
    return PauseState(
        store=row.store,
        paused=bool(row.paused),
        until=utc(until) if until is not None else None,
        by=row.device_name,
        operator=row.operator,
        changed_at=utc(changed) if changed is not None else None,
        kuper_state=row.kuper_state,
        kuper_error=row.kuper_error,
    )


def _raise_unless_done(result: SendResult, verb: str) -> None:
    if result.is_done:
        return
    if result.outcome is SendOutcome.FAILED:
        detail = f" ({result.status_code})" if result.status_code else ""
        raise PauseRefused(
            422,
            "kuper_refused",
            f"Купер не позволил {verb} приём заказов{detail}: {result.message[:300]}. "
            "Обратитесь к менеджеру Купера: смена статуса доступна только при внешней сборке или доставке",
        )
    raise PauseRefused(
        503,
        "kuper_unavailable",
        f"Купер сейчас недоступен, приём заказов не удалось {verb}: попробуйте ещё раз ({result.message[:200]})",
    )
