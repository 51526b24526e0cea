"""The thin Qt adapter: every :class:`~pharmacy_desk.desk.service.DeskService` hook as a Qt signal.

The service runs on the qasync loop, which is the Qt main thread, so hooks emit directly. Payloads are
the service's own frozen types, passed as ``object``. Widgets connect to these signals only; they call
the service's async methods through ``qasync.asyncSlot``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

from pharmacy_desk.desk.hooks import Hook
from pharmacy_desk.desk.service import DeskService


class DeskBridge(QObject):
    bookChanged = Signal(object)  # BookChange
    alertRaised = Signal(object)  # AlertEvent
    ringingChanged = Signal(object)  # frozenset[str]
    connectionChanged = Signal(object)  # ConnectionStatus
    notificationChanged = Signal(object)  # NotificationStatus
    queueChanged = Signal(int)  # actions waiting
    queueConflict = Signal(object)  # QueueConflict
    pauseChanged = Signal(object)  # PauseInfo: the store paused / resumed Kuper orders

    def __init__(self, service: DeskService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._disconnects: list[Callable[[], None]] = []
        hooks: dict[str, Hook[Any]] = {
            "bookChanged": service.book_changed,
            "alertRaised": service.alerts,
            "ringingChanged": service.ringing_changed,
            "connectionChanged": service.connection_changed,
            "notificationChanged": service.notifications,
            "queueChanged": service.queue_changed,
            "queueConflict": service.queue_conflict,
            "pauseChanged": service.pause.changed,
        }
        for name, hook in hooks.items():
            signal: SignalInstance = getattr(self, name)
            self._disconnects.append(hook.connect(signal.emit))
        disconnects = self._disconnects  # not ``self``: the wrapper may be gone when ``destroyed`` fires

        def on_destroyed(*_: object) -> None:
            for disconnect in disconnects:
                disconnect()
            disconnects.clear()

        self.destroyed.connect(on_destroyed)

    def detach(self) -> None:
        """Stop relaying the hooks (also done when the bridge is destroyed)."""
        for disconnect in self._disconnects:
            disconnect()
        self._disconnects.clear()
