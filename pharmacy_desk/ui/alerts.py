"""What makes the pharmacist look up: the new-order bell, tray notifications, window flashing, banners.

- **Bell**: while the desk's bell (:class:`~pharmacy_desk.desk.ringing.NewOrderBell`) has ringing
  orders, the chime plays at once and again every ``new_order_repeat_seconds``; once an order has rung
  for ``escalate_after`` seconds unacknowledged, the loud chime replaces it. F2 (or the banner's
  button) acknowledges through the desk service; an order leaving "new" on any PC stops it everywhere.
- **Tray**: a notification per new order and per courier, when the platform has a tray (an offscreen
  or tray-less desktop has none: then only the window flashes).
- **Flash**: ``QApplication.alert`` on the main window (taskbar / dock attention).
- **Banners**: a strip above the screens; one per key, replaced when the same key comes again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.order_book import AlertEvent
from pharmacy_desk.desk.settings import SoundSettings
from pharmacy_desk.domain import AlertKind
from pharmacy_desk.ui.sounds import Sound, SoundPlayer

ESCALATE_AFTER_SECONDS = 180.0
MAX_LISTED = 6  # ringing orders named in the banner; the rest are counted


class BannerKind(StrEnum):
    INFO = "info"
    WARN = "warn"
    ALARM = "alarm"


_BANNER_STYLE = {
    BannerKind.INFO: "background:#e3f2fd;color:#0d3c61;border:2px solid #64b5f6;",
    BannerKind.WARN: "background:#fff3cd;color:#5c4400;border:2px solid #ffb300;",
    BannerKind.ALARM: "background:#ff9800;color:#000000;border:3px solid #e65100;font-weight:bold;",
}


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


class Banner(QFrame):
    actionClicked = Signal()
    dismissed = Signal()

    def __init__(self, text: str, kind: BannerKind, action: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.action_text = action
        self.setObjectName(f"banner-{kind.value}")
        self.setStyleSheet(f"QFrame#{self.objectName()} {{{_BANNER_STYLE[kind]}}}")
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(kind is not BannerKind.INFO)
        self.label.setFont(font)
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        self.action: QPushButton | None = None
        if action is not None:
            self.action = QPushButton(action, self)
            self.action.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.action.clicked.connect(self.actionClicked)
            layout.addWidget(self.action)
        close = QPushButton("✕", self)
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.setFixedWidth(40)
        close.setToolTip(self.tr("Dismiss"))
        close.clicked.connect(self.dismissed)
        layout.addWidget(close)

    @property
    def text(self) -> str:
        return self.label.text()

    def set_text(self, text: str) -> None:
        if text != self.label.text():
            self.label.setText(text)


class BannerArea(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._banners: dict[str, Banner] = {}

    def show_banner(
        self,
        key: str,
        text: str,
        kind: BannerKind = BannerKind.INFO,
        *,
        action: str | None = None,
        on_action: Callable[[], object] | None = None,
    ) -> Banner:
        current = self._banners.get(key)
        if current is not None and current.kind is kind and current.action_text == action:
            current.set_text(text)  # the same banner again: only its text changes
            return current
        self.remove(key)
        banner = Banner(text, kind, action, self)
        banner.dismissed.connect(lambda: self.remove(key))
        if on_action is not None:
            banner.actionClicked.connect(on_action)
        self._banners[key] = banner
        self._layout.addWidget(banner)
        return banner

    def remove(self, key: str) -> None:
        banner = self._banners.pop(key, None)
        if banner is not None:
            banner.hide()
            banner.deleteLater()

    def get(self, key: str) -> Banner | None:
        return self._banners.get(key)

    def keys(self) -> list[str]:
        return list(self._banners)


class Alerts(QObject):
    """Connect ``on_ringing`` to the bridge's ``ringingChanged`` and ``on_alert`` to ``alertRaised``."""

    openOrder = Signal(str)
    acknowledgeRequested = Signal()

    RING_KEY = "ringing"

    def __init__(
        self,
        window: QWidget,
        banners: BannerArea,
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
        self.banners.show_banner(
            self.RING_KEY,
            self.tr("New orders: %1. Press F2 when you have seen them.").replace("%1", listed),
            BannerKind.ALARM,
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
            self.banners.show_banner(
                f"courier:{number}",
                self.tr("The courier has arrived for order %1").replace("%1", number),
                BannerKind.ALARM,
                action=self.tr("Open"),
                on_action=lambda: self.openOrder.emit(number),
            )
            if self.settings.courier_arrived:
                self.player.play(Sound.COURIER)
            self._notify(self.tr("Courier arrived"), number)
            QApplication.alert(self.window, 0)
        elif alert.kind in (AlertKind.ANOMALY, AlertKind.CANCELED_AFTER_HANDOVER) or alert.kind is None:
            key = f"alert:{alert.event_id}" if alert.event_id is not None else f"alert:{alert.message}"
            text = f"{number}: {alert.message}" if number else alert.message
            self.banners.show_banner(key, text, BannerKind.WARN)

    def courier_banner_done(self, number: str) -> None:
        self.banners.remove(f"courier:{number}")

    def _notify(self, title: str, text: str) -> None:
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)

    def close(self) -> None:
        self._timer.stop()
        if self.tray is not None:
            self.tray.hide()
