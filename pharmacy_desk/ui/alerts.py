"""What makes the pharmacist look up: the new-order bell, tray notifications, window flashing, banners.

- **Bell**: while the desk's bell (:class:`~pharmacy_desk.desk.ringing.NewOrderBell`) has ringing
  orders, the chime plays at once and again every ``new_order_repeat_seconds``; once an order has rung
  for ``escalate_after`` seconds unacknowledged, the loud chime replaces it. F2 (or the banner's
  button) acknowledges through the desk service; an order leaving "new" on any PC stops it everywhere.
- **Tray**: a notification per new order and per courier, when the platform has a tray (an offscreen
  or tray-less desktop has none: then only the window flashes).
- **Flash**: ``QApplication.alert`` on the main window (taskbar / dock attention).
- **Alert area** (:class:`AlertArea`): one line of fixed height above the screens, so nothing under it
  moves. It shows the most urgent group of :class:`~pharmacy_desk.desk.alert_book.AlertBook` (its
  alerts merged in one line, the group's action button), and «Все оповещения (N)» opens the list of
  every alert (Enter opens its order, Del removes it). An alert of an order goes by itself when its
  cause is gone (:meth:`AlertArea.follow`, fed by the book's changes).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QKeyEvent, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.alert_book import AlertBook, AlertGroup, AlertItem
from pharmacy_desk.desk.order_book import AlertEvent, BookChange, NotificationStatus
from pharmacy_desk.desk.settings import SoundSettings
from pharmacy_desk.domain import AlertKind
from pharmacy_desk.ui.sounds import Sound, SoundPlayer

ESCALATE_AFTER_SECONDS = 180.0
STOCK_ALERT_KIND = "stock"  # the relay's alerts about an order's stock (relay.stock_orders.ALERT_KIND)
MAX_LISTED = 6  # ringing orders named in the banner; the rest are counted


class BannerKind(StrEnum):
    INFO = "info"
    WARN = "warn"
    ALARM = "alarm"


_ALARM = "background:#ff9800;color:#000000;border:3px solid #e65100;font-weight:bold;"
_WARN = "background:#fff3cd;color:#5c4400;border:2px solid #ffb300;font-weight:bold;"
_INFO = "background:#e3f2fd;color:#0d3c61;border:2px solid #64b5f6;"
_CALM = "background:#f2f2f2;color:#666666;border:1px solid #dddddd;"
GROUP_STYLE: dict[AlertGroup, str] = {
    AlertGroup.COURIER: _ALARM,
    AlertGroup.NEW_ORDERS: _ALARM,
    AlertGroup.CANCELED: _WARN,
    AlertGroup.CONFLICT: _WARN,
    AlertGroup.STOCK: _WARN,
    AlertGroup.KUPER_REFUSED: _WARN,
    AlertGroup.REGISTER: _WARN,
    AlertGroup.OTHER: _WARN,
    AlertGroup.INFO: _INFO,
}
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1


def app_icon() -> QIcon:
    """A green pharmacy cross, drawn (no image file to lose)."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#2e7d32"))
    painter.drawRect(22, 4, 20, 56)
    painter.drawRect(4, 22, 56, 20)
    painter.end()
    return QIcon(pixmap)


@dataclass(frozen=True, slots=True)
class AlertAction:
    text: str
    run: Callable[[], object]


