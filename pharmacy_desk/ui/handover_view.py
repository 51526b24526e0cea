"""The hand-over screen: a customer at the counter with a pickup code, or a courier for a delivery bag.

Find the order: scan the bag's label (its QR), or type in the order field our number (the last digits
are enough), Kuper's number or the last four digits of the customer's phone — never the pickup code.
Then, for a pickup order:

1. type the code the customer says, Enter: the relay checks it (:class:`~pharmacy_desk.domain.VerifyPickupCode`),
   counts the failures and locks the order out after too many; a wrong code says only that, with the
   tries left — nothing about any other order;
2. every pack's marking code is then checked by the PC's register in the permit mode (F4 again); a
   refused pack is taken out of the bag with the register's reason;
3. Del takes a pack the customer declines out (Ins puts it back): the amount is the domain's;
4. F6 cash (the amount tendered typed in the "Tendered" field: the change is shown) or F7 card records the
   payment, never before the code is checked; switching cash ↔ card asks;
5. F9 prints the receipt (every pack's code, tag 1260) and hands the order over with it.
   F8: the customer refuses to pay — after a receipt, the return receipt first — then the order is
   canceled (``order_not_paid``), the stock released.

The checklist above the keys shows the steps: code ✓, codes checked ✓, paid ✓, receipt ✓, handed over.
The steps' rules are :class:`~pharmacy_desk.desk.fiscal_handover.FiscalHandover`'s.

A delivery order shows its courier and Kuper's steps (paid → received → delivering → delivered).
The decisions are :class:`~pharmacy_desk.desk.handover.HandoverSession`'s and the relay's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.courier_handoff import ColdBagRefused, CourierHandoff
from pharmacy_desk.desk.fiscal_handover import MSG_NO_REGISTER, STEP_RU, FiscalHandover, StepResult
from pharmacy_desk.desk.fiscal_journal import JOURNAL_FILE_NAME, FiscalJournal
from pharmacy_desk.desk.handover import Blocker, HandoverLine, HandoverSession, PaymentMethodName
from pharmacy_desk.desk.order_book import BookChange
from pharmacy_desk.desk.order_lookup import find_order
from pharmacy_desk.desk.queue_rules import utc_now
from pharmacy_desk.desk.relay_client import Accepted, Refused, RelayError, Stale
from pharmacy_desk.desk.scanner import ScannedCode, read_code
from pharmacy_desk.desk.service import ActOutcome, DeskService
from pharmacy_desk.domain import Action, Order, OrderState
from pharmacy_desk.domain.bag_label import BagLabel
from pharmacy_desk.domain.cold_chain import LABEL_RU, MARK, needs_cold_bag
from pharmacy_desk.domain.money import rubles, to_money
from pharmacy_desk.domain.scans import ScanError
from pharmacy_desk.domain.states import STATE_RU
from pharmacy_desk.fiscal.manual import ManualEntry
from pharmacy_desk.fiscal.models import ReceiptRequest
from pharmacy_desk.fiscal.register import FiscalRegister
from pharmacy_desk.fiscal.settings import open_register
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.courier_card import CourierCard, DeliveryTimeline, local_time
from pharmacy_desk.ui.key_buttons import KeyButton, add_key_buttons, key_shortcut
from pharmacy_desk.ui.outcome import Shown, Tone, shown
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.sounds import Sound, SoundPlayer
from pharmacy_desk.ui.tasks import OwnedTasks

Index = QModelIndex | QPersistentModelIndex
SKU_ROLE = int(Qt.ItemDataRole.UserRole) + 1

TONE_STYLE = {
    Tone.OK: "background:#d7f5dd;color:#0b4d1c;padding:10px;",
    Tone.PENDING: "background:#ffe9b3;color:#6b4500;padding:10px;font-weight:bold;",
    Tone.REFUSED: "background:#c62828;color:#ffffff;padding:14px;font-weight:bold;",
}
_DECLINED = ("#fff3cd", "#5c4400")
PAY_KEYS = " — F6 наличные, F7 карта"  # the next keys, after the amount


class HandoverLinesModel(QAbstractTableModel):
    """The bag's lines: in the bag, given, price, sum (declined packs highlighted)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[HandoverLine] = []
        self._headers = [self.tr("Product"), self.tr("In the bag"), self.tr("Given"), self.tr("Price"), self.tr("Sum")]

    def set_lines(self, lines: list[HandoverLine]) -> None:
        if [line.sku for line in lines] != [line.sku for line in self._lines]:
            self.beginResetModel()
            self._lines = lines
            self.endResetModel()
            return
        old, self._lines = self._lines, lines
        for row, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before != after:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._headers) - 1))

    def line_at(self, row: int) -> HandoverLine | None:
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def row_of(self, sku: str) -> int | None:
        return next((row for row, line in enumerate(self._lines) if line.sku == sku), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        line = self.line_at(index.row()) if index.isValid() else None
        if line is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return line.name
            if column == 1:
                return str(line.ready)
            if column == 2:
                return f"{line.given}  (−{line.declined})" if line.declined else str(line.given)
            if column == 3:
                return rubles(line.unit_price)
            return rubles(line.total)
        if role == SKU_ROLE:
            return line.sku
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if line.declined and role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            background, foreground = _DECLINED
            return QBrush(QColor(background if role == Qt.ItemDataRole.BackgroundRole else foreground))
        return None


def _big(label: QLabel, factor: float) -> None:
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    label.setFont(font)


class HandoverView(QWidget):
    backRequested = Signal()
    orderShown = Signal(str)  # the order now on the screen
    feedbackShown = Signal(object)  # Shown
    actionFinished = Signal(str, object)  # action kind, ActOutcome

    def __init__(
        self,
        service: DeskService,
        player: SoundPlayer,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        register: FiscalRegister | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("handover")
        self.service = service
        self.player = player
        self._clock = clock
        self.register = register if register is not None else self._open_register()
        self.journal = FiscalJournal(service.settings.data_path / JOURNAL_FILE_NAME)
        self.flow: FiscalHandover | None = None
        self.working = False  # a register step is running
        self.session: HandoverSession | None = None
        self.last_shown: Shown | None = None
        self.busy = False
        self._refreshing: str | None = None
        self.tasks = OwnedTasks()  # cancelled by shutdown(): nothing draws on the screen once it is gone

        self.title = QLabel(self.tr("Hand-over"), self)
        self.title.setObjectName("handoverTitle")
        _big(self.title, 1.5)
        self.details = QLabel(self)
        self.details.setObjectName("handoverDetails")
        self.details.setWordWrap(True)
        self.waiting = QLabel(self)
        self.waiting.setObjectName("waitingOrders")
        self.waiting.setWordWrap(True)

        self.order_field = QLineEdit(self)
        self.order_field.setObjectName("handoverOrder")
        self.order_field.setPlaceholderText(
            self.tr("Order or Kuper number, phone's last 4 digits, or scan the bag (F3)")
        )
        self.order_field.returnPressed.connect(self._find_entered)
        self.order_field.installEventFilter(self)  # Del / Ins on an empty field are the screen's keys
        self.code = QLineEdit(self)
        self.code.setObjectName("pickupCode")
        self.code.setMaxLength(32)
        self.code.setPlaceholderText(self.tr("Pickup code"))
        self.code.setToolTip(self.tr("Code the customer tells, then Enter"))
        code_font = self.code.font()
        code_font.setPointSizeF(code_font.pointSizeF() * 1.6)
        code_font.setBold(True)
        self.code.setFont(code_font)
        self.code.returnPressed.connect(self._code_entered)
        self.code_state = QLabel(self)
        self.code_state.setObjectName("codeState")
        self.code_state.setWordWrap(True)

        self.feedback = QLabel(self)
        self.feedback.setObjectName("handoverFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setMinimumHeight(56)
        feedback_font = self.feedback.font()
        feedback_font.setPointSizeF(feedback_font.pointSizeF() * 1.3)
        self.feedback.setFont(feedback_font)

        self.lines = HandoverLinesModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("handoverLines")
        self.table.setModel(self.lines)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 110), (2, 120), (3, 130), (4, 150)):
            self.table.setColumnWidth(column, width)

        self.amount = QLabel(self)
        self.amount.setObjectName("amountDue")
        _big(self.amount, 1.6)
        self.payment = QLabel(self)
        self.payment.setObjectName("paymentState")
        self.payment.setWordWrap(True)
        _big(self.payment, 1.1)
        self.tendered = QLineEdit(self)
        self.tendered.setObjectName("cashTendered")
        self.tendered.setPlaceholderText("Внесено наличными, ₽")
        self.tendered.setToolTip("Сколько дал покупатель: касса покажет сдачу (F6)")
        self.tendered.setMaximumWidth(220)
        self.tendered.returnPressed.connect(lambda: self.take_payment("cash"))
        self.steps = QLabel(self)
        self.steps.setObjectName("handoverSteps")
        self.steps.setWordWrap(True)

        self.courier = CourierCard(self)
        self.timeline = DeliveryTimeline(self)
        self.delivery = QWidget(self)
        delivery_layout = QVBoxLayout(self.delivery)
        delivery_layout.setContentsMargins(0, 0, 0, 0)
        delivery_layout.addWidget(self.courier)
        delivery_layout.addWidget(self.timeline)
        self.delivery.hide()

        bar = QHBoxLayout()
        specs: tuple[tuple[str, str, Callable[[], object]], ...] = (
            ("F4", "F4 Проверить коды", self.check_codes),
            ("F6", self.tr("F6 Paid in cash"), lambda: self.take_payment("cash")),
            ("F7", self.tr("F7 Paid by card"), lambda: self.take_payment("card")),
            ("Del", self.tr("Del Pack declined"), self.decline_pack),
            ("Ins", self.tr("Ins Pack back"), self.restore_pack),
            ("F9", "F9 Чек и выдача", self.hand_over),
            ("F8", self.tr("F8 Refuses to pay"), self.refuse_to_pay),
            ("Esc", self.tr("Esc Queue"), self.backRequested.emit),
        )
        self.buttons: dict[str, KeyButton] = add_key_buttons(self, bar, specs, name_prefix="handover")
        key_shortcut(self, Qt.Key.Key_F3, lambda: self.order_field.setFocus(Qt.FocusReason.ShortcutFocusReason))

        inputs = QHBoxLayout()
        inputs.addWidget(self.order_field, 1)
        inputs.addWidget(self.code, 1)
        totals = QHBoxLayout()
        totals.addWidget(self.amount, 1)
        totals.addWidget(self.tendered)
        totals.addWidget(self.payment, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addLayout(inputs)
        layout.addWidget(self.code_state)
        layout.addWidget(self.feedback)
        layout.addWidget(self.delivery)
        layout.addWidget(self.table, 1)
        layout.addLayout(totals)
        layout.addWidget(self.waiting)
        layout.addWidget(self.steps)
        layout.addLayout(bar)
        self._show(Shown(Tone.OK, self.tr("Scan the bag label or type the order number.")), sound=None)
        self._update()

    def shutdown(self) -> None:
        """The window closes: the register steps and relay calls this screen started are cancelled, and
        whatever still resumes (a call another part of the app awaits) draws nothing."""
        self.tasks.close()

    @property
    def closed(self) -> bool:
        return self.tasks.closed

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """An empty order field does not take Del / Ins for itself: they decline / restore a pack."""
        if (
            watched is self.order_field
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Insert)
            and not self.order_field.text()
        ):
            event.ignore()
            return True  # not overridden: the window's Del / Ins shortcut runs
        return super().eventFilter(watched, event)

    # --- the order --------------------------------------------------------------------------------

    @property
    def number(self) -> str | None:
        return self.session.number if self.session is not None else None

    @property
    def order(self) -> Order | None:
        return self.session.order if self.session is not None else None

    def focus_input(self) -> None:
        """The field the cashier needs next: the code while it is not checked, else the order field."""
        session = self.session
        waits_for_code = (
            session is not None
            and session.is_pickup
            and session.order.state is OrderState.AWAITING_PICKUP
            and not session.verified
        )
        target = self.code if waits_for_code else self.order_field
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    async def open(self, number: str) -> bool:
        """Show order ``number`` (fetched now: the code's state and the payment must be current)."""
        try:
            order = await self.service.order_detail(number, refresh=True)
        except RelayError as exc:
            self._show(Shown(Tone.REFUSED, exc.message), sound=Sound.ERROR)
            return False
        if self.closed:
            return False
        self.service.acknowledge(number)
        self.session = HandoverSession(order)
        self.flow = self._flow_for(self.session)
        self.code.clear()
        self.tendered.clear()
        self.order_field.clear()
        self._show(self._greeting(), sound=None)
        self._update()
        if self.flow is not None and self.session.order.state is OrderState.AWAITING_PICKUP:
            resumed = await self._step(self.flow.resume())
            if resumed is not None:
                self._show_step(resumed)
        if self.lines.rowCount() > 0:
            self._select_row(0)
        if self.closed:
            return False
        self.focus_input()
        self.orderShown.emit(number)
        return True

    def _open_register(self) -> FiscalRegister | None:
        try:
            return open_register(self.service.settings.fiscal, store=self.service.settings.store, ask=self._ask_receipt)
        except ValueError:
            return None  # a setting that is not complete: the diagnostics say so; no receipt can be printed

    def _flow_for(self, session: HandoverSession) -> FiscalHandover | None:
        if not session.is_pickup:
            return None
        info = self.service.store_info
        required = info.rules.receipt_required if info is not None else True
        return FiscalHandover(
            session=session,
            register=self.register,
            journal=self.journal,
            act=self._flow_act,
            store=self.service.settings.store,
            required=required,
            operator=self.service.operator or self.service.settings.device_name or "Кассир",
            clock=self._clock,
        )

    async def _flow_act(self, number: str, action: Action) -> object:
        return await self._act(action, pinned=action.kind == "hand_over")

    async def _step(self, step: Any) -> Any:
        """Run a register step with the keys disabled."""
        self.working = True
        self._update()
        try:
            return await step
        finally:
            self.working = False
            self._update()

    def _show_step(self, result: StepResult) -> None:
        self._show(
            Shown(Tone.OK if result.ok else Tone.REFUSED, result.message), Sound.OK if result.ok else Sound.ERROR
        )

    async def _ask_receipt(self, request: ReceiptRequest) -> ManualEntry | None:
        """The manual register: every pack's code to scan at the store's register, then the receipt typed in."""
        from pharmacy_desk.ui.manual_receipt import ask_manual_receipt

        return await ask_manual_receipt(self, request)

    def clear(self) -> None:
        self.flow = None
        self.session = None
        self.code.clear()
        self._update()

    def _greeting(self) -> Shown:
        session = self.session
        assert session is not None
        if not session.is_pickup:
            storage = CourierHandoff(session.order).storage
            cold = f" {MARK} {LABEL_RU[storage]}: только в термосумке." if needs_cold_bag(storage) else ""
            return Shown(
                Tone.OK, self.tr("Delivery order: Kuper's courier takes the bag.") + cold + " F9 — отдать курьеру"
            )
        state = session.order.state
        if state is OrderState.AWAITING_PICKUP and not session.verified:
            return Shown(Tone.OK, self.tr("Ask the customer for the pickup code and type it."))
        if state is OrderState.AWAITING_PICKUP:
            return Shown(Tone.OK, self.tr("Code checked. Take the payment."))
        return Shown(
            Tone.PENDING, self.tr("The order is not waiting for the customer: %1").replace("%1", STATE_RU[state])
        )

    # --- finding the order ------------------------------------------------------------------------

    def resolve(self, text: str) -> str | None:
        """The one order ``text`` means: our number (or its last digits), Kuper's number, the last four
        digits of the customer's phone (:func:`~pharmacy_desk.desk.order_lookup.find_order`; never the code)."""
        return find_order(self.service.book, text).unique

    @async_slot()
    async def _find_entered(self) -> None:
        self.tasks.adopt()
        text = self.order_field.text()
        if not text.strip():
            return
        parsed = read_code(text)
        if isinstance(parsed, BagLabel):
            await self.open_label(parsed)
            return
        found = find_order(self.service.book, text)
        number = found.unique
        if number is None and found.numbers:
            listed = ", ".join(found.numbers[:6])
            self._show(
                Shown(Tone.REFUSED, self.tr("Several orders match: %1. Type more digits").replace("%1", listed)),
                Sound.ERROR,
            )
            return
        if number is None:
            self._show(
                Shown(Tone.REFUSED, self.tr("No order %1 in the queue").replace("%1", text.strip())), Sound.ERROR
            )
            return
        await self.open(number)

    async def open_label(self, label: BagLabel) -> bool:
        if label.store_key != self.service.settings.store:
            self._show(
                Shown(Tone.REFUSED, self.tr("This bag belongs to another store (%1)").replace("%1", label.store_key)),
                Sound.ERROR,
            )
            return False
        return await self.open(label.number)

    def handle_scan(self, code: ScannedCode) -> None:
        """A scan while this screen is shown: a bag label opens its order; anything else is not for here."""
        parsed = read_code(code)
        if isinstance(parsed, BagLabel):
            self.tasks.spawn(self.open_label(parsed))
        elif isinstance(parsed, ScanError):
            self._show(Shown(Tone.REFUSED, parsed.message), sound=Sound.ERROR)
        else:
            self._show(Shown(Tone.REFUSED, self.tr("Scan the bag label (its QR), not a pack")), sound=Sound.ERROR)

    # --- the code ---------------------------------------------------------------------------------

    @async_slot()
    async def _code_entered(self) -> None:
        self.tasks.adopt()
        await self.verify(self.code.text())

    async def verify(self, code: str) -> None:
        session = self.session
        if not code.strip():
            return
        if session is None:
            self.code.clear()
            self._show(Shown(Tone.REFUSED, self.tr("First scan the bag label or type the order number")), Sound.ERROR)
            return
        if not session.is_pickup:
            self.code.clear()
            self._show(Shown(Tone.REFUSED, self.tr("A delivery order has no pickup code")), Sound.ERROR)
            return
        outcome = await self._act(session.verify_action(code))
        if outcome is None or self.closed:
            return
        self.code.clear()
        if isinstance(outcome, Accepted):
            take = self.tr("Code is correct. Take the payment: %1").replace("%1", self._due()) + PAY_KEYS
            if self.flow is not None and self.flow.fiscal and self.flow.given_codes():
                self._show(Shown(Tone.PENDING, "Код верный. Касса проверяет коды упаковок…"), None)
                checked = await self._step(self.flow.check_codes())
                if self.closed:
                    return
                if checked.ok:
                    checked_text = f"Код верный, коды упаковок проверены. Примите оплату: {self._due()}{PAY_KEYS}"
                    self._show(Shown(Tone.OK, checked_text), None)
                else:
                    self._show_step(checked)
            else:
                self._show(Shown(Tone.OK, take), None)
        elif isinstance(outcome, Refused) and outcome.code == "code_wrong":
            left = str(outcome.tries_left if outcome.tries_left is not None else 0)
            self._show(
                Shown(Tone.REFUSED, self.tr("Wrong pickup code. Tries left: %1").replace("%1", left)), Sound.ERROR
            )
        elif isinstance(outcome, Refused) and outcome.code == "code_locked":
            self._show(Shown(Tone.REFUSED, self._locked_text()), Sound.ERROR)
        else:
            self._show(shown(outcome, ""), Sound.ERROR)
        self._update()
        self.focus_input()

    def _locked_text(self) -> str:
        until = self.session.locked_until(self._clock()) if self.session is not None else None
        if until is None:
            return self.tr("Too many wrong codes: checking the code is locked for a while")
        return self.tr("Too many wrong codes: checking the code is locked until %1").replace("%1", local_time(until))

    # --- packs and payment ------------------------------------------------------------------------

    def _selected_sku(self) -> str | None:
        index = self.table.currentIndex()
        value = index.data(SKU_ROLE) if index.isValid() else None
        return value if isinstance(value, str) else None

    def _select_row(self, row: int) -> None:
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(self.lines.index(row, 0), flags)

    def _can_change(self) -> bool:
        session = self.session
        return (
            session is not None
            and session.is_pickup
            and session.order.state is OrderState.AWAITING_PICKUP
            and not self.busy
            and not self.working
        )

    def decline_pack(self) -> None:
        sku = self._selected_sku()
        if not self._can_change() or sku is None or self.session is None:
            return
        if self.session.decline(sku):
            self._show(Shown(Tone.PENDING, self.tr("Pack taken out. New amount: %1").replace("%1", self._due())), None)
        self._update()

    def restore_pack(self) -> None:
        sku = self._selected_sku()
        if not self._can_change() or sku is None or self.session is None:
            return
        if self.session.restore(sku):
            self._show(Shown(Tone.PENDING, self.tr("Pack back in. New amount: %1").replace("%1", self._due())), None)
        self._update()

    @async_slot()
    async def check_codes(self) -> None:
        self.tasks.adopt()
        if self.flow is None or not self._can_change():
            return
        self._show_step(await self._step(self.flow.check_codes()))

    def take_payment(self, method: PaymentMethodName, *, switch: bool = False) -> None:
        """F6 / F7: only after the code (and the packs' codes) are checked, never during a lock-out."""
        session, flow = self.session, self.flow
        if self.working and session is not None:
            self._show(Shown(Tone.PENDING, "Касса ещё проверяет коды упаковок — подождите"), Sound.ERROR)
            return
        if not self._can_change() or session is None or session.paid_by_kuper or flow is None:
            return
        if Blocker.NOTHING_LEFT in session.blockers(self._clock()):
            self._show(Shown(Tone.REFUSED, self.tr("Every pack is declined: nothing to pay for")), Sound.ERROR)
            return
        tendered = None
        if method == "cash" and self.tendered.text().strip():
            try:
                tendered = to_money(self.tendered.text().strip().replace(",", ".").replace(" ", ""))
            except ValueError:
                self._show(Shown(Tone.REFUSED, "Внесённая сумма не похожа на деньги"), Sound.ERROR)
                return
        current = session.payment
        if current is not None and current.method != method and not switch:
            self.tasks.spawn(self._confirm_switch(method))
            return
        result = flow.pay(method, tendered, switch=switch)
        if not result.ok:
            self._show_step(result)
            return
        payment = session.payment
        assert payment is not None
        text = self.tr("Paid in cash: %1") if method == "cash" else self.tr("Paid by card: %1")
        message = text.replace("%1", rubles(payment.amount))
        if flow.change is not None:
            message += f". Сдача {rubles(flow.change)}"
        message += ". F9 — чек и выдача" if flow.fiscal else ". F9 — выдача"
        self._show(Shown(Tone.OK, message), Sound.OK)
        self._update()

    async def _confirm_switch(self, method: PaymentMethodName) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Сменить способ оплаты",
            "Оплата уже принята "
            + ("картой" if method == "cash" else "наличными")
            + ". Принять "
            + ("наличными" if method == "cash" else "картой")
            + "?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("switchPayment")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        answer = await run_dialog(box)
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Yes:
            self.take_payment(method, switch=True)

    def _due(self) -> str:
        return rubles(self.session.amount) if self.session is not None else ""

    # --- the actions ------------------------------------------------------------------------------

    @async_slot()
    async def hand_over(self) -> None:
        self.tasks.adopt()
        await self.do_hand_over()

    async def do_hand_over(self) -> None:
        session, flow = self.session, self.flow
        if session is None or self.busy or self.working:
            return
        if not session.is_pickup:
            await self.give_to_courier(session)
            return
        blockers = session.blockers(self._clock())
        if blockers:
            self._show(Shown(Tone.REFUSED, self._blocker_text(blockers[0])), Sound.ERROR)
            return
        if flow is not None and flow.fiscal and flow.receipt is None:
            printed = await self._step(flow.print_receipt())  # every pack's code, exactly once
            if not printed.ok:
                self._show_step(printed)
                return
        if flow is not None:
            result = await self._step(flow.hand_over())
            if result.ok:
                self._show(Shown(Tone.OK, self.tr("Order %1 handed over").replace("%1", session.number)), Sound.OK)
            else:
                self._show_step(result)
            self._update()
            return
        action = session.hand_over_action(self._clock())
        outcome = await self._act(action, pinned=True)  # against the amount on the screen
        if outcome is None:
            return
        if isinstance(outcome, Accepted):
            self._show(Shown(Tone.OK, self.tr("Order %1 handed over").replace("%1", session.number)), Sound.OK)
        else:
            self._show(shown(outcome, ""), Sound.ERROR)
        self._update()

    async def give_to_courier(self, session: HandoverSession) -> None:
        """F9 on a delivery order: the bag goes to the courier; a cold-chain order only in a cold bag
        (the decision is :class:`~pharmacy_desk.desk.courier_handoff.CourierHandoff`'s)."""
        handoff = CourierHandoff(session.order)
        if handoff.blocked is not None:
            self._show(Shown(Tone.REFUSED, handoff.blocked), Sound.ERROR)
            return
        answer: bool | None = None
        if handoff.question is not None:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Холодовая цепь",
                handoff.question,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            )
            box.setObjectName("coldBag")
            box.setDefaultButton(QMessageBox.StandardButton.No)
            answer = await run_dialog(box) == QMessageBox.StandardButton.Yes
            box.deleteLater()
            if self.session is not session:
                return
        try:
            action = handoff.decide(answer)
        except ColdBagRefused as refused:
            self._show(Shown(Tone.REFUSED, refused.message), Sound.ERROR)
            self.focus_input()
            return
        outcome = await self._act(action)
        if outcome is None:
            return
        if isinstance(outcome, Accepted):
            bag = " в термосумке" if action.cold_bag else ""
            self._show(Shown(Tone.OK, f"Заказ {session.number} передан курьеру{bag}"), Sound.OK)
        else:
            self._show(shown(outcome, ""), Sound.ERROR)
        self._update()

    @async_slot()
    async def refuse_to_pay(self) -> None:
        self.tasks.adopt()
        await self.do_refuse_to_pay()

    async def do_refuse_to_pay(self, *, confirm: bool = True) -> None:
        session = self.session
        if not self._can_change() or session is None:
            return
        if confirm:
            box = QMessageBox(
                QMessageBox.Icon.Question,
                self.tr("Customer refuses to pay"),
                self.tr("Cancel order %1 because the customer does not pay? The packs go back to stock.").replace(
                    "%1", session.number
                ),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            )
            box.setObjectName("refuseToPay")
            box.setDefaultButton(QMessageBox.StandardButton.No)
            answer = await run_dialog(box)
            box.deleteLater()
            if answer != QMessageBox.StandardButton.Yes or self.session is not session:
                return
        flow = self.flow
        if flow is not None and flow.receipt is not None:  # paid and printed: the return receipt first
            refunded = await self._step(flow.refund_and_cancel(description=session.refuse_to_pay_action().description))
            if refunded.ok:
                self._show(
                    Shown(Tone.PENDING, f"{refunded.message}. Верните деньги и уберите упаковки на полку"), Sound.ERROR
                )
            else:
                self._show_step(refunded)
            self._update()
            return
        outcome = await self._act(session.refuse_to_pay_action())
        if outcome is None:
            return
        if isinstance(outcome, Accepted):
            self._show(
                Shown(
                    Tone.PENDING,
                    self.tr("Order %1 canceled: not paid. Put the packs back.").replace("%1", session.number),
                ),
                Sound.ERROR,
            )
        else:
            self._show(shown(outcome, ""), Sound.ERROR)
        self._update()

    async def _act(self, action: Action, *, pinned: bool = False) -> ActOutcome | None:
        """Post ``action``; ``pinned``: against the version on the screen (else the newest the book knows)."""
        session = self.session
        if session is None or self.busy:
            return None
        number = session.number
        self.busy = True
        self._update()
        try:
            version = session.order.version if pinned else None
            outcome = await self.service.act(number, action, expected_version=version)
        finally:
            self.busy = False
        if self.closed:
            return None
        if self.session is session:
            if isinstance(outcome, Accepted | Stale):
                session.update(outcome.order)
            elif isinstance(outcome, Refused):
                await self._reload(session)
        self.actionFinished.emit(action.kind, outcome)
        self._update()
        return outcome

    async def _reload(self, session: HandoverSession) -> bool:
        try:
            order = await self.service.order_detail(session.number, refresh=True)
        except RelayError:
            return False
        session.update(order)
        return True

    # --- following the order ----------------------------------------------------------------------

    def on_book_changed(self, change: object) -> None:
        """A newer version of the order on the screen (Kuper's courier, a cancellation...): fetch it."""
        assert isinstance(change, BookChange)
        session = self.session
        if session is None or self._refreshing is not None:
            self._update_waiting()
            return
        for summary in (*change.added, *change.changed):
            if summary.number == session.number and summary.version > session.order.version:
                self._refreshing = session.number
                self.tasks.spawn(self._follow(session))
        self._update_waiting()

    async def _follow(self, session: HandoverSession) -> None:
        """Fetch until the screen has the book's newest version (changes that came while fetching too)."""
        try:
            while True:
                if not await self._reload(session) or self.closed or self.session is not session:
                    break
                newest = self.service.book.version(session.number)
                if newest is None or newest <= session.order.version:
                    break
        finally:
            self._refreshing = None
        if self.session is session:
            self._update()

    # --- drawing ----------------------------------------------------------------------------------

    def _blocker_text(self, blocker: Blocker) -> str:
        texts = {
            Blocker.NOT_PICKUP: self.tr("A delivery order is handed to Kuper's courier, not here"),
            Blocker.NOT_WAITING: self.tr("The order is not waiting for the customer"),
            Blocker.LOCKED: self._locked_text(),
            Blocker.CODE_NOT_VERIFIED: self.tr("First check the customer's pickup code"),
            Blocker.NOTHING_LEFT: self.tr("Every pack is declined: cancel the order instead (F8)"),
            Blocker.PAYMENT_MISSING: self.tr("No payment, no hand-over: take the payment first (F6 cash, F7 card)"),
        }
        return texts[blocker]

    def _say(self, tone: Tone, text: str, sound: Sound | None = None) -> None:
        self._show(Shown(tone, text), sound)

    def _show(self, message: Shown, sound: Sound | None) -> None:
        if self.closed:
            return
        self.last_shown = message
        self.feedback.setText(message.message)
        self.feedback.setStyleSheet(TONE_STYLE[message.tone])
        if sound is not None:
            self.player.play(sound)
        self.feedbackShown.emit(message)

    def _update(self) -> None:
        if self.closed:
            return
        session = self.session
        self._update_waiting()
        if session is None:
            self.details.setText(self.tr("No order on the screen"))
            self.lines.set_lines([])
            self.amount.clear()
            self.payment.clear()
            self.code_state.clear()
            self.delivery.hide()
            for button in self.buttons.values():
                button.setEnabled(button is self.buttons["Esc"])
            self.steps.clear()
            self.tendered.setEnabled(False)
            return
        order = session.order
        flow = self.tr("Pickup") if session.is_pickup else self.tr("Delivery")
        self.title.setText(f"{order.number} · {flow} · {STATE_RU[order.state]}")
        parts = []
        if order.original_order_id:
            parts.append(self.tr("Kuper: %1").replace("%1", order.original_order_id))
        if order.customer.name:
            parts.append(self.tr("Customer: %1").replace("%1", order.customer.name))
        parts.append(self.tr("Packs: %1").replace("%1", str(sum(line.given for line in session.lines()))))
        self.details.setText(" · ".join(parts))
        self.lines.set_lines(session.lines())
        self.amount.setText(self.tr("To pay: %1").replace("%1", self._due()))
        self.payment.setText(self._payment_text(session))
        self.code_state.setText(self._code_text(session))
        self.delivery.setVisible(not session.is_pickup)
        self.code.setVisible(session.is_pickup)
        if not session.is_pickup:
            self.courier.show_order(order)
            self.timeline.set_order(order)
        changeable = self._can_change()
        blockers = session.blockers(self._clock())
        fh = self.flow
        payable = changeable and not session.paid_by_kuper and session.verified
        if fh is not None:
            payable = payable and fh.receipt is None and (not fh.fiscal or fh.codes_checked)
            self.steps.setText("   ".join(f"{'✔' if ok else '○'} {STEP_RU[step]}" for step, ok in fh.steps()))
            if fh.fiscal and self.register is None:
                self.steps.setText(self.steps.text() + f"   — {MSG_NO_REGISTER}")
        else:
            self.steps.clear()
        self.buttons["F4"].setEnabled(
            changeable and fh is not None and fh.fiscal and session.verified and not fh.codes_checked
        )
        self.tendered.setEnabled(payable)
        self.buttons["F6"].setEnabled(payable)
        self.buttons["F7"].setEnabled(payable)
        self.buttons["F6"].setToolTip("" if payable else "Сначала проверьте код выдачи")
        self.buttons["F7"].setToolTip("" if payable else "Сначала проверьте код выдачи")
        self.buttons["Del"].setEnabled(changeable)
        self.buttons["Ins"].setEnabled(changeable and session.declined_packs > 0)
        self.buttons["F8"].setEnabled(changeable and not session.paid_by_kuper)
        if session.is_pickup:
            self.buttons["F9"].setEnabled(not blockers and not self.busy and not self.working)
            self.buttons["F9"].setToolTip(self._blocker_text(blockers[0]) if blockers else "")
        else:  # F9 gives the bag to the courier (a cold-chain one asks for the cold bag first)
            blocked = CourierHandoff(order).blocked
            self.buttons["F9"].setEnabled(blocked is None and not self.busy and not self.working)
            self.buttons["F9"].setToolTip(blocked or "Отдать пакет курьеру")
        self.buttons["Esc"].setEnabled(True)

    def _payment_text(self, session: HandoverSession) -> str:
        if not session.is_pickup:
            return self.tr("Paid to Kuper") if session.paid_by_kuper else ""
        order = session.order
        if order.state is OrderState.SHIPPED and order.payment is not None:
            method = self.tr("in cash") if order.payment.method == "cash" else self.tr("by card")
            if order.payment.method == "kuper":
                method = self.tr("to Kuper")
            return self.tr("Paid %1: %2").replace("%1", method).replace("%2", rubles(order.payment.amount))
        if session.paid_by_kuper:
            return self.tr("Paid to Kuper: nothing to take")
        if session.payment is not None:
            method = self.tr("in cash") if session.payment.method == "cash" else self.tr("by card")
            text = self.tr("Paid %1: %2").replace("%1", method).replace("%2", rubles(session.payment.amount))
            flow = self.flow
            if flow is not None and flow.change is not None:
                text += f" · сдача {rubles(flow.change)}"
            if flow is not None and flow.receipt is not None:
                text += f" · чек № {flow.receipt.number}"
            return text
        return self.tr("Not paid yet")

    def _code_text(self, session: HandoverSession) -> str:
        if not session.is_pickup or session.order.pickup is None:
            return ""
        if session.verified:
            return self.tr("✔ Pickup code checked")
        if session.locked_until(self._clock()) is not None:
            return self._locked_text()
        return self.tr("Pickup code not checked yet")

    def _update_waiting(self) -> None:
        if self.closed:
            return
        waiting = [s.number for s in self.service.book.orders() if s.state is OrderState.AWAITING_PICKUP]
        if not waiting:
            self.waiting.setText(self.tr("No order is waiting for its customer"))
            return
        shown_numbers = ", ".join(sorted(waiting)[:8]) + (" …" if len(waiting) > 8 else "")
        self.waiting.setText(
            self.tr("Waiting for the customer (%1): %2").replace("%1", str(len(waiting))).replace("%2", shown_numbers)
        )
