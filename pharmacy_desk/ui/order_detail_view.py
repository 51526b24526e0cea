"""An order in full: its composition, its courier, and everything that happened to it.

The history is the relay's (``GET /stores/{s}/orders/{number}``): Kuper's webhooks, every staff action
with the PC and the person who did it (refused ones too, with the refusal), and our notifications to
Kuper with their delivery state and, when Kuper refused one, Kuper's error text. A failed notification
can be sent again (Retry: ``POST /stores/{s}/outbox/{id}/retry``). The order can be canceled with one of
Kuper's reasons and a description. The dialog follows the order while it is open.

Keys: F5 reload, Ctrl+R retry the selected notification, Ctrl+P print the bag label, Esc close.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.order_book import BookChange
from pharmacy_desk.desk.qt_bridge import DeskBridge
from pharmacy_desk.desk.relay_client import Accepted, OrderDetail, RelayError
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.timeline import HistoryEntry, Source, history_entries
from pharmacy_desk.domain import Cancel, CancelReason, Flow, Order, OrderState, goods_left
from pharmacy_desk.domain.money import rubles
from pharmacy_desk.domain.states import CANCEL_REASON_RU, STATE_RU, TERMINAL_STATES
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.courier_card import CourierCard, DeliveryTimeline
from pharmacy_desk.ui.outcome import Tone, shown
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.receipt_picture import render_receipt
from pharmacy_desk.ui.tasks import spawn

Index = QModelIndex | QPersistentModelIndex
ENTRY_ROLE = int(Qt.ItemDataRole.UserRole) + 1
COL_TIME, COL_WHO, COL_EVENT, COL_STATE, COL_DETAIL = range(5)
_FAILED = ("#ffcdd2", "#8b0000")
_PENDING = ("#fff3cd", "#5c4400")

PrintLabel = Callable[[Order], Awaitable[object]]


def when(moment: dt.datetime, today: dt.date | None = None) -> str:
    local = moment.astimezone()
    if local.date() == (today or dt.date.today()):
        return f"{local:%H:%M:%S}"
    return f"{local:%d.%m %H:%M:%S}"


class HistoryModel(QAbstractTableModel):
    """The order's history, oldest first: one row per webhook, action or notification."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[HistoryEntry] = []
        self._headers = [self.tr("Time"), self.tr("Who"), self.tr("Event"), self.tr("State"), self.tr("Details")]
        self._events = {
            "order.created": self.tr("New order"),
            "order.updated": self.tr("Kuper changed the order"),
            "courier.assigned": self.tr("Courier assigned"),
            "courier.arrived": self.tr("Courier arrived"),
            "order.paid": self.tr("Paid to Kuper"),
            "order.received": self.tr("Courier took the bag"),
            "order.delivering": self.tr("On the way"),
            "order.delivered": self.tr("Delivered / handed over"),
            "order.canceled": self.tr("Canceled"),
            "order.accepted": self.tr("Accepted"),
            "order.in_work": self.tr("Assembly started"),
            "order.assembled": self.tr("Assembled"),
            "order.ready_for_delivery": self.tr("Ready, final composition"),
            "order.pickup_code_created": self.tr("Pickup code sent"),
            "accept": self.tr("Accept"),
            "start_assembly": self.tr("Start assembly"),
            "assembled": self.tr("Assembled"),
            "ready": self.tr("Ready"),
            "issue_pickup_code": self.tr("Issue pickup code"),
            "label_printed": self.tr("Bag label printed"),
            "verify_pickup_code": self.tr("Pickup code checked"),
            "hand_over": self.tr("Handed over"),
            "hand_to_courier": "Передан курьеру",
            "cancel": self.tr("Cancel"),
        }
        self._states = {
            "processed": self.tr("received"),
            "anomaly": self.tr("out of order"),
            "duplicate": self.tr("repeated"),
            "unknown_order": self.tr("before the order"),
            "invalid": self.tr("invalid"),
            "error": self.tr("error"),
            "accepted": self.tr("done"),
            "refused": self.tr("refused"),
            "stale": self.tr("order had changed"),
            "rejected": self.tr("rejected"),
            "pending": self.tr("waiting to be sent"),
            "retrying": self.tr("retrying"),
            "done": self.tr("delivered to Kuper"),
            "failed": self.tr("Kuper refused"),
        }

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def entry(self, row: int) -> HistoryEntry | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def event_text(self, entry: HistoryEntry) -> str:
        return self._events.get(entry.kind, entry.kind)

    def state_text(self, entry: HistoryEntry) -> str:
        text = self._states.get(entry.status, entry.status)
        if entry.source is Source.NOTIFICATION and entry.attempts > 1:
            text += " " + self.tr("(attempts: %1)").replace("%1", str(entry.attempts))
        return text

    def who_text(self, entry: HistoryEntry) -> str:
        if entry.source is Source.KUPER:
            return self.tr("Kuper")
        if entry.source is Source.NOTIFICATION:
            return self.tr("Pharmacy → Kuper")
        device = entry.device or "?"
        return f"{device} ({entry.operator})" if entry.operator else device

    def detail_text(self, entry: HistoryEntry) -> str:
        parts = []
        if entry.detail:
            parts.append(entry.detail)
        if entry.source is Source.NOTIFICATION and entry.status_code is not None and entry.status != "done":
            parts.append(self.tr("answer %1").replace("%1", str(entry.status_code)))
        return " · ".join(parts)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == COL_TIME:
                return when(entry.at)
            if column == COL_WHO:
                return self.who_text(entry)
            if column == COL_EVENT:
                return self.event_text(entry)
            if column == COL_STATE:
                return self.state_text(entry)
            return self.detail_text(entry)
        if role == ENTRY_ROLE:
            return entry
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            colors = _FAILED if entry.failed else _PENDING if entry.status in ("pending", "retrying") else None
            if colors is None:
                return None
            return QBrush(QColor(colors[0] if role == Qt.ItemDataRole.BackgroundRole else colors[1]))
        return None


