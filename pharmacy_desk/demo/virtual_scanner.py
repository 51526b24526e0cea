"""The demo's virtual scanner: a dock listing the packs of the order on the screen, "scanned" by keystrokes.

A scan here is what a keyboard-wedge scanner does: a burst of key presses (capitals with Shift, GS as
Ctrl+]) and Enter, sent to the focused widget. They go through the application's
:class:`~pharmacy_desk.ui.scanner_filter.ScannerFilter` exactly like a real scanner's, so the app cannot
tell the difference. The packs come from :func:`pharmacy_desk.demo.packs.sample_packs`: real-format
DataMatrix codes and EANs of the order's products, the bag label, and wrong ones (expired, not in the
order, garbage).

For a pickup order waiting for its customer, the dock also plays the customer at the counter: it types
the pickup code Kuper sent the customer (or a wrong one) into the code field, key by key like a person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.demo.catalogue import DemoCatalogue
from pharmacy_desk.demo.packs import PackKind, SamplePack, sample_packs
from pharmacy_desk.domain import Flow, Order, OrderState
from pharmacy_desk.domain.scans import GS
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.tasks import spawn

PACK_ROLE = int(Qt.ItemDataRole.UserRole) + 1
PERSON_GAP = 0.12  # seconds between a person's key presses (a scanner's are a few ms)

_NO_MODS = Qt.KeyboardModifier.NoModifier
_SHIFT = Qt.KeyboardModifier.ShiftModifier
_CTRL = Qt.KeyboardModifier.ControlModifier


def _send(target: QObject, kind: QEvent.Type, key: int, text: str, mods: Qt.KeyboardModifier) -> None:
    QCoreApplication.sendEvent(target, QKeyEvent(kind, key, mods, text))


def _key_of(char: str) -> int:
    if char.isascii() and char.isalnum():
        return ord(char.upper())
    return Qt.Key.Key_unknown.value


def press_char(target: QObject, char: str) -> None:
    """One character as a keyboard types it: Shift for capitals, Ctrl+] for GS."""
    if char == GS:
        _send(target, QEvent.Type.KeyPress, Qt.Key.Key_Control.value, "", _CTRL)
        _send(target, QEvent.Type.KeyPress, Qt.Key.Key_BracketRight.value, GS, _CTRL)
        _send(target, QEvent.Type.KeyRelease, Qt.Key.Key_BracketRight.value, GS, _CTRL)
        _send(target, QEvent.Type.KeyRelease, Qt.Key.Key_Control.value, "", _NO_MODS)
    elif char.isupper():
        _send(target, QEvent.Type.KeyPress, Qt.Key.Key_Shift.value, "", _SHIFT)
        _send(target, QEvent.Type.KeyPress, _key_of(char), char, _SHIFT)
        _send(target, QEvent.Type.KeyRelease, _key_of(char), char, _SHIFT)
        _send(target, QEvent.Type.KeyRelease, Qt.Key.Key_Shift.value, "", _NO_MODS)
    else:
        _send(target, QEvent.Type.KeyPress, _key_of(char), char, _NO_MODS)
        _send(target, QEvent.Type.KeyRelease, _key_of(char), char, _NO_MODS)


def press_enter(target: QObject) -> None:
    _send(target, QEvent.Type.KeyPress, Qt.Key.Key_Return.value, "\r", _NO_MODS)
    _send(target, QEvent.Type.KeyRelease, Qt.Key.Key_Return.value, "\r", _NO_MODS)


def scan_keys(target: QObject, text: str) -> None:
    """A wedge scanner's burst: every character at once, then Enter."""
    for char in text:
        press_char(target, char)
    press_enter(target)


async def type_keys(target: QObject, text: str, *, gap: float = PERSON_GAP, enter: bool = True) -> None:
    """A person typing: ``gap`` seconds between the keys."""
    for char in text:
        press_char(target, char)
        await asyncio.sleep(gap)
    if enter:
        press_enter(target)


def wrong_code(code: str) -> str:
    """A code of the same length that is not ``code`` (the last digit moved by one)."""
    if not code:
        return "0000"
    last = code[-1]
    changed = str((int(last) + 1) % 10) if last.isdigit() else "0"
    return code[:-1] + changed