class AlertList(QFrame):
    """The popup list of every alert: Enter opens the order (or runs the alert's action), Del removes it."""

    activated = Signal(str)  # key
    removeRequested = Signal(str)  # key

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("alertList")
        self.setFrameShape(QFrame.Shape.Box)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setObjectName("alertListItems")
        self.list.itemActivated.connect(self._activated)
        self.list.installEventFilter(self)
        hint = QLabel(self.tr("Enter — open the order · Del — remove the alert · Esc — close"), self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addWidget(hint)

    def fill(self, items: list[tuple[str, str]]) -> None:
        self.list.clear()
        for key, text in items:
            item = QListWidgetItem(text)
            item.setData(ROW_ROLE, key)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def keys(self) -> list[str]:
        return [str(self.list.item(i).data(ROW_ROLE)) for i in range(self.list.count())]

    def _activated(self, item: QListWidgetItem) -> None:
        self.activated.emit(str(item.data(ROW_ROLE)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            item = self.list.currentItem()
            if event.key() == Qt.Key.Key_Delete and item is not None:
                self.removeRequested.emit(str(item.data(ROW_ROLE)))
                return True
        return False


class AlertArea(QFrame):
    """One line of fixed height: the most urgent group of alerts, merged; the list of all on click."""

    openOrder = Signal(str)
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, book: AlertBook | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertArea")
        self.book = book or AlertBook()
        self._actions: dict[str, AlertAction] = {}
        self._titles = {
            AlertGroup.COURIER: self.tr("Couriers are waiting"),
            AlertGroup.NEW_ORDERS: self.tr("New orders"),
            AlertGroup.CANCELED: self.tr("Canceled during assembly"),
            AlertGroup.CONFLICT: self.tr("Actions not accepted"),
            AlertGroup.STOCK: self.tr("Stock problems"),
            AlertGroup.KUPER_REFUSED: self.tr("Kuper did not accept"),
            AlertGroup.REGISTER: self.tr("Cash register"),
            AlertGroup.OTHER: self.tr("Attention"),
            AlertGroup.INFO: self.tr("Information"),
        }
        self.label = QLabel(self)
        self.label.setObjectName("alertText")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = QFont(self.label.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.label.setFont(font)
        self.action = QPushButton(self)
        self.action.setObjectName("alertAction")
        self.action.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.action.clicked.connect(self._run_top_action)
        self.all = QPushButton(self)
        self.all.setObjectName("alertAll")
        self.all.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.all.clicked.connect(self.show_list)
        self.close_button = QPushButton("✕", self)
        self.close_button.setObjectName("alertDismiss")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.setToolTip(self.tr("Remove these alerts"))
        self.close_button.clicked.connect(self.dismiss_top)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.all)
        layout.addWidget(self.close_button)
        self.popup = AlertList(self)
        self.popup.activated.connect(self._list_activated)
        self.popup.removeRequested.connect(self._list_remove)
        metrics = QFontMetrics(font)
        self.setFixedHeight(max(metrics.height() + 22, self.action.sizeHint().height() + 12))
        self._top: AlertGroup | None = None
        self._redraw()

    # --- the alerts -------------------------------------------------------------------------------

    def put(
        self,
        key: str,
        group: AlertGroup,
        text: str,
        *,
        number: str | None = None,
        action: str | None = None,
        on_action: Callable[[], object] | None = None,
    ) -> AlertItem:
        """Add or replace the alert ``key``; ``action``/``on_action``: its button («Открыть», «Увидел (F2)»)."""
        if action is not None and on_action is not None:
            self._actions[key] = AlertAction(action, on_action)
        else:
            self._actions.pop(key, None)
        if self.book.put(key, group, text, number=number):
            self._redraw()
        item = self.book.get(key)
        assert item is not None
        return item

    def show_banner(
        self,
        key: str,
        text: str,
        kind: BannerKind = BannerKind.INFO,
        *,
        action: str | None = None,
        on_action: Callable[[], object] | None = None,
    ) -> AlertItem:
        """The banner-era call: an information (``INFO``) or "attention" alert; keys ``register…`` are the
        cash register's group."""
        if key.startswith("register"):
            group = AlertGroup.REGISTER
        else:
            group = AlertGroup.INFO if kind is BannerKind.INFO else AlertGroup.OTHER
        return self.put(key, group, text, action=action, on_action=on_action)

    def remove(self, key: str) -> None:
        self._actions.pop(key, None)
        if self.book.remove(key):
            self._redraw()

    def get(self, key: str) -> AlertItem | None:
        return self.book.get(key)

    def keys(self) -> list[str]:
        return [item.key for item in self.book.items()]

    def action_of(self, key: str) -> AlertAction | None:
        return self._actions.get(key)

    def trigger(self, key: str) -> bool:
        """Run alert ``key``'s action (its button), or open its order; False when it has neither."""
        item = self.book.get(key)
        if item is None:
            return False
        action = self._actions.get(key)
        if action is not None:
            action.run()
            return True
        if item.number is not None:
            self.openOrder.emit(item.number)
            return True
        return False

    def follow(self, change: object) -> None:
        """The book changed: alerts whose cause is gone go (connect to the bridge's ``bookChanged``)."""
        assert isinstance(change, BookChange)
        gone = self.book.follow((*change.added, *change.changed))
        gone += self.book.forget_orders(change.removed)
        for key in gone:
            self._actions.pop(key, None)
        if gone:
            self._redraw()

    # --- drawing ----------------------------------------------------------------------------------

    @property
    def top_group(self) -> AlertGroup | None:
        return self._top

    def top_text(self) -> str:
        """The whole line for the most urgent group (the label shows it elided)."""
        groups = self.book.groups()
        if not groups:
            return ""
        group, items = groups[0]
        if len(items) == 1:
            return items[0].text
        return f"{self._titles[group]} ({len(items)}): " + " · ".join(item.text for item in items)

    def _redraw(self) -> None:
        groups = self.book.groups()
        self._top = groups[0][0] if groups else None
        total = len(self.book)
        if self._top is None:
            self.setStyleSheet(f"QFrame#alertArea {{{_CALM}}}")
            self.label.setText(self.tr("No alerts"))
            self.label.setToolTip("")
            self.action.hide()
            self.close_button.hide()
        else:
            self.setStyleSheet(f"QFrame#alertArea {{{GROUP_STYLE[self._top]}}}")
            text = self.top_text()
            self._set_elided(text)
            self.label.setToolTip(text)
            action = self._top_action()
            self.action.setVisible(action is not None)
            if action is not None:
                self.action.setText(action.text)
            self.close_button.setVisible(self._top is not AlertGroup.NEW_ORDERS)
        self.all.setText(self.tr("All alerts: %1 ▾").replace("%1", str(total)))
        self.all.setVisible(total > 0)
        if self.popup.isVisible():
            self._fill_popup()
        self.changed.emit()

    def _set_elided(self, text: str) -> None:
        room = max(40, self.label.width())
        line = " ".join(text.split())
        self.label.setText(QFontMetrics(self.label.font()).elidedText(line, Qt.TextElideMode.ElideRight, room))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._top is not None:
            self._set_elided(self.top_text())

    def _top_action(self) -> AlertAction | None:
        groups = self.book.groups()
        if not groups:
            return None
        for item in groups[0][1]:
            action = self._actions.get(item.key)
            if action is not None:
                return action
        return None

    def _run_top_action(self) -> None:
        action = self._top_action()
        if action is not None:
            action.run()

    def dismiss_top(self) -> None:
        groups = self.book.groups()
        if not groups or groups[0][0] is AlertGroup.NEW_ORDERS:
            return
        for item in groups[0][1]:
            self.remove(item.key)

    # --- the list ---------------------------------------------------------------------------------

    def _fill_popup(self) -> None:
        self.popup.fill([(item.key, f"{self._titles[item.group]}: {item.text}") for item in self.book.items()])

    def show_list(self) -> None:
        if not len(self.book):
            return
        self._fill_popup()
        width = max(420, min(self.width(), 900))
        self.popup.resize(width, min(420, 60 + 48 * len(self.book)))
        self.popup.move(self.mapToGlobal(QPoint(self.width() - width, self.height())))
        self.popup.show()
        self.popup.list.setFocus(Qt.FocusReason.PopupFocusReason)

    def _list_activated(self, key: str) -> None:
        self.popup.hide()
        self.trigger(key)

    def _list_remove(self, key: str) -> None:
        item = self.book.get(key)
        if item is not None and item.group is not AlertGroup.NEW_ORDERS:
            self.remove(key)
        if not len(self.book):
            self.popup.hide()


class Alerts(QObject):
    """Connect ``on_ringing`` to the bridge's ``ringingChanged`` and ``on_alert`` to ``alertRaised``."""

    openOrder = Signal(str)
    acknowledgeRequested = Signal()

    RING_KEY = "ringing"

    def __init__(
        self,
        window: QWidget,
        banners: AlertArea,
        player: SoundPlayer,
        settings: SoundSettings,
        *,
        escalate_after: float = ESCALATE_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        use_tray: bool = True,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.banners = banners
        self.player = player
        self.settings = settings
        self.escalate_after = escalate_after
        self._clock = clock
        self._since: dict[str, float] = {}  # ringing number → when it started
        self.rings: deque[Sound] = deque(maxlen=100)  # what the bell played last (for the log and tests)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._ring_again)
        self.tray: QSystemTrayIcon | None = None
        if use_tray and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip(self.tr("Pharmacy desk"))
            self.tray.show()

    @property
    def ringing(self) -> list[str]:
        return list(self._since)

    # --- the bell ---------------------------------------------------------------------------------

    def on_ringing(self, numbers: object) -> None:
        ringing = frozenset(numbers) if isinstance(numbers, frozenset | set | list | tuple) else frozenset()
        now = self._clock()
        fresh = sorted(ringing - self._since.keys())
        self._since = {n: self._since.get(n, now) for n in sorted(ringing)}
        if not self._since:
            self._timer.stop()
            self.banners.remove(self.RING_KEY)
            return
        numbers = list(self._since)
        listed = ", ".join(numbers[:MAX_LISTED])
        if len(numbers) > MAX_LISTED:
            listed += " " + self.tr("and %1 more").replace("%1", str(len(numbers) - MAX_LISTED))
        self.banners.put(
            self.RING_KEY,
            AlertGroup.NEW_ORDERS,
            self.tr("New orders: %1. Press F2 when you have seen them.").replace("%1", listed),
            action=self.tr("Seen (F2)"),
            on_action=self.acknowledgeRequested.emit,
        )
        if fresh:
            self._ring()
            self._notify(self.tr("New order"), ", ".join(fresh))
            self._timer.start(round(self.settings.new_order_repeat_seconds * 1000))

    def _ring(self) -> None:
        now = self._clock()
        loud = any(now - since >= self.escalate_after for since in self._since.values())
        sound = Sound.NEW_ORDER_LOUD if loud else Sound.NEW_ORDER
        self.rings.append(sound)
        self.player.play(sound)
        QApplication.alert(self.window, 0)

    def _ring_again(self) -> None:
        if self._since:
            self._ring()
        else:
            self._timer.stop()

    # --- other alerts -----------------------------------------------------------------------------

    def on_alert(self, alert: object) -> None:
        assert isinstance(alert, AlertEvent)
        number = alert.number
        if alert.kind is AlertKind.COURIER_ARRIVED and number is not None:
            self.banners.put(
                f"courier:{number}",
                AlertGroup.COURIER,
                self.tr("The courier has arrived for order %1").replace("%1", number),
                number=number,
                action=self.tr("Open"),
                on_action=lambda: self.openOrder.emit(number),
            )
            if self.settings.courier_arrived:
                self.player.play(Sound.COURIER)
            self._notify(self.tr("Courier arrived"), number)
            QApplication.alert(self.window, 0)
        elif alert.kind in (AlertKind.ANOMALY, AlertKind.CANCELED_AFTER_HANDOVER) or alert.kind is None:
            # one alert per order and kind: the newest message replaces the one before
            group = AlertGroup.STOCK if alert.raw_kind == STOCK_ALERT_KIND else AlertGroup.OTHER
            if number is not None:
                key = f"{group.value}:{number}"
            else:
                key = f"alert:{alert.event_id}" if alert.event_id is not None else f"alert:{alert.message}"
            text = f"{number}: {alert.message}" if number and number not in alert.message else alert.message
            self.banners.put(key, group, text, number=number)

    def on_notification(self, status: object) -> None:
        """A notification to Kuper failed for good (an alert), or went through after all (the alert goes)."""
        assert isinstance(status, NotificationStatus)
        key = f"kuper:{status.outbox_id}"
        if status.status == "failed":
            text = self.tr("Kuper did not accept «%1»: %2").replace("%1", status.event_type)
            self.banners.put(key, AlertGroup.KUPER_REFUSED, text.replace("%2", status.last_error or "—"))
        elif status.status == "sent":
            self.banners.remove(key)

    def courier_banner_done(self, number: str) -> None:
        self.banners.remove(f"courier:{number}")

    def _notify(self, title: str, text: str) -> None:
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)

    def close(self) -> None:
        self._timer.stop()
        if self.tray is not None:
            self.tray.hide()