class CancelDialog(QDialog):
    """Why the pharmacy cancels: one of Kuper's reasons (in Russian) and a description for Kuper."""

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cancelDialog")
        self.setWindowTitle(self.tr("Cancel order %1").replace("%1", number))
        self.reason = QComboBox(self)
        self.reason.setPlaceholderText(self.tr("Choose the reason"))
        for reason, text in CANCEL_REASON_RU.items():
            self.reason.addItem(text, reason.value)
        self.reason.setCurrentIndex(-1)  # no reason chosen for the pharmacist: Enter cannot send a false one
        self.description = QPlainTextEdit(self)
        self.description.setPlaceholderText(self.tr("What happened, for Kuper and the customer (optional)"))
        self.description.setMaximumHeight(100)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.reason.currentIndexChanged.connect(lambda index: self.ok.setEnabled(index >= 0))
        form = QFormLayout()
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Description"), self.description)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Kuper and the customer are told at once. This cannot be undone."), self))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choose(self, reason: CancelReason, description: str = "") -> None:
        self.reason.setCurrentIndex(self.reason.findData(reason.value))
        self.description.setPlainText(description)

    def action(self) -> Cancel | None:
        """The cancellation, or None while no reason is chosen."""
        data = self.reason.currentData()
        if self.reason.currentIndex() < 0 or data is None:
            return None
        return Cancel(reason=CancelReason(data), description=self.description.toPlainText()[:500])

    def accept(self) -> None:
        if self.action() is not None:  # Enter with no reason chosen does nothing
            super().accept()


