"""The lifecycle of an order in both flows: the one place that decides what may happen next.

Three entry points, all pure:

- :func:`open_order` turns ``order.created`` into an :class:`Order` (and a reservation to make);
- :func:`apply_event` applies any other Kuper webhook. It never raises and never refuses: Kuper is
  the authority for its own events. What does not fit is recorded as an anomaly, and the order stays
  consistent (merchant steps are never skipped because Kuper ran ahead);
- :func:`decide` takes a staff action and either accepts it, with the notifications to send Kuper
  in order and the stock effects, or refuses it with a :class:`Refusal` (stable code, Russian text).

The six mistakes of docs/kuper-protocol.md §5 cannot be made through :func:`decide`:
``order.delivered`` is only produced by :class:`HandOver`, which needs a verified pickup code, a
payment and carries the composition actually handed over; pickup codes are unique among the store's
waiting orders and exist only after ``order.ready_for_delivery``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.cold_chain import needs_cold_bag, storage_of_flags
from pharmacy_desk.domain.composition import (
    build_composition,
    final_lines_of,
    handed_over_composition,
    totals,
)
from pharmacy_desk.domain.events import (
    Alert,
    AlertKind,
    KuperEvent,
    NewOrder,
    Notification,
    StockEffect,
    StockEffectKind,
)
from pharmacy_desk.domain.order import Actor, Anomaly, Cancellation, Courier, Order, Payment
from pharmacy_desk.domain.pickup_codes import (
    AuditEntry,
    AuditKind,
    CodeSpaceExhausted,
    PickupCodePolicy,
    PickupCodeState,
    check_pickup_code,
    generate_pickup_code,
    pickup_code_digest,
)
from pharmacy_desk.domain.receipts import Receipt, ReceiptKind, open_sale
from pharmacy_desk.domain.refusals import Refusal, RefusalCode
from pharmacy_desk.domain.remote_sale import cap_prices, forbidden_refusal
from pharmacy_desk.domain.states import (
    STATE_RANK,
    CancelReason,
    Flow,
    KuperEventType,
    NotificationType,
    OrderState,
    PaymentMethod,
)


class StoreRules(BaseModel):
    """Per-store settings the lifecycle obeys."""

    model_config = ConfigDict(frozen=True)

    accept_step: bool = False  # send order.accepted before in_work (restaurants; off for pharmacies)
    issue_code_on_ready: bool = True  # pickup: "ready" also issues the pickup code, right after
    pickup: PickupCodePolicy = PickupCodePolicy()
    # 54-ФЗ: no pickup hand-over without the sale receipt (the relay's stores[].receipt_required, default on)
    receipt_required: bool = False
    # who gives the receipt of a courier order: Kuper as the paying agent, or the pharmacy at the hand-over
    courier_fiscal: Literal["kuper", "pharmacy"] = "kuper"


class Context(BaseModel):
    """What a decision needs to know beyond the order itself."""

    model_config = ConfigDict(frozen=True)

    now: datetime
    actor: Actor
    rules: StoreRules = StoreRules()
    taken_pickup_digests: frozenset[str] = frozenset()  # code digests of the store's orders waiting for pickup
    pickup_code_key: bytes = Field(default=b"", repr=False)  # the relay's key for the code digests
    marking_codes_elsewhere: frozenset[str] = frozenset()  # codes given in the store's other orders


class Outcome(BaseModel):
    """The result of applying anything to an order.

    ``refusal`` set and ``changed`` false: nothing happened. ``refusal`` set and ``changed`` true:
    the order recorded the attempt (a wrong pickup code counts) but the action did not pass.
    """

    model_config = ConfigDict(frozen=True)

    order: Order
    changed: bool = True
    notifications: tuple[Notification, ...] = ()
    effects: tuple[StockEffect, ...] = ()
    alerts: tuple[Alert, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    refusal: Refusal | None = None
    tries_left: int | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


# --- helpers -------------------------------------------------------------------------------------


MAX_EXTENSION = timedelta(days=7)
"""How far ahead «Продлить хранение до …» may move a pickup deadline."""


def _bump(order: Order, **update: Any) -> Order:
    update["version"] = order.version + 1
    return order.model_copy(update=update)


def _refuse(order: Order, code: RefusalCode, detail: str | None = None) -> Outcome:
    return Outcome(order=order, changed=False, refusal=Refusal.of(code, detail=detail))


def _flow_of(raw: str | None) -> Flow:
    try:
        return Flow(raw) if raw else Flow.UNKNOWN
    except ValueError:
        return Flow.UNKNOWN


def _is_pickup(order: Order) -> bool:
    return order.flow is Flow.PICKUP


def goods_left(order: Order) -> bool:
    """True once the goods are out of the pharmacy: no cancellation is possible any more."""
    if order.state in (OrderState.SHIPPING, OrderState.SHIPPED):
        return True
    if not _is_pickup(order):
        return any(k in order.milestones for k in (KuperEventType.RECEIVED, KuperEventType.DELIVERING))
    return False


def _notification(order: Order, kind: NotificationType, **extra: Any) -> Notification:
    return Notification(type=kind, kuper_id=order.kuper_id, number=order.number, **extra)


def _delivery_state_after_ready(order: Order) -> OrderState:
    """Where a delivery order stands once we are ready, given what Kuper already said."""
    m = order.milestones
    if KuperEventType.DELIVERED in m:
        return OrderState.SHIPPED
    if KuperEventType.RECEIVED in m or KuperEventType.DELIVERING in m:
        return OrderState.SHIPPING
    if order.payment is not None:
        return OrderState.PAID
    return OrderState.READY_TO_SHIP


# --- order.created -------------------------------------------------------------------------------


def open_order(new: NewOrder, *, store: str, number: str, now: datetime, rules: StoreRules) -> Outcome:
    """A new order from ``order.created``: reserve its lines and ring the store."""
    flow = _flow_of(new.shipment_method)
    flags: list[str] = []
    anomalies: list[Anomaly] = []
    if flow is Flow.UNKNOWN:
        flags.append("unknown_flow")
        anomalies.append(
            Anomaly(
                at=now,
                event=KuperEventType.CREATED,
                message=f"Неизвестный способ получения {new.shipment_method!r}: заказ ведётся как доставка",
            )
        )
    if new.total is not None and new.total != totals(new.lines).total_price:
        flags.append("total_mismatch")
        anomalies.append(
            Anomaly(
                at=now,
                event=KuperEventType.CREATED,
                message=f"Сумма Купера {new.total} не равна сумме позиций {totals(new.lines).total_price}",
            )
        )
    order = Order(
        store=store,
        kuper_id=new.kuper_id,
        number=number,
        original_order_id=new.original_order_id,
        flow=flow,
        flow_raw=new.shipment_method,
        accept_required=rules.accept_step,
        created_at=now,
        due_from=new.due_from,
        due_to=new.due_to,
        customer=new.customer,
        address=new.address,
        comment=new.comment,
        replacement_policy=new.replacement_policy,
        ordered=new.lines,
        composition=new.lines,
        milestones={KuperEventType.CREATED.value: now},
        flags=tuple(flags),
        anomalies=tuple(anomalies),
    )
    return Outcome(
        order=order,
        effects=(StockEffect(kind=StockEffectKind.RESERVE, lines=new.lines),),
        alerts=(Alert(kind=AlertKind.NEW_ORDER, message=f"Новый заказ {number}"),),
        anomalies=tuple(anomalies),
    )


# --- Kuper's webhooks ----------------------------------------------------------------------------


def apply_event(order: Order, event: KuperEvent) -> Outcome:
    """Apply one Kuper webhook. Never raises; what does not fit becomes an anomaly."""
    kind = event.known_type
    milestones = dict(order.milestones)
    if kind is not None and kind.value not in milestones:
        milestones[kind.value] = event.at

    def anomaly(message: str, **update: Any) -> Outcome:
        found = Anomaly(at=event.at, event=event.type, message=message)
        new = _bump(order, **{"milestones": milestones, **update, "anomalies": (*order.anomalies, found)})
        alert = Alert(kind=AlertKind.ANOMALY, message=f"{order.number}: {message}")
        return Outcome(order=new, anomalies=(found,), alerts=(alert,))

    if kind is None:
        return anomaly(f"Неизвестное событие Купера {event.type!r}: сохранено без обработки")
    if kind is KuperEventType.CREATED:
        return anomaly("Повторное order.created: заказ уже создан, номер прежний")
    if order.state is OrderState.CANCELED:
        if kind is KuperEventType.CANCELED:
            return Outcome(order=order, changed=False)
        return anomaly(f"{kind.value} пришло после отмены заказа")
    handler = _EVENT_HANDLERS[kind]
    return handler(order, event, milestones, anomaly)


class _AnomalyFn(Protocol):
    def __call__(self, message: str, **update: Any) -> Outcome: ...


def _on_updated(order: Order, event: KuperEvent, milestones: dict[str, datetime], anomaly: _AnomalyFn) -> Outcome:
    if event.shipment_method is not None and event.shipment_method != order.flow_raw:
        switched = switch_flow(order, event.shipment_method, event.at)
        rest = _on_updated(
            switched.order.model_copy(update={"version": order.version}),
            event.model_copy(update={"shipment_method": None}),
            milestones,
            anomaly,
        )
        kept = switched.order
        merged = rest.order.model_copy(
            update={
                "flow": kept.flow,
                "flow_raw": kept.flow_raw,
                "flags": tuple(dict.fromkeys((*rest.order.flags, *kept.flags))),
                "anomalies": (*rest.order.anomalies, *(a for a in kept.anomalies if a not in rest.order.anomalies)),
            }
        )
        return rest.model_copy(
            update={
                "order": merged,
                "changed": True,
                "alerts": (*switched.alerts, *rest.alerts),
                "anomalies": (*switched.anomalies, *rest.anomalies),
            }
        )
    update: dict[str, Any] = {"milestones": milestones}
    if event.due_from is not None:
        update["due_from"] = event.due_from
    if event.due_to is not None:
        update["due_to"] = event.due_to
    if event.lines is None:
        return Outcome(order=_bump(order, **update))
    if STATE_RANK[order.state] > STATE_RANK[OrderState.COLLECTING]:
        return anomaly("Купер изменил состав после окончания сборки: изменение не применено", **update)
    new = _bump(order, ordered=event.lines, composition=event.lines, **update)
    alert = Alert(kind=AlertKind.ANOMALY, message=f"{order.number}: Купер изменил состав заказа")
    return Outcome(order=new, effects=(StockEffect(kind=StockEffectKind.ADJUST, lines=event.lines),), alerts=(alert,))


def switch_flow(order: Order, shipment_method: str, at: datetime) -> Outcome:
    """Kuper says the customer switched courier ↔ pickup. Before the order is ready the flow follows;
    once it is ready (the code issued or the courier expected) it does not: an anomaly and an alert."""
    flow = _flow_of(shipment_method)
    if flow is order.flow:
        return Outcome(order=_bump(order, flow_raw=shipment_method))
    was, now = _FLOW_RU.get(order.flow, order.flow.value), _FLOW_RU.get(flow, shipment_method)
    if STATE_RANK[order.state] >= STATE_RANK[OrderState.READY_TO_SHIP]:
        message = f"Купер сменил способ получения ({was} → {now}) после готовности: не применено, свяжитесь с Купером"
        found = Anomaly(at=at, event=KuperEventType.UPDATED.value, message=message)
        new = _bump(order, anomalies=(*order.anomalies, found), flags=(*order.flags, "flow_switch_refused"))
        return Outcome(
            order=new, anomalies=(found,), alerts=(Alert(kind=AlertKind.ANOMALY, message=f"{order.number}: {message}"),)
        )
    new = _bump(order, flow=flow, flow_raw=shipment_method)
    alert = Alert(kind=AlertKind.ANOMALY, message=f"{order.number}: способ получения изменён: {was} → {now}")
    return Outcome(order=new, alerts=(alert,))


_FLOW_RU = {Flow.DELIVERY: "доставка", Flow.PICKUP: "самовывоз", Flow.UNKNOWN: "неизвестно"}


def _on_courier_assigned(
    order: Order, event: KuperEvent, milestones: dict[str, datetime], anomaly: _AnomalyFn
) -> Outcome:
    courier = event.courier or Courier()
    if _is_pickup(order):
        return anomaly("courier.assigned для заказа самовывоза")
    if goods_left(order):
        return anomaly("courier.assigned после передачи заказа курьеру", courier=courier)
    return Outcome(order=_bump(order, milestones=milestones, courier=courier))


def _on_courier_arrived(
    order: Order, event: KuperEvent, milestones: dict[str, datetime], anomaly: _AnomalyFn
) -> Outcome:
    if _is_pickup(order):
        return anomaly("courier.arrived для заказа самовывоза")
    if order.courier_arrived_at is not None:
        return Outcome(order=_bump(order, milestones=milestones))
    alert = Alert(kind=AlertKind.COURIER_ARRIVED, message=f"Курьер прибыл за заказом {order.number}")
    if order.courier is None:
        found = anomaly("courier.arrived раньше courier.assigned", courier_arrived_at=event.at, courier=Courier())
        return found.model_copy(update={"alerts": (*found.alerts, alert)})
    new = _bump(order, milestones=milestones, courier_arrived_at=event.at)
    return Outcome(order=new, alerts=(alert,))


def _on_paid(order: Order, event: KuperEvent, milestones: dict[str, datetime], anomaly: _AnomalyFn) -> Outcome:
    if order.payment is not None:
        return Outcome(order=_bump(order, milestones=milestones))
    amount = event.paid_total if event.paid_total is not None else order.totals.total_price
    payment = Payment(method=PaymentMethod.KUPER, amount=amount, at=event.at, by="Купер")
    if _is_pickup(order):
        return Outcome(order=_bump(order, milestones=milestones, payment=payment))
    if STATE_RANK[order.state] < STATE_RANK[OrderState.READY_TO_SHIP]:
        return anomaly("order.paid раньше готовности заказа", payment=payment)
    updated = order.model_copy(update={"payment": payment, "milestones": milestones})
    return Outcome(order=_bump(updated, state=_delivery_state_after_ready(updated)))


def _on_courier_progress(
    order: Order, event: KuperEvent, milestones: dict[str, datetime], anomaly: _AnomalyFn
) -> Outcome:
    """order.received, order.delivering, order.delivered in the delivery flow."""
    kind = event.known_type
    assert kind is not None
    if _is_pickup(order):
        return anomaly(f"{kind.value} от Купера для заказа самовывоза: выдачу подтверждает аптека")
    if order.state is OrderState.SHIPPED:
        return Outcome(order=_bump(order, milestones=milestones))
    if STATE_RANK[order.state] < STATE_RANK[OrderState.READY_TO_SHIP]:
        return anomaly(f"{kind.value} раньше готовности заказа: ждём готовности от аптеки")
    updated = order.model_copy(update={"milestones": milestones})
    state = _delivery_state_after_ready(updated)
    skipped = []
    if order.payment is None:
        skipped.append(KuperEventType.PAID.value)
    if kind is not KuperEventType.RECEIVED and KuperEventType.RECEIVED not in order.milestones:
        skipped.append(KuperEventType.RECEIVED.value)
    # The courier took the bag: the sale of what was handed over is committed now, once.
    leaving = not goods_left(order) and state in (OrderState.SHIPPING, OrderState.SHIPPED)
    effects = (
        (StockEffect(kind=StockEffectKind.COMMIT, lines=order.handed_over or order.composition),) if leaving else ()
    )
    if skipped:
        found = anomaly(f"{kind.value} раньше {', '.join(skipped)}", state=state)
        return found.model_copy(update={"effects": effects})
    return Outcome(order=_bump(updated, state=state), effects=effects)


def _on_canceled(order: Order, event: KuperEvent, milestones: dict[str, datetime], anomaly: _AnomalyFn) -> Outcome:
    slug = event.cancel_slug or "unknown"
    try:
        reason: CancelReason | None = CancelReason(slug)
    except ValueError:
        reason = None
    cancellation = Cancellation(
        reason=reason, slug=slug, description=event.cancel_description, by_kuper=True, at=event.at
    )
    if goods_left(order):
        found = anomaly("Купер отменил заказ после передачи товара: нужен возврат")
        alert = Alert(
            kind=AlertKind.CANCELED_AFTER_HANDOVER,
            message=f"Заказ {order.number} отменён Купером после выдачи",
            lines=order.handed_over or order.composition,
        )
        return found.model_copy(update={"alerts": (*found.alerts, alert)})
    alerts: tuple[Alert, ...] = ()
    if STATE_RANK[order.state] >= STATE_RANK[OrderState.COLLECTING]:
        alerts = (
            Alert(
                kind=AlertKind.CANCELED_DURING_ASSEMBLY,
                message=f"Заказ {order.number} отменён: верните товар на полку",
                lines=tuple(line for line in order.composition if line.quantity > 0),
            ),
        )
    new = _bump(order, milestones=milestones, state=OrderState.CANCELED, cancellation=cancellation)
    return Outcome(order=new, effects=(StockEffect(kind=StockEffectKind.RELEASE),), alerts=alerts)


_EVENT_HANDLERS = {
    KuperEventType.UPDATED: _on_updated,
    KuperEventType.COURIER_ASSIGNED: _on_courier_assigned,
    KuperEventType.COURIER_ARRIVED: _on_courier_arrived,
    KuperEventType.PAID: _on_paid,
    KuperEventType.RECEIVED: _on_courier_progress,
    KuperEventType.DELIVERING: _on_courier_progress,
    KuperEventType.DELIVERED: _on_courier_progress,
    KuperEventType.CANCELED: _on_canceled,
}


# --- staff actions -------------------------------------------------------------------------------


def decide(order: Order, action: act.Action, ctx: Context) -> Outcome:
    """Accept or refuse a staff action on ``order``."""
    if order.state is OrderState.CANCELED:
        return _refuse(order, RefusalCode.ORDER_CANCELED)
    if order.state is OrderState.SHIPPED:
        return _refuse(order, RefusalCode.ORDER_FINISHED)
    match action:
        case act.Accept():
            return _accept(order)
        case act.StartAssembly():
            return _start_assembly(order, action, ctx)
        case act.Assembled():
            return _assembled(order, action, ctx)
        case act.Ready():
            return _ready(order, action, ctx)
        case act.IssuePickupCode():
            return _issue_code(order, ctx)
        case act.LabelPrinted():
            entry = AuditEntry(kind=AuditKind.PRINTED, at=ctx.now, actor=ctx.actor.label)
            return Outcome(order=_bump(order, audit=(*order.audit, entry)))
        case act.HandToCourier():
            return _hand_to_courier(order, action, ctx)
        case act.VerifyPickupCode():
            return _verify_code(order, action, ctx)
        case act.RecordReceipt():
            return _record_receipt(order, action, ctx)
        case act.HandOver():
            return _hand_over(order, action, ctx)
        case act.Cancel():
            return _cancel(order, action, ctx)
        case act.ExtendPickup():
            return _extend_pickup(order, action, ctx)
    raise AssertionError(f"unhandled action {action!r}")  # pragma: no cover


_COURIER_STATES = frozenset({OrderState.READY_TO_SHIP, OrderState.PAID})


def _hand_to_courier(order: Order, action: act.HandToCourier, ctx: Context) -> Outcome:
    """Recorded, never a state change (Kuper's ``received`` is); a cold-chain bag only in a cold bag."""
    if _is_pickup(order):
        return _refuse(order, RefusalCode.DELIVERY_ONLY)
    if order.state not in _COURIER_STATES:
        return _refuse(order, RefusalCode.WRONG_STATE)
    if needs_cold_bag(storage_of_flags(order.flags)) and not action.cold_bag:
        return _refuse(order, RefusalCode.COLD_BAG_REQUIRED)
    detail = "в термосумке" if action.cold_bag else None
    entry = AuditEntry(kind=AuditKind.COURIER, at=ctx.now, actor=ctx.actor.label, detail=detail)
    return Outcome(order=_bump(order, audit=(*order.audit, entry)))


def _accept(order: Order) -> Outcome:
    if not order.accept_required:
        return _refuse(order, RefusalCode.ACCEPT_NOT_USED)
    if order.state is not OrderState.NEW:
        return _refuse(order, RefusalCode.WRONG_STATE)
    new = _bump(order, state=OrderState.ACCEPTED)
    return Outcome(order=new, notifications=(_notification(order, NotificationType.ACCEPTED),))


def _claim_refusal(order: Order, ctx: Context) -> Outcome | None:
    if order.assembler is None:
        return _refuse(order, RefusalCode.NOT_CLAIMED)
    if order.assembler.device_id != ctx.actor.device_id:
        return _refuse(order, RefusalCode.CLAIMED_BY_OTHER, detail=order.assembler.label)
    return None


def _start_assembly(order: Order, action: act.StartAssembly, ctx: Context) -> Outcome:
    if order.state is OrderState.NEW and order.accept_required:
        return _refuse(order, RefusalCode.ACCEPT_FIRST)
    if order.state in (OrderState.NEW, OrderState.ACCEPTED):
        new = _bump(order, state=OrderState.COLLECTING, assembler=ctx.actor)
        return Outcome(order=new, notifications=(_notification(order, NotificationType.IN_WORK),))
    if order.state in (OrderState.COLLECTING, OrderState.ASSEMBLED):
        current = order.assembler
        if current is not None and current.device_id == ctx.actor.device_id:
            return Outcome(order=order, changed=False)
        if current is not None and not action.take_over:
            return _refuse(order, RefusalCode.CLAIMED_BY_OTHER, detail=current.label)
        # A take-over (or a claim lost to a crash): the relay's action log records who took it.
        return Outcome(order=_bump(order, assembler=ctx.actor))
    return _refuse(order, RefusalCode.WRONG_STATE)


def _assembled(order: Order, action: act.Assembled, ctx: Context) -> Outcome:
    if order.state is not OrderState.COLLECTING:
        return _refuse(order, RefusalCode.WRONG_STATE)
    refused = _claim_refusal(order, ctx)
    if refused:
        return refused
    built = build_composition(order.ordered, action.composition, codes_elsewhere=ctx.marking_codes_elsewhere)
    if isinstance(built, Refusal):
        return Outcome(order=order, changed=False, refusal=built)
    forbidden = forbidden_refusal(built, order.forbidden_skus)
    if forbidden is not None:
        return Outcome(order=order, changed=False, refusal=forbidden)
    built = cap_prices(built, order.price_caps)
    new = _bump(order, state=OrderState.ASSEMBLED, composition=built)
    effects = () if built == order.composition else (StockEffect(kind=StockEffectKind.ADJUST, lines=built),)
    return Outcome(order=new, notifications=(_notification(order, NotificationType.ASSEMBLED),), effects=effects)


def _ready(order: Order, action: act.Ready, ctx: Context) -> Outcome:
    if order.state is not OrderState.ASSEMBLED:
        return _refuse(order, RefusalCode.WRONG_STATE)
    refused = _claim_refusal(order, ctx)
    if refused:
        return refused
    final = action.composition if action.composition is not None else tuple(final_lines_of(order.composition))
    built = build_composition(order.ordered, final, codes_elsewhere=ctx.marking_codes_elsewhere)
    if isinstance(built, Refusal):
        return Outcome(order=order, changed=False, refusal=built)
    forbidden = forbidden_refusal(built, order.forbidden_skus)
    if forbidden is not None:
        return Outcome(order=order, changed=False, refusal=forbidden)
    built = cap_prices(built, order.price_caps)  # never above the shelf price (remote_sale)
    effects: list[StockEffect] = []
    if built != order.composition:
        effects.append(StockEffect(kind=StockEffectKind.ADJUST, lines=built))
    ready = _notification(order, NotificationType.READY_FOR_DELIVERY, lines=built, totals=totals(built))
    if _is_pickup(order):
        new = _bump(order, state=OrderState.READY_TO_SHIP, composition=built, packs=action.packs)
        outcome = Outcome(order=new, notifications=(ready,), effects=tuple(effects))
        if ctx.rules.issue_code_on_ready:
            issued = _issue_code(new, ctx)
            if issued.accepted:
                return issued.model_copy(
                    update={
                        "order": issued.order.model_copy(update={"version": new.version}),
                        "notifications": (ready, *issued.notifications),
                        "effects": tuple(effects),
                    }
                )
        return outcome
    # Delivery: this bag is what Kuper's courier will take. The sale is committed when the goods
    # leave (order.received), so a cancellation before that still puts the packs back on the shelf;
    # when Kuper is already ahead of us (the courier took it), it is committed now.
    updated = order.model_copy(update={"composition": built, "handed_over": built, "packs": action.packs})
    new = _bump(updated, state=_delivery_state_after_ready(updated))
    if goods_left(new):
        effects.append(StockEffect(kind=StockEffectKind.COMMIT, lines=built))
    return Outcome(order=new, notifications=(ready,), effects=tuple(effects))


def _issue_code(order: Order, ctx: Context) -> Outcome:
    if not _is_pickup(order):
        return _refuse(order, RefusalCode.PICKUP_ONLY)
    if order.pickup is not None:
        return _refuse(order, RefusalCode.CODE_ALREADY_ISSUED)
    if order.state is not OrderState.READY_TO_SHIP:
        return _refuse(order, RefusalCode.CODE_BEFORE_READY)
    try:
        code = generate_pickup_code(ctx.taken_pickup_digests, length=ctx.rules.pickup.length, key=ctx.pickup_code_key)
    except CodeSpaceExhausted:
        return _refuse(order, RefusalCode.CODE_SPACE_EXHAUSTED)
    # The order keeps only the digest; the code itself goes to Kuper in the notification, nowhere else.
    pickup = PickupCodeState(digest=pickup_code_digest(code, ctx.pickup_code_key), issued_at=ctx.now)
    entry = AuditEntry(kind=AuditKind.CREATED, at=ctx.now, actor=ctx.actor.label)
    new = _bump(order, state=OrderState.AWAITING_PICKUP, pickup=pickup, audit=(*order.audit, entry))
    note = _notification(order, NotificationType.PICKUP_CODE_CREATED, pickup_code=code)
    return Outcome(order=new, notifications=(note,))


def _verify_code(order: Order, action: act.VerifyPickupCode, ctx: Context) -> Outcome:
    if not _is_pickup(order):
        return _refuse(order, RefusalCode.PICKUP_ONLY)
    if order.pickup is None or order.state is not OrderState.AWAITING_PICKUP:
        return _refuse(order, RefusalCode.CODE_NOT_ISSUED)
    if order.pickup.is_locked(ctx.now):
        refusal = Refusal.of(RefusalCode.CODE_LOCKED, tries_left=0)
        return Outcome(order=order, changed=False, refusal=refusal, tries_left=0)
    pickup, check, audit = check_pickup_code(
        order.pickup,
        action.code,
        now=ctx.now,
        policy=ctx.rules.pickup,
        actor=ctx.actor.label,
        key=ctx.pickup_code_key,
    )
    new = _bump(order, pickup=pickup, audit=(*order.audit, *audit))
    if check.ok:
        return Outcome(order=new, tries_left=check.tries_left)
    code = RefusalCode.CODE_LOCKED if check.locked_until is not None else RefusalCode.CODE_WRONG
    refusal = Refusal.of(code, tries_left=check.tries_left)
    return Outcome(order=new, refusal=refusal, tries_left=check.tries_left)


def _hand_over(order: Order, action: act.HandOver, ctx: Context) -> Outcome:
    if not _is_pickup(order):
        return _refuse(order, RefusalCode.PICKUP_ONLY)
    if order.state is not OrderState.AWAITING_PICKUP or order.pickup is None:
        return _refuse(order, RefusalCode.WRONG_STATE)
    if order.pickup.verified_at is None:
        return _refuse(order, RefusalCode.CODE_NOT_VERIFIED)
    handed = handed_over_composition(order.composition, action.composition)
    if isinstance(handed, Refusal):
        return Outcome(order=order, changed=False, refusal=handed)
    due = totals(handed).total_price
    # The steps in their order: code verified → payment → the sale receipt → the goods leave.
    payment = order.payment
    if payment is None:
        if action.payment is None:
            return _refuse(order, RefusalCode.PAYMENT_MISSING)
        if action.payment.amount != due:
            return _refuse(order, RefusalCode.PAYMENT_AMOUNT, detail=f"к оплате {due}, принято {action.payment.amount}")
        payment = Payment(
            method=PaymentMethod(action.payment.method),
            amount=action.payment.amount,
            at=ctx.now,
            by=ctx.actor.label,
        )
    receipts = order.receipts
    if ctx.rules.receipt_required and order.payment is None:  # paid to Kuper: Kuper gives the receipt
        receipt = action.receipt or open_sale(order.receipts)
        if receipt is None:
            return _refuse(order, RefusalCode.RECEIPT_MISSING)
        mismatch = _receipt_mismatch(receipt, handed, due, action.payment)
        if mismatch:
            return _refuse(order, RefusalCode.RECEIPT_MISMATCH, detail=mismatch)
        if receipt not in receipts:
            receipts = (*receipts, receipt)
    elif action.receipt is not None and action.receipt not in receipts:
        receipts = (*receipts, action.receipt)
    milestones = {**order.milestones, NotificationType.DELIVERED.value: ctx.now}
    new = _bump(
        order,
        state=OrderState.SHIPPED,
        payment=payment,
        handed_over=handed,
        composition=handed,
        milestones=milestones,
        receipts=receipts,
    )
    note = _notification(order, NotificationType.DELIVERED, lines=handed, totals=totals(handed))
    return Outcome(order=new, notifications=(note,), effects=(StockEffect(kind=StockEffectKind.COMMIT, lines=handed),))


def _codes_of(lines: tuple[Any, ...]) -> list[str]:
    return sorted(code for line in lines for code in line.marking_codes)


def _receipt_mismatch(receipt: Receipt, handed: tuple[Any, ...], due: Any, payment: act.PaymentTaken | None) -> str:
    """Why ``receipt`` is not the receipt of handing ``handed`` over (empty: it is)."""
    if receipt.kind is not ReceiptKind.SELL:
        return "это не чек прихода"
    if receipt.total is not None and receipt.total != due:
        return f"в чеке {receipt.total}, к оплате {due}"
    if sorted(receipt.marking_codes) != _codes_of(handed):
        return "коды маркировки в чеке не те, что в выдаваемых упаковках"
    if payment is not None and receipt.payment is not None and receipt.payment != payment.method:
        return "способ оплаты в чеке другой"
    return ""


def _record_receipt(order: Order, action: act.RecordReceipt, ctx: Context) -> Outcome:
    receipt = action.receipt
    if receipt in order.receipts:
        return Outcome(order=order, changed=False)  # the same document again: already recorded
    if order.state is OrderState.CANCELED or (goods_left(order) and receipt.kind is ReceiptKind.SELL_RETURN):
        return _refuse(order, RefusalCode.RECEIPT_UNEXPECTED, detail="заказ уже завершён")
    sale = open_sale(order.receipts)
    if receipt.kind is ReceiptKind.SELL:
        if sale is not None:
            return _refuse(order, RefusalCode.RECEIPT_UNEXPECTED, detail="чек прихода уже пробит")
        if _is_pickup(order):
            if order.state is not OrderState.AWAITING_PICKUP or order.pickup is None:
                return _refuse(order, RefusalCode.WRONG_STATE)
            if order.pickup.verified_at is None:
                return _refuse(order, RefusalCode.CODE_NOT_VERIFIED)
        elif ctx.rules.courier_fiscal != "pharmacy":
            return _refuse(order, RefusalCode.RECEIPT_UNEXPECTED, detail="чек курьерского заказа даёт Купер")
        in_bag = {code for line in order.composition for code in line.marking_codes}
        if not set(receipt.marking_codes) <= in_bag:
            return _refuse(order, RefusalCode.RECEIPT_MISMATCH, detail="в чеке коды не из этого заказа")
    else:
        if sale is None:
            return _refuse(order, RefusalCode.RECEIPT_UNEXPECTED, detail="нет чека прихода, который возвращают")
        if sorted(receipt.marking_codes) != sorted(sale.marking_codes) or (
            receipt.total is not None and sale.total is not None and receipt.total != sale.total
        ):
            return _refuse(order, RefusalCode.RECEIPT_MISMATCH, detail="чек возврата не повторяет чек прихода")
    return Outcome(order=_bump(order, receipts=(*order.receipts, receipt)))


def _cancel(order: Order, action: act.Cancel, ctx: Context) -> Outcome:
    if goods_left(order):
        return _refuse(order, RefusalCode.GOODS_LEFT)
    if open_sale(order.receipts) is not None:
        return _refuse(order, RefusalCode.RECEIPT_NOT_RETURNED)
    cancellation = Cancellation(
        reason=action.reason,
        slug=action.reason.value,
        description=action.description or None,
        by_kuper=False,
        at=ctx.now,
    )
    new = _bump(order, state=OrderState.CANCELED, cancellation=cancellation)
    note = _notification(
        order,
        NotificationType.CANCELED,
        cancel_reason=action.reason,
        cancel_description=action.description or None,
    )
    return Outcome(order=new, notifications=(note,), effects=(StockEffect(kind=StockEffectKind.RELEASE),))


__all__ = [
    "Context",
    "Outcome",
    "StoreRules",
    "apply_event",
    "decide",
    "goods_left",
    "open_order",
]


def _extend_pickup(order: Order, action: act.ExtendPickup, ctx: Context) -> Outcome:
    """«Продлить хранение до …»: a later pickup deadline, at most :data:`MAX_EXTENSION` from now."""
    if not _is_pickup(order):
        return _refuse(order, RefusalCode.PICKUP_ONLY)
    if order.state is not OrderState.AWAITING_PICKUP or order.pickup is None:
        return _refuse(order, RefusalCode.WRONG_STATE)
    until = action.until if action.until.tzinfo is not None else action.until.replace(tzinfo=ctx.now.tzinfo)
    current = order.pickup_hold_until
    if until <= ctx.now or (current is not None and until <= current):
        return _refuse(order, RefusalCode.DEADLINE_NOT_LATER)
    if until - ctx.now > MAX_EXTENSION:
        return _refuse(order, RefusalCode.DEADLINE_TOO_FAR)
    entry = AuditEntry(kind=AuditKind.EXTENDED, at=ctx.now, actor=ctx.actor.label, detail=f"до {until.isoformat()}")
    return Outcome(order=_bump(order, pickup_hold_until=until, audit=(*order.audit, entry)))
