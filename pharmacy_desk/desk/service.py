"""``DeskService``: the one object the counter app's UI talks to.

It owns the relay client, the event stream, the order book, the new-order bell and the offline queue,
and wires them: the stream's ``ready`` / ``resync`` / gap reload the book from the relay, its events
update it; :meth:`DeskService.act` posts an action and, when the relay cannot be reached, queues it
(only actions that make sense later, see :data:`QUEUEABLE`); the queue is replayed whenever the
stream connects again (and every ``replay_interval`` seconds while something waits).

Everything the UI shows arrives through :class:`~pharmacy_desk.desk.hooks.Hook` callbacks (the
:mod:`.qt_bridge` turns them into Qt signals):

==========================  ======================================  ===================================
hook                        payload                                 when
==========================  ======================================  ===================================
``book_changed``            :class:`~.order_book.BookChange`        orders added / changed / removed
``alerts``                  :class:`~.order_book.AlertEvent`        new order, courier, canceled...
``ringing_changed``         ``frozenset[str]`` (order numbers)      the set of ringing new orders
``connection_changed``      :class:`~.stream.ConnectionStatus`      connected / reconnecting / offline
``notifications``           :class:`~.order_book.NotificationStatus` a notification to Kuper moved
``queue_changed``           ``int`` (actions waiting)               queued / replayed / discarded
``queue_conflict``          :class:`~.offline_queue.QueueConflict`  a queued action the relay refused
``pause.changed``           :class:`~.store_pause.PauseInfo`        the store paused / resumed Kuper orders
==========================  ======================================  ===================================
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pharmacy_desk.api.pick_list import PickList
from pharmacy_desk.desk.assembly import AssemblySession
from pharmacy_desk.desk.assembly_feedback import FeedbackCode, ScanFeedback
from pharmacy_desk.desk.assembly_store import AssemblyStore, restore
from pharmacy_desk.desk.backoff import Backoff
from pharmacy_desk.desk.hooks import Hook
from pharmacy_desk.desk.offline_queue import QUEUE_FILE_NAME, OfflineQueue, QueueConflict, QueuedAction
from pharmacy_desk.desk.order_book import BookChange, OrderBook
from pharmacy_desk.desk.relay_client import (
    Accepted,
    ConnectionCheck,
    FoundSeries,
    OrderBatches,
    OrderDetail,
    OutboxRecord,
    Refused,
    Rejected,
    RelayClient,
    RelayError,
    Stale,
    StoreInfo,
    Unreachable,
)
from pharmacy_desk.desk.ringing import NewOrderBell
from pharmacy_desk.desk.settings import DeskSettings
from pharmacy_desk.desk.store_pause import FeedInfo, PauseInfo, StorePause
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus, EventStream, SnapshotReason, StreamEvent
from pharmacy_desk.domain import Action, Cancel, Order, OrderState, PickupCodePolicy, StartAssembly
from pharmacy_desk.domain.fefo import Batch
from pharmacy_desk.domain.no_show import NoShow, no_show
from pharmacy_desk.domain.product import ProductAttributes
from pharmacy_desk.domain.remote_sale import check_remote_sale
from pharmacy_desk.domain.scans import DrugPack, ScanError, parse_scan
from pharmacy_desk.domain.substitutes import Candidate, Replacement, SubstituteChoice, replacement_rule
from pharmacy_desk.inventory.models import SkuStock

log = logging.getLogger("pharmacy_desk.desk")

QUEUEABLE = frozenset({"accept", "start_assembly", "assembled", "ready", "label_printed", "cancel"})
"""Actions that may wait for the relay. Not: checking a pickup code, handing over (both need the
relay's answer before the customer leaves) and issuing a code (the relay draws it)."""

# Orders in these states hold marking codes: their full snapshot is fetched for the book's pack index.
_STATES_WITH_CODES = frozenset(
    {OrderState.ASSEMBLED, OrderState.READY_TO_SHIP, OrderState.AWAITING_PICKUP, OrderState.PAID, OrderState.SHIPPING}
)
_STILL_ASSEMBLING = frozenset({OrderState.NEW, OrderState.ACCEPTED, OrderState.COLLECTING})
_DETAIL_FETCHES = 4
_KEEP_CLOSED_SECONDS = 8 * 3600.0

MSG_QUEUED = "Нет связи с сервером: действие сохранено и будет отправлено, когда связь вернётся"
MSG_NEEDS_RELAY = "Нет связи с сервером: это действие требует ответа сервера, повторите, когда связь вернётся"
MSG_BEHIND_QUEUE = "По заказу ещё не отправлены сохранённые действия: это действие требует связи с сервером"
MSG_CONFLICT_FIRST = "По заказу есть неотправленные действия с конфликтом: сначала разберите их"


T = TypeVar("T")


async def _nothing() -> None:
    return None


def batches_of(suggested: OrderBatches) -> dict[str, tuple[Batch, ...]]:
    """The relay's batch suggestions as the assembly session's batches per SKU, in picking order."""
    result: dict[str, list[Batch]] = {}
    for line in suggested.lines:
        packs = result.setdefault(line.sku, [])
        for pick in line.picks:
            b = pick.batch
            packs.append(Batch(series=b.series, expiry=b.expiry, quantity=b.quantity, gtin=b.gtin, location=b.location))
    return {sku: tuple(packs) for sku, packs in result.items()}


def candidate_of(item: SkuStock) -> Candidate:
    """A stock item as a substitute candidate: its free packs per batch."""
    return Candidate(
        sku=item.sku,
        name=item.name or item.sku,
        attributes=item.attributes,
        batches=tuple(
            Batch(series=b.series, expiry=b.expiry, quantity=b.available, gtin=b.gtin, location=b.location)
            for b in item.batches
            if b.available > 0
        ),
        gtins=item.gtins,
        marked=item.marked,
    )


@dataclass(frozen=True, slots=True)
class Queued:
    """The relay was unreachable; the action waits in the offline queue."""

    item: QueuedAction
    message: str = MSG_QUEUED


ActOutcome = Accepted | Refused | Stale | Unreachable | Rejected | Queued


class DeskService:
    def __init__(
        self,
        settings: DeskSettings,
        token: str,
        *,
        operator: str | None = None,
        catalogue: Mapping[str, str] | None = None,
        marked_skus: Sequence[str] = (),
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        replay_interval: float = 15.0,
        offline_after: int = 3,
    ) -> None:
        self.settings = settings
        self.operator = operator
        self.catalogue: dict[str, str] = dict(catalogue or {})  # GTIN → SKU (grows with what staff assign)
        self.marked_skus = frozenset(marked_skus)
        self.client = RelayClient(settings.relay_url, settings.store, token, timeout=settings.request_timeout_seconds)
        self.book = OrderBook()
        self.pause = StorePause()
        self.bell = NewOrderBell(self.book)
        self.stream = EventStream(
            self.client,
            on_event=self._on_event,
            on_snapshot=self._on_snapshot,
            on_status=self._on_status,
            idle_timeout=settings.stream_idle_timeout_seconds,
            backoff=backoff,
            offline_after=offline_after,
            sleep=sleep,
        )
        self.replay_interval = replay_interval
        self.assemblies = AssemblyStore(settings.data_path)  # assemblies in progress, kept across a restart
        self.queue: OfflineQueue | None = None

        self.book_changed = self.book.changed
        self.alerts = self.book.alerts
        self.notifications = self.book.notifications
        self.ringing_changed = self.bell.ringing_changed
        self.connection_changed: Hook[ConnectionStatus] = Hook("service.connection_changed")
        self.queue_changed: Hook[int] = Hook("service.queue_changed")
        self.queue_conflict: Hook[QueueConflict] = Hook("service.queue_conflict")

        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._kick = asyncio.Event()
        self._replay_task: asyncio.Task[None] | None = None
        self._fetching: set[str] = set()
        self._fetch_tasks: set[asyncio.Task[None]] = set()
        self._fetch_slots = asyncio.Semaphore(_DETAIL_FETCHES)
        self._ack_tasks: set[asyncio.Task[bool]] = set()
        self.store_info: StoreInfo | None = None  # the relay's view of the store, once read
        self.snapshots = 0  # snapshots loaded (ready, resync, gap, refresh)
        self.book.changed.connect(self._on_book_change)

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the offline queue, follow the store's events, replay what waits."""
        self.queue = await OfflineQueue.open(self.settings.data_path / QUEUE_FILE_NAME, self.settings.store)
        self.queue_changed.emit(await self.queue.count())
        self.stream.start()
        self._replay_task = asyncio.create_task(self._replay_loop(), name="desk-replay")

    async def stop(self) -> None:
        """Stop everything and close the connections and the queue file."""
        await self.stream.stop()
        tasks = [t for t in (self._replay_task, *self._fetch_tasks, *self._ack_tasks) if t is not None]
        self._replay_task = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.queue is not None:
            await self.queue.close()
            self.queue = None
        await self.client.aclose()

    async def __aenter__(self) -> DeskService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def connection(self) -> ConnectionStatus:
        return self.stream.status

    def _lock_for(self, number: str) -> asyncio.Lock:
        return self._locks[number]

    def _require_queue(self) -> OfflineQueue:
        if self.queue is None:
            raise RuntimeError("DeskService.start() first")
        return self.queue

    # --- reading ----------------------------------------------------------------------------------

    async def test_connection(self) -> ConnectionCheck:
        return await self.client.test_connection()

    async def refresh(self) -> None:
        """Reload the open orders from the relay now (raises :class:`RelayError`)."""
        await self._on_snapshot("resync")

    async def order_detail(self, number: str, *, refresh: bool = False) -> Order:
        """The order's full snapshot: the book's when current, else fetched (raises :class:`RelayError`)."""
        known = None if refresh else self.book.detail(number)
        if known is not None:
            return known
        detail = await self.client.get_order(number)
        self.book.apply_order(detail.order)
        return detail.order

    async def pick_list(self, numbers: list[str] | tuple[str, ...]) -> PickList:
        """The pick list of ``numbers`` from the relay (raises :class:`RelayError`: 404 names unknown numbers)."""
        return await self.client.pick_list(numbers)

    async def order_record(self, number: str) -> OrderDetail:
        """The order fetched now, with its webhooks, staff actions and notifications (raises :class:`RelayError`)."""
        detail = await self.client.get_order(number)
        self.book.apply_order(detail.order)
        return detail

    async def retry_notification(self, outbox_id: int) -> OutboxRecord:
        """Send a failed notification to Kuper again (raises :class:`RelayError`, 409 when it had not failed)."""
        return await self.client.retry_notification(outbox_id)

    async def queued(self) -> list[QueuedAction]:
        """Everything waiting in the offline queue (pending and in conflict), in order."""
        return await self._require_queue().items()

    # --- acting -----------------------------------------------------------------------------------

    async def act(
        self, number: str, action: Action, *, expected_version: int | None = None, operator: str | None = None
    ) -> ActOutcome:
        """Post ``action`` for order ``number`` against the version the pharmacist saw (default: the book's)."""
        queue = self._require_queue()
        operator = operator if operator is not None else self.operator
        async with self._lock_for(number):
            version = expected_version if expected_version is not None else self.book.version(number)
            if version is None:
                return Rejected(404, "order_not_found", f"Заказ {number} не найден")
            if await queue.holds(number):
                if await queue.in_conflict(number):
                    return Rejected(409, "queue_conflict", MSG_CONFLICT_FIRST)
                if action.kind not in QUEUEABLE:
                    return Unreachable(MSG_BEHIND_QUEUE)
                return await self._enqueue(number, action, version, uuid.uuid4().hex, operator)
            key = uuid.uuid4().hex
            result = await self.client.post_action(
                number, action, expected_version=version, idempotency_key=key, operator=operator
            )
            if not isinstance(result, Unreachable):
                self.stream.poke()  # the relay answers: the stream need not wait out its back-off
            if isinstance(result, Accepted | Stale):
                self.book.apply_order(result.order)
            elif isinstance(result, Refused) and result.order is not None:
                self.book.apply_summary(result.order)
            elif isinstance(result, Unreachable) and action.kind in QUEUEABLE:
                # The same key: if the relay did apply it and only the answer was lost, the replay gets that answer.
                return await self._enqueue(number, action, version, key, operator)
            elif isinstance(result, Unreachable):
                return Unreachable(MSG_NEEDS_RELAY)
            return result

    async def _enqueue(self, number: str, action: Action, version: int, key: str, operator: str | None) -> Queued:
        queue = self._require_queue()
        item = await queue.add(number, action, expected_version=version, idempotency_key=key, operator=operator)
        self.queue_changed.emit(await queue.count())
        return Queued(item)

    async def discard_queued(self, number: str) -> int:
        """Drop the order's queued actions (after the staff saw the conflict); how many."""
        queue = self._require_queue()
        async with self._lock_for(number):
            dropped = await queue.discard(number)
        self.queue_changed.emit(await queue.count())
        return dropped

    def replay_now(self) -> None:
        """Try the offline queue at once (e.g. the staff pressed "send")."""
        self._kick.set()

    def acknowledge(self, number: str) -> asyncio.Task[bool] | None:
        """Stop the bell for a new order on this PC at once, and on every PC through the relay.

        The relay's acknowledgement is posted in the background (the returned task: ``True`` when
        the relay took it); unreachable or refused, the acknowledgement stays local to this PC.
        """
        self.bell.acknowledge(number)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return None
        task = asyncio.create_task(self.acknowledge_on_relay(number), name=f"desk-ack-{number}")
        self._ack_tasks.add(task)
        task.add_done_callback(self._ack_tasks.discard)
        return task

    async def acknowledge_on_relay(self, number: str) -> bool:
        """POST the shared acknowledgement; ``False`` (logged, the bell stays off here) when it failed."""
        try:
            await self.client.acknowledge(number, operator=self.operator)
        except RelayError as exc:
            log.info("acknowledgement of %s kept local: %s", number, exc.message)
            return False
        return True

    async def find_series(self, gtin: str, serial: str) -> FoundSeries | None:
        """The series of a marked pack as recorded on receipt (``None``: not recorded, no stock, no relay)."""
        try:
            return await self.client.find_series(gtin, serial)
        except RelayError as exc:
            log.info("series of %s/%s not found on the relay: %s", gtin, serial, exc.message)
            return None

    async def settle_series(self, session: AssemblySession, asked: ScanFeedback) -> ScanFeedback | None:
        """A pack whose series was asked (``series_needed``): when the stock recorded its serial on
        receipt (the relay's ``/series``) and that series is one of the choices, it is confirmed with
        no key pressed; the session's answer. None: not recorded, not a choice, or no relay."""
        if asked.code is not FeedbackCode.SERIES_NEEDED or asked.marking_code is None:
            return None
        try:
            pack = parse_scan(asked.marking_code)
        except ScanError:
            return None
        if not isinstance(pack, DrugPack):
            return None
        found = await self.find_series(pack.gtin, pack.serial)
        if found is None or found.series not in {b.series for b in asked.series_choices}:
            return None
        if not any(p.marking_code == asked.marking_code and p.series_pending for p in session.packs_pending()):
            return None  # the pharmacist answered meanwhile, or took the pack out
        return session.confirm_series(asked.marking_code, found.series)

    # --- assembling -------------------------------------------------------------------------------

    # --- pickup orders nobody collects -------------------------------------------------------------

    async def refresh_store_info(self) -> StoreInfo | None:
        """Read the store's settings from the relay (None, the last known kept, when it is away)."""
        info = await self._optional(self.client.store_info(), "store info")
        if info is not None:
            self.store_info = info
        return self.store_info

    @property
    def pickup_policy(self) -> PickupCodePolicy:
        """The store's pickup rules (hold, auto-cancel, slug) as the relay says, else the defaults."""
        return self.store_info.rules.pickup if self.store_info is not None else PickupCodePolicy()

    async def cancel_no_show(self, number: str, *, now: dt.datetime | None = None) -> tuple[NoShow, ActOutcome] | None:
        """Cancel a pickup order past its hold (the store's slug, the time waited as the description).

        None when the order is not past its hold (nothing is sent).
        """
        order = await self.order_detail(number, refresh=True)
        policy = self.pickup_policy
        found = no_show(order, now or dt.datetime.now(dt.UTC), policy)
        if found is None:
            return None
        outcome = await self.act(
            number,
            Cancel(reason=policy.no_show_slug, description=found.description_ru()),
            expected_version=order.version,
        )
        return found, outcome

    async def start_assembly(self, number: str, *, take_over: bool = False) -> ActOutcome:
        """Claim the order for this PC (refused, naming the other PC, when another one has it)."""
        return await self.act(number, StartAssembly(take_over=take_over))

    async def open_assembly(
        self,
        number: str,
        *,
        batches: Mapping[str, Sequence[Batch]] | None = None,
        today: dt.date | None = None,
    ) -> AssemblySession:
        """An assembly session on the order's current snapshot (fetched when the book has none).

        From the relay, when it has them: the batches to pick (unless ``batches`` is given), the
        GTINs and marking of the order's SKUs (added to this PC's catalogue; what staff assigned is
        kept) and the store's minimum shelf life (the stricter of the relay's and the local setting).
        A store without a stock source (409), a failing one (503) or no relay: the local ones.
        """
        order = await self.order_detail(number)
        skus = list(dict.fromkeys([line.sku for line in order.ordered] + [line.sku for line in order.composition]))
        info, catalogue, suggested = await asyncio.gather(
            self._optional(self.client.store_info(), "store info"),
            self._optional(self.client.catalogue(skus), f"catalogue of {number}"),
            self._optional(self.client.order_batches(number), f"batches of {number}")
            if batches is None
            else _nothing(),
        )
        if info is not None:
            self.store_info = info
        min_days = self.settings.min_shelf_life_days
        if self.store_info is not None:
            min_days = max(min_days, self.store_info.min_shelf_life_days)
        gtins = dict(self.catalogue)
        marked = set(self.marked_skus)
        forbidden: dict[str, str] = {}
        attributes: dict[str, ProductAttributes] = {}
        if catalogue is not None:
            attributes = catalogue.attributes()
            gtins = {**catalogue.gtin_map(), **self.catalogue}
            # The stock source's word decides for the SKUs it knows: an unmarked product's EAN is its scan.
            marked = (marked - catalogue.known_skus()) | catalogue.marked_skus()
            found = check_remote_sale(order.ordered, catalogue.attributes())
            forbidden = {line.sku: line.rule_ru for line in found.forbidden}
        if suggested is not None:
            batches = batches_of(suggested)
            min_days = max(min_days, suggested.min_shelf_life_days)
        session = AssemblySession(
            order,
            catalogue=gtins,
            batches=batches,
            code_owner=lambda code: self.book.code_owner(code, except_number=number),
            marked_skus=marked,
            forbidden=forbidden,
            attributes=attributes,
            min_shelf_life_days=min_days,
            today=today,
        )
        if order.state in _STILL_ASSEMBLING:
            saved = self.assemblies.load(number)
            if saved is not None:
                restored = restore(session, saved)
                log.info("assembly of %s restored on this PC: %d packs", number, restored)
        else:
            self.assemblies.forget(number)
        return session

    async def substitute_offers(self, session: AssemblySession, sku: str) -> SubstituteChoice:
        """The substitutes for the packs line ``sku`` is short of: the stock's products with its МНН,
        form and dose (the relay's ``/equivalents``) through the domain's rule, cheapest first.

        A policy that forbids replacement asks the relay nothing; a relay that fails: no offers, and
        ``why_none_ru`` says so."""
        attrs = session.attributes.get(sku)
        found: list[Candidate] = []
        problem: str | None = None
        asked = replacement_rule(session.order.replacement_policy) is not Replacement.FORBIDDEN
        if asked and attrs is not None and attrs.inn and attrs.form and attrs.dose:
            try:
                answer = await self.client.equivalents(attrs.inn, attrs.form, attrs.dose)
            except RelayError as exc:
                log.info("substitutes for %s not read from the relay: %s", sku, exc.message)
                problem = exc.message
            else:
                found = [candidate_of(item) for item in answer.items]
        choice = session.substitutes(sku, found)
        if problem is not None and not choice.offers:
            choice = dataclasses.replace(choice, why_none_ru=f"замены не найдены: {problem}")
        return choice

    def save_assembly(self, session: AssemblySession) -> None:
        """Keep the session's packs, series and reasons on this PC (read back by :meth:`open_assembly`)."""
        if session.order.state in _STILL_ASSEMBLING or session.picked:
            self.assemblies.save(session)

    def forget_assembly(self, number: str) -> None:
        self.assemblies.forget(number)

    async def _optional(self, call: Awaitable[T], what: str) -> T | None:
        try:
            return await call
        except RelayError as exc:
            log.info("%s not read from the relay (%s): %s", what, exc.code or exc.status, exc.message)
            return None

    def remember(self, session: AssemblySession) -> None:
        """Keep the GTINs the pharmacist assigned during ``session`` for the next orders."""
        self.catalogue.update(session.learned_gtins)

    # --- stream and queue plumbing ----------------------------------------------------------------

    async def _on_snapshot(self, reason: SnapshotReason) -> None:
        summaries = await self.client.list_orders()
        self.book.load_snapshot(summaries)
        await self._load_pause()
        self.snapshots += 1
        log.info("orders loaded (%s): %d open", reason, len(summaries))

    async def _on_event(self, event: StreamEvent) -> None:
        if self.pause.apply_event(event):
            return
        self.book.apply_event(event)

    async def _load_pause(self) -> None:
        try:
            self.pause.set(await self.client.store_pause())
        except RelayError as exc:  # an older relay, or Kuper not configured: the key simply has no state
            log.info("pause state not loaded: %s", exc.message)

    # --- pausing Kuper orders (Аптека → «Приостановить приём заказов») ------------------------------

    async def pause_orders(self, minutes: int | None) -> PauseInfo:
        """Pause Kuper orders for the store (15/30/60 minutes, ``None``: until resumed).

        Raises :class:`RelayError` (Russian message) when the relay or Kuper refused or is away."""
        info = await self.client.pause_store(minutes, operator=self.operator)
        self.pause.set(info)
        return info

    async def resume_orders(self) -> PauseInfo:
        info = await self.client.resume_store(operator=self.operator)
        self.pause.set(info)
        return info

    async def feed_state(self) -> FeedInfo:
        """The store's stock and price feed to Kuper, for the diagnostics dialog."""
        return await self.client.feed_state()

    def _on_status(self, status: ConnectionStatus) -> None:
        if status.state is ConnectionState.CONNECTED:
            self._kick.set()
        self.connection_changed.emit(status)

    def _on_book_change(self, change: BookChange) -> None:
        for summary in (*change.added, *change.changed):
            number = summary.number
            if summary.state not in _STATES_WITH_CODES or number in self._fetching or self.book.detail(number):
                continue
            self._fetching.add(number)
            task = asyncio.create_task(self._fetch_detail(number))
            self._fetch_tasks.add(task)
            task.add_done_callback(self._fetch_tasks.discard)

    async def _fetch_detail(self, number: str) -> None:
        try:
            async with self._fetch_slots:
                await self.order_detail(number, refresh=True)
        except RelayError as exc:
            log.info("detail of %s not loaded: %s", number, exc.message)
        finally:
            self._fetching.discard(number)

    async def _replay_loop(self) -> None:
        queue = self._require_queue()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=self.replay_interval)
            self._kick.clear()
            self.book.prune_closed(_KEEP_CLOSED_SECONDS)
            if await queue.count() == 0:
                continue
            try:
                report = await queue.replay(
                    self.client,
                    on_accepted=lambda item, order: self.book.apply_order(order),
                    on_conflict=self._on_conflict,
                    lock_for=self._lock_for,
                )
            except Exception:  # a bug or a disk error must not end the loop: the queue is retried next time
                log.exception("offline queue replay failed")
                continue
            if report.sent or report.conflicts:
                self.stream.poke()
                log.info("offline queue: %d sent, %d conflicts", report.sent, report.conflicts)
            self.queue_changed.emit(await queue.count())

    def _on_conflict(self, conflict: QueueConflict) -> None:
        if conflict.current_order is not None:
            self.book.apply_order(conflict.current_order)
        self.queue_conflict.emit(conflict)
