"""Аптека → «Приостановить приём заказов»: the pause key, and the pause shown in the status bar.

:class:`PauseControls` adds to a menu (the «Аптека» menu, created here unless another part of the app
already made one and passes it): «Приостановить приём заказов» with 15 / 30 / 60 minutes and «до
возобновления», and «Возобновить приём заказов». The actions call
:meth:`~pharmacy_desk.desk.service.DeskService.pause_orders` / ``resume_orders``; the state comes back
from the store's stream (any PC's pause shows on every PC) through the bridge's ``pauseChanged``, and
:class:`PauseIndicator` (a permanent status-bar label) shows it. A refusal (Kuper's, or Kuper away)
is shown in the status bar as the relay worded it.
"""

from __future__ import annotations

from collections.abc import Awaitable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QWidget

from pharmacy_desk.api.feed import PAUSE_MINUTES
from pharmacy_desk.desk.relay_client import RelayError
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.store_pause import PauseInfo
from pharmacy_desk.ui.tasks import spawn

_PAUSED_STYLE = "background:#ffcdd2;color:#8b0000;font-weight:bold;"


class PauseIndicator(QLabel):
    """«Приём заказов приостановлен до 14:30» while the store is paused; hidden otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pauseIndicator")
        self.setMargin(4)
        self.setStyleSheet(_PAUSED_STYLE)
        self.hide()

    def show_pause(self, info: object) -> None:
        assert isinstance(info, PauseInfo)
        if not info.paused:
            self.hide()
            self.setText("")
            return
        if info.until is None:
            text = self.tr("Kuper orders paused until resumed")
        else:
            text = self.tr("Kuper orders paused until %1").replace("%1", f"{info.until.astimezone():%H:%M}")
        self.setText(text)
        who = info.by or ""
        if info.operator:
            who += f" ({info.operator})"
        self.setToolTip(self.tr("Paused by %1").replace("%1", who) if who else "")
        self.show()


class PauseControls(QObject):
    """The pause actions in ``menu`` (or a new «Аптека» menu of ``window``)."""

    refused = Signal(str)  # a Russian message: the pause / resume did not happen

    def __init__(self, window: QMainWindow, service: DeskService, menu: QMenu | None = None) -> None:
        super().__init__(window)
        self.service = service
        self.menu = menu if menu is not None else window.menuBar().addMenu(self.tr("&Pharmacy"))
        self.pause_menu = self.menu.addMenu(self.tr("Pause Kuper orders"))
        self.pause_menu.setObjectName("pauseOrders")
        self.pause_actions: dict[int | None, QAction] = {}
        for minutes in PAUSE_MINUTES:
            action = self.pause_menu.addAction(self.tr("For %1 minutes").replace("%1", str(minutes)))
            action.triggered.connect(lambda *_, m=minutes: self.pause(m))
            self.pause_actions[minutes] = action
        forever = self.pause_menu.addAction(self.tr("Until resumed"))
        forever.triggered.connect(lambda *_: self.pause(None))
        self.pause_actions[None] = forever
        self.resume_action = self.menu.addAction(self.tr("Resume Kuper orders"))
        self.resume_action.setObjectName("resumeOrders")
        self.resume_action.triggered.connect(lambda *_: self.resume())
        self.show_pause(service.pause.info or PauseInfo(store=service.settings.store, paused=False))

    def show_pause(self, info: object) -> None:
        assert isinstance(info, PauseInfo)
        self.resume_action.setEnabled(info.paused)

    def pause(self, minutes: int | None) -> None:
        spawn(self._run(self.service.pause_orders(minutes)))

    def resume(self) -> None:
        spawn(self._run(self.service.resume_orders()))

    async def _run(self, call: Awaitable[PauseInfo]) -> None:
        try:
            await call
        except RelayError as exc:
            self.refused.emit(exc.message)