class OrderDetailDialog(QDialog):
    loaded = Signal(object)  # OrderDetail, after each (re)load
    messageShown = Signal(str, bool)  # text, True for a problem

    def __init__(
        self,
        service: DeskService,
        bridge: DeskBridge,
        number: str,
        parent: QWidget | None = None,
        *,
        print_label: PrintLabel | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("orderDetail")
        self.service = service
        self.number = number
        self.print_label = print_label
        self.detail: OrderDetail | None = None
        self.setWindowTitle(self.tr("Order %1").replace("%1", number))
        self.fit_to(parent)
        self._loading = False
        self._again = False

        self.header = QLabel(self)
        self.header.setObjectName("detailHeader")
        font = self.header.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.header.setFont(font)
        self.summary = QLabel(self)
        self.summary.setObjectName("detailSummary")
        self.summary.setWordWrap(True)

        self.composition = QTableWidget(0, 5, self)
        self.composition.setObjectName("detailComposition")
        self.composition.setHorizontalHeaderLabels(
            [self.tr("Product"), self.tr("Ordered"), self.tr("Given"), self.tr("Sum"), self.tr("Note")]
        )
        self.composition.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.composition.verticalHeader().setVisible(False)
        self.composition.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 120), (2, 120), (3, 140), (4, 330)):
            self.composition.setColumnWidth(column, width)
        self.composition.setMaximumHeight(150)

        self.courier = CourierCard(self)
        self.timeline = DeliveryTimeline(self)

        self.history = HistoryModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("detailHistory")
        self.table.setModel(self.history)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in ((COL_TIME, 110), (COL_WHO, 230), (COL_EVENT, 260), (COL_STATE, 200)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._selected)

        self.entry_detail = QLabel(self)
        self.entry_detail.setObjectName("entryDetail")
        self.entry_detail.setWordWrap(True)
        self.entry_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel(self)
        self.message.setObjectName("detailMessage")
        self.message.setWordWrap(True)

        self.retry = QPushButton(self.tr("Retry sending (Ctrl+R)"), self)
        self.retry.setObjectName("retryNotification")
        self.retry.setEnabled(False)
        self.retry.clicked.connect(self.retry_selected)
        self.cancel = QPushButton(self.tr("Cancel order…"), self)
        self.cancel.setObjectName("cancelOrder")
        self.cancel.clicked.connect(self.cancel_order)
        self.print = QPushButton(self.tr("Print label (Ctrl+P)"), self)
        self.print.setObjectName("printLabel")
        self.print.setVisible(print_label is not None)
        self.print.clicked.connect(self._print)
        reload = QPushButton(self.tr("Reload (F5)"), self)
        reload.clicked.connect(self.reload)
        close = QPushButton(self.tr("Close (Esc)"), self)
        close.clicked.connect(self.reject)
        for button in (self.retry, self.cancel, self.print, reload, close):
            button.setAutoDefault(False)
        bar = QHBoxLayout()
        for button in (self.retry, self.cancel, self.print):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(reload)
        bar.addWidget(close)
        for key, slot in (("F5", self.reload), ("Ctrl+R", self.retry_selected), ("Ctrl+P", self._print)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.summary)
        layout.addWidget(self.composition)
        layout.addWidget(self.courier)
        layout.addWidget(self.timeline)
        self.receipts = QWidget(self)
        self.receipts.setObjectName("receipts")
        self.receipts_layout = QHBoxLayout(self.receipts)
        self.receipts_layout.setContentsMargins(0, 0, 0, 0)
        self.receipts_layout.addStretch(1)
        self.receipts.hide()
        self.receipt_pictures: list[QLabel] = []
        layout.addWidget(self.receipts)
        layout.addWidget(QLabel(self.tr("History: Kuper's events, the staff's actions, notifications to Kuper"), self))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.entry_detail)
        layout.addWidget(self.message)
        layout.addLayout(bar)

        self._bridge = bridge
        self._attached = True
        self._tasks: set[asyncio.Task[Any]] = set()
        bridge.bookChanged.connect(self._book_changed)
        bridge.notificationChanged.connect(self._notification_changed)
        self.finished.connect(self._detach)

    # --- loading ----------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return not self._attached

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """A task of this dialog: cancelled when it closes."""
        task = spawn(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def start_loading(self) -> None:
        """The first load, as a task of this dialog (cancelled if it closes first)."""
        self._spawn(self.load())

    def fit_to(self, parent: QWidget | None) -> None:
        """1100×760, or less: never larger than the window it opens over (a 1280×720 screen)."""
        width, height = 1100, 760
        if parent is not None:
            window = parent.window()
            width = min(width, max(640, window.width() - 40))
            height = min(height, max(480, window.height() - 40))
        self.resize(width, height)

    async def load(self) -> bool:
        """Fetch the order and its history now; False (and a message) when the relay did not answer."""
        if self.closed:
            return False
        if self._loading:
            self._again = True
            return False
        self._loading = True
        try:
            while True:
                self._again = False
                try:
                    detail = await self.service.order_record(self.number)
                except RelayError as exc:
                    self._say(exc.message, problem=True)
                    return False
                if self.closed:
                    return False
                if detail.order.number != self.number:  # never another order's products under this title
                    return False
                self._show(detail)
                if not self._again:
                    return True
        finally:
            self._loading = False

    @async_slot()
    async def reload(self) -> None:
        await self.load()

    def _book_changed(self, change: object) -> None:
        assert isinstance(change, BookChange)
        known = self.detail.order.version if self.detail is not None else 0
        if any(s.number == self.number and s.version > known for s in (*change.added, *change.changed)):
            self._spawn(self.load())

    def _notification_changed(self, status: object) -> None:
        """A notification's state changed (the stream does not name the order): reload this dialog's order,
        only while it is open — a dialog that is closing (the user switched to another order) fetches
        nothing more. During the first load it is fetched once more after it (that load may have read the
        order before the change); before any load, the first one will read it."""
        if self.closed or not self.isVisible():
            return
        if self.detail is None and not self._loading:
            return
        self._spawn(self.load())

    def _detach(self) -> None:
        """Closed: stop following the order, cancel what is still loading."""
        if self._attached:
            self._attached = False
            self._bridge.bookChanged.disconnect(self._book_changed)
            self._bridge.notificationChanged.disconnect(self._notification_changed)
        for task in list(self._tasks):
            task.cancel()

    # --- drawing ----------------------------------------------------------------------------------

    def _show(self, detail: OrderDetail) -> None:
        self.detail = detail
        order = detail.order
        flow = self.tr("Pickup") if order.flow is Flow.PICKUP else self.tr("Delivery")
        self.header.setText(f"{order.number} · {flow} · {STATE_RU[order.state]}")
        self.summary.setText(" · ".join(self._summary_parts(order)))
        self._show_composition(order)
        self._show_receipts(order)
        delivery = order.flow is not Flow.PICKUP
        self.courier.setVisible(delivery)
        self.timeline.setVisible(delivery)
        if delivery:
            self.courier.show_order(order)
            self.timeline.set_order(order)
        selected = self._selected_entry()
        self.history.set_entries(history_entries(detail.history))
        if selected is not None:
            self._select_like(selected)
        self._selected()
        closed = order.state in TERMINAL_STATES or goods_left(order)
        self.cancel.setEnabled(not closed)
        self.loaded.emit(detail)

    def _show_receipts(self, order: Order) -> None:
        """Each fiscal receipt of the order as a picture of the paper (sale, then the return if any)."""
        for label in self.receipt_pictures:
            self.receipts_layout.removeWidget(label)
            label.deleteLater()
        self.receipt_pictures = []
        for receipt in order.receipts:
            label = QLabel(self.receipts)
            label.setObjectName(f"receipt{receipt.number}")
            label.setPixmap(QPixmap.fromImage(render_receipt(receipt, order)))
            label.setToolTip(receipt.label)
            self.receipts_layout.insertWidget(len(self.receipt_pictures), label)
            self.receipt_pictures.append(label)
        self.receipts_layout.addStretch(1) if order.receipts and self.receipts_layout.count() == len(
            order.receipts
        ) else None
        self.receipts.setVisible(bool(order.receipts))

    def _summary_parts(self, order: Order) -> list[str]:
        parts = []
        if order.original_order_id:
            parts.append(self.tr("Kuper: %1").replace("%1", order.original_order_id))
        if order.customer.name:
            parts.append(self.tr("Customer: %1").replace("%1", order.customer.name))
        parts.append(self.tr("Amount: %1").replace("%1", rubles(order.totals.total_price)))
        if order.assembler is not None:
            parts.append(self.tr("Assembled by: %1").replace("%1", order.assembler.label))
        if order.payment is not None:
            methods = {"cash": self.tr("in cash"), "card": self.tr("by card"), "kuper": self.tr("to Kuper")}
            method = methods.get(order.payment.method, order.payment.method)
            parts.append(self.tr("Paid %1: %2").replace("%1", method).replace("%2", rubles(order.payment.amount)))
        if order.cancellation is not None:
            reason = CANCEL_REASON_RU.get(order.cancellation.reason) if order.cancellation.reason else None
            text = reason or order.cancellation.slug
            if order.cancellation.description:
                text += f" ({order.cancellation.description})"
            who = self.tr("by Kuper") if order.cancellation.by_kuper else self.tr("by the pharmacy")
            parts.append(self.tr("Canceled %1: %2").replace("%1", who).replace("%2", text))
        for anomaly in order.anomalies[-3:]:
            parts.append("⚠ " + anomaly.message)
        return parts

    def _show_composition(self, order: Order) -> None:
        lines = order.composition
        self.composition.setRowCount(len(lines))
        for row, line in enumerate(lines):
            note = line.change_reason or ""
            if line.replaces:
                note = self.tr("instead of %1").replace("%1", line.replaces) + (f" — {note}" if note else "")
            if line.marking_codes:
                marks = self.tr("marking codes: %1").replace("%1", str(len(line.marking_codes)))
                note = f"{note} · {marks}" if note else marks
            values = (line.name or line.sku, str(line.ordered_quantity), str(line.quantity), rubles(line.total), note)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column in (1, 2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.composition.setItem(row, column, item)

    def _selected_entry(self) -> HistoryEntry | None:
        index = self.table.currentIndex()
        value = index.data(ENTRY_ROLE) if index.isValid() else None
        return value if isinstance(value, HistoryEntry) else None

    def _select_like(self, entry: HistoryEntry) -> None:
        for row, candidate in enumerate(self.history.entries):
            if candidate.source is entry.source and candidate.id == entry.id:
                self.table.selectRow(row)
                return

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _selected(self, *args: object) -> None:
        entry = self._selected_entry()
        self.retry.setEnabled(entry is not None and entry.retryable)
        if entry is None:
            self.entry_detail.clear()
            return
        text = f"{self.history.event_text(entry)}: {self.history.state_text(entry)}"
        detail = self.history.detail_text(entry)
        if detail:
            text += "\n" + detail
        self.entry_detail.setText(text)

    def _say(self, text: str, *, problem: bool = False) -> None:
        if self.closed:
            return
        self.message.setText(text)
        self.message.setStyleSheet("background:#ffcdd2;color:#8b0000;padding:6px;" if problem else "")
        self.messageShown.emit(text, problem)

    # --- actions ----------------------------------------------------------------------------------

    @async_slot()
    async def retry_selected(self) -> None:
        await self.do_retry()

    async def do_retry(self) -> bool:
        entry = self._selected_entry()
        if entry is None or not entry.retryable or entry.outbox_id is None:
            return False
        try:
            await self.service.retry_notification(entry.outbox_id)
        except RelayError as exc:  # e.g. 409: it had been retried from another PC meanwhile
            self._say(exc.message, problem=True)
            return False
        self._say(self.tr("Sent again: %1").replace("%1", self.history.event_text(entry)))
        await self.load()
        return True

    @async_slot()
    async def cancel_order(self) -> None:
        if not await self._confirm_cancel_during_assembly():
            return
        dialog = CancelDialog(self.number, self)
        accepted = await run_dialog(dialog)
        action = dialog.action()
        dialog.deleteLater()
        if accepted == QDialog.DialogCode.Accepted.value and action is not None:
            await self.do_cancel(action)

    async def _confirm_cancel_during_assembly(self) -> bool:
        """An order being assembled (on another PC, or here): ask first; that PC is told at once."""
        summary = self.service.book.get(self.number)
        if summary is None or summary.state is not OrderState.COLLECTING or summary.assembler is None:
            return True
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("The order is being assembled"),
            self.tr(
                "%1 is assembling order %2 right now. Cancel it anyway? That PC is told at once "
                "and shown which packs to put back on the shelf."
            )
            .replace("%1", summary.assembler.label)
            .replace("%2", self.number),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("cancelDuringAssembly")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        answer = await run_dialog(box)
        box.deleteLater()
        return answer == QMessageBox.StandardButton.Yes

    async def do_cancel(self, action: Cancel) -> bool:
        outcome = await self.service.act(self.number, action)
        message = shown(outcome, self.tr("Order %1 canceled").replace("%1", self.number))
        self._say(message.message, problem=message.tone is Tone.REFUSED)
        await self.load()
        return isinstance(outcome, Accepted)

    @async_slot()
    async def _print(self) -> None:
        if self.print_label is not None and self.detail is not None:
            await self.print_label(self.detail.order)
