"""The status bar: the relay connection live, actions waiting in the offline queue, queue conflicts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from pharmacy_desk.desk.conflicts import explain
from pharmacy_desk.desk.offline_queue import QueueConflict
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus

_STATE_STYLE: dict[ConnectionState, str] = {
    ConnectionState.CONNECTED: "background:#d7f5dd;color:#0b4d1c;",
    ConnectionState.CONNECTING: "background:#ffe9b3;color:#6b4500;",
    ConnectionState.RECONNECTING: "background:#ffe9b3;color:#6b4500;",
    ConnectionState.OFFLINE: "background:#ffcdd2;color:#8b0000;font-weight:bold;",
    ConnectionState.AUTH_FAILED: "background:#ffcdd2;color:#8b0000;font-weight:bold;",
    ConnectionState.STOPPED: "background:#eeeeee;color:#333333;",
}


class StatusBar(QStatusBar):
    conflictClicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.connection = QLabel(self)
        self.connection.setObjectName("connection")
        self.connection.setMargin(4)
        self.queued = QLabel(self)
        self.queued.setObjectName("queued")
        self.queued.setMargin(4)
        self.queued.setStyleSheet("background:#ffe9b3;color:#6b4500;font-weight:bold;")
        self.queued.hide()
        self.conflict = QPushButton(self)
        self.conflict.setObjectName("conflict")
        self.conflict.setStyleSheet("background:#ffcdd2;color:#8b0000;font-weight:bold;")
        self.conflict.hide()
        self.conflict.clicked.connect(self._conflict_clicked)
        self._conflict: QueueConflict | None = None
        self.state: ConnectionState = ConnectionState.STOPPED
        self.queued_count = 0
        self.addWidget(self.connection, 1)
        self.addPermanentWidget(self.conflict)
        self.addPermanentWidget(self.queued)

    def set_connection(self, status: object) -> None:
        assert isinstance(status, ConnectionStatus)
        self.state = status.state
        text = status.message
        if status.state in (ConnectionState.RECONNECTING, ConnectionState.OFFLINE) and status.retry_in is not None:
            text += " " + self.tr("(next attempt in %1 s)").replace("%1", f"{status.retry_in:.0f}")
        elif status.state is ConnectionState.AUTH_FAILED:
            text += " " + self.tr("(Pharmacy → Connection settings…)")
        self.connection.setText(text)
        self.connection.setToolTip(status.detail or "")
        self.connection.setStyleSheet(_STATE_STYLE.get(status.state, ""))

    def set_queued(self, count: int) -> None:
        self.queued_count = count
        self.queued.setText(self.tr("Waiting to be sent: %1").replace("%1", str(count)))
        self.queued.setVisible(count > 0)

    def set_conflict(self, conflict: object) -> None:
        assert isinstance(conflict, QueueConflict) or conflict is None
        self._conflict = conflict
        if conflict is None:
            self.conflict.hide()
            return
        self.conflict.setText(self.tr("Not sent: order %1").replace("%1", conflict.number))
        self.conflict.setToolTip(explain(conflict))
        self.conflict.show()

    def _conflict_clicked(self) -> None:
        if self._conflict is not None:
            self.conflictClicked.emit(self._conflict)
