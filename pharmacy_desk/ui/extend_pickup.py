"""Заказ → «Продлить хранение до …»: the customer called, the pickup order is kept longer.

:class:`ExtendPickupDialog` asks for the new deadline (tomorrow by default, at most 7 days ahead);
:func:`extend_pickup` posts the ``extend_pickup`` action through the desk service and returns what to
say in the status bar. The relay's lifecycle checks the rules (later only, a week at most).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.desk.service import DeskService, Queued
from pharmacy_desk.domain.actions import ExtendPickup


class ExtendPickupDialog(QDialog):
    def __init__(self, number: str, parent: QWidget | None = None, *, now: dt.datetime | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("extendPickupDialog")
        self.setWindowTitle(self.tr("Extend pickup"))
        start = (now or dt.datetime.now().astimezone()).replace(second=0, microsecond=0)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Keep order %1 until:").replace("%1", number), self))
        self.until = QDateTimeEdit(_qt(start + dt.timedelta(days=1)), self)
        self.until.setCalendarPopup(True)
        self.until.setMinimumDateTime(_qt(start + dt.timedelta(minutes=1)))
        self.until.setMaximumDateTime(_qt(start + dt.timedelta(days=7)))
        self.until.setDisplayFormat("dd.MM.yyyy HH:mm")
        layout.addWidget(self.until)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> dt.datetime:
        """The deadline chosen, time-zone aware (UTC)."""
        return dt.datetime.fromtimestamp(self.until.dateTime().toSecsSinceEpoch(), tz=dt.UTC)


def _qt(value: dt.datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()))


async def extend_pickup(service: DeskService, number: str, until: dt.datetime) -> tuple[bool, str]:
    """Post ``extend_pickup``; (done, the message for the status bar, Russian)."""
    outcome = await service.act(number, ExtendPickup(until=until))
    if isinstance(outcome, Accepted):
        return True, f"Заказ {number}: хранение продлено до {until.astimezone():%d.%m %H:%M}"
    if isinstance(outcome, Queued):
        return False, outcome.message
    message = getattr(outcome, "message", "") or "Срок хранения не изменён"
    return False, str(message)