class VirtualScanner(QDockWidget):
    scannedPack = Signal(object)  # the SamplePack just "scanned"
    orderListed = Signal(str)  # the order whose packs are listed

    def __init__(
        self,
        catalogue: DemoCatalogue,
        order_for: Callable[[str], Awaitable[Order]],
        parent: QWidget | None = None,
        *,
        customer_code: Callable[[Order], str | None] | None = None,
        code_field: Callable[[], QWidget | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("virtualScanner")
        self.setWindowTitle(self.tr("Virtual scanner (demo)"))
        self.catalogue = catalogue
        self._order_for = order_for
        self._customer_code = customer_code
        self._code_field = code_field
        self.order: Order | None = None
        self.packs: list[SamplePack] = []
        self._kinds = {
            PackKind.MARKED: self.tr("pack, DataMatrix"),
            PackKind.EAN: self.tr("pack, EAN-13"),
            PackKind.BAG_LABEL: self.tr("bag label QR"),
            PackKind.EXPIRED: self.tr("WRONG: expired pack"),
            PackKind.NOT_IN_ORDER: self.tr("WRONG: not in this order"),
            PackKind.GARBAGE: self.tr("WRONG: not a code"),
            PackKind.SUBSTITUTE: self.tr("substitute (F4 first)"),
        }

        body = QWidget(self)
        self.heading = QLabel(self.tr("Open an order: its packs appear here."), body)
        self.heading.setObjectName("scannerHeading")
        self.heading.setWordWrap(True)
        hint = QLabel(self.tr("Double-click a line to scan it: the app receives it like a real scanner's keystrokes."))
        hint.setWordWrap(True)
        self.list = QListWidget(body)
        self.list.setObjectName("scannerPacks")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the app's focus stays where the pharmacist works
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.list.itemDoubleClicked.connect(self._double_clicked)
        self.scan_button = QPushButton(self.tr("Scan the selected line"), body)
        self.scan_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scan_button.clicked.connect(self.scan_selected)

        self.customer = QLabel(body)
        self.customer.setObjectName("customerAtCounter")
        self.customer.setWordWrap(True)
        self.say_code = QPushButton(self.tr("Customer tells the code"), body)
        self.say_code.setObjectName("sayCode")
        self.say_wrong = QPushButton(self.tr("…a wrong code"), body)
        self.say_wrong.setObjectName("sayWrongCode")
        for button in (self.say_code, self.say_wrong):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.say_code.clicked.connect(lambda: spawn(self.say(wrong=False)))
        self.say_wrong.clicked.connect(lambda: spawn(self.say(wrong=True)))
        customer_buttons = QVBoxLayout()
        customer_buttons.addWidget(self.say_code)
        customer_buttons.addWidget(self.say_wrong)

        body.setMinimumWidth(240)  # a share of a 1366 px screen: the lines wrap
        layout = QVBoxLayout(body)
        layout.addWidget(self.heading)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.scan_button)
        layout.addWidget(self.customer)
        layout.addLayout(customer_buttons)
        self.setWidget(body)
        self._update_customer()

    def demo_title(self) -> str:
        return self.tr("demo")

    def demo_banner(self) -> str:
        return self.tr("Demo: a simulated Kuper sends orders and plays the courier; the virtual scanner scans packs.")

    # --- the order --------------------------------------------------------------------------------

    @async_slot(str)
    async def show_order(self, number: str) -> None:
        await self.list_order(number)

    async def list_order(self, number: str) -> bool:
        try:
            order = await self._order_for(number)
        except Exception:  # the relay is away: keep what is listed
            return False
        self.set_order(order)
        return True

    def set_order(self, order: Order) -> None:
        self.order = order
        self.packs = sample_packs(order, self.catalogue)
        flow = self.tr("pickup") if order.flow is Flow.PICKUP else self.tr("delivery")
        self.heading.setText(self.tr("Order %1 (%2)").replace("%1", order.number).replace("%2", flow))
        self.list.clear()
        for pack in self.packs:
            item = QListWidgetItem(self.item_text(pack), self.list)
            item.setData(PACK_ROLE, pack)
            item.setToolTip(pack.text.replace(GS, "␝"))
            if pack.wrong:
                item.setForeground(Qt.GlobalColor.darkRed)
        self._update_customer()
        self.orderListed.emit(order.number)

    def item_text(self, pack: SamplePack) -> str:
        kind = self._kinds[pack.kind]
        if pack.kind in (PackKind.MARKED, PackKind.EAN, PackKind.SUBSTITUTE):
            series = " · " + self.tr("series %1").replace("%1", pack.series) if pack.series else ""
            return f"{pack.name} — {kind} {pack.index}{series}"
        if pack.name:
            return f"{kind}: {pack.name}"
        return kind

    # --- scanning ---------------------------------------------------------------------------------

    def target(self) -> QObject | None:
        widget = QApplication.focusWidget()
        if widget is None:
            window = self.parentWidget()
            widget = window.focusWidget() if window is not None else None
            widget = widget or window
        return widget

    def scan(self, pack: SamplePack) -> bool:
        target = self.target()
        if target is None:
            return False
        scan_keys(target, pack.text)
        self.scannedPack.emit(pack)
        return True

    def scan_row(self, row: int) -> bool:
        item = self.list.item(row)
        pack = item.data(PACK_ROLE) if item is not None else None
        return isinstance(pack, SamplePack) and self.scan(pack)

    def scan_selected(self) -> None:
        self.scan_row(self.list.currentRow())

    def _double_clicked(self, item: QListWidgetItem) -> None:
        self.scan_row(self.list.row(item))

    def row_of(self, kind: PackKind, start: int = 0) -> int | None:
        return next((i for i, pack in enumerate(self.packs) if pack.kind is kind and i >= start), None)

    # --- the customer -----------------------------------------------------------------------------

    def code_now(self) -> str | None:
        order = self.order
        if order is None or order.flow is not Flow.PICKUP or self._customer_code is None:
            return None
        return self._customer_code(order)

    def _update_customer(self) -> None:
        order = self.order
        waiting = order is not None and order.flow is Flow.PICKUP and order.state is OrderState.AWAITING_PICKUP
        self.customer.setVisible(waiting)
        self.say_code.setVisible(waiting)
        self.say_wrong.setVisible(waiting)
        if waiting:
            self.customer.setText(self.tr("The customer is at the counter with the code from Kuper's app."))

    async def say(self, *, wrong: bool = False) -> bool:
        """The customer tells the code (Kuper's, as the fake Kuper got it) into the code field."""
        code = self.code_now()
        field = self._code_field() if self._code_field is not None else None
        if code is None:
            self.customer.setText(self.tr("Kuper has not sent the customer the code yet: try again in a moment."))
            return False
        if field is None:
            self.customer.setText(self.tr("Open the order on the hand-over screen first (scan its bag label)."))
            return False
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        await type_keys(field, wrong_code(code) if wrong else code)
        return True
