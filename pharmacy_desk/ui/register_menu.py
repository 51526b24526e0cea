"""The register at the counter: the status bar shows it (ready, paper, shift hours), the register menu opens
the shift, prints an X-report and closes the shift (Z). The menu is «Касса», the one word the
user sees for the register in every menu and message («ККТ» only where the law is quoted); the app's own
menu is «Аптека». A shift about to pass 24 hours is announced."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from pharmacy_desk.desk.register_monitor import RegisterMonitor
from pharmacy_desk.fiscal.models import RegisterStatus
from pharmacy_desk.fiscal.register import FiscalRegister
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.tasks import spawn

_OK = "background:#d7f5dd;color:#0b4d1c;"
_WARN = "background:#ffe9b3;color:#6b4500;font-weight:bold;"
_BAD = "background:#ffcdd2;color:#8b0000;font-weight:bold;"


class RegisterControls(QObject):
    def __init__(
        self, window: QMainWindow, register: FiscalRegister, *, operator: str = "Кассир", interval: float = 60.0
    ) -> None:
        super().__init__(window)
        self.window = window
        self.operator = operator
        self.monitor = RegisterMonitor(register, interval=interval)
        self.label = QLabel("Касса: …", window)
        self.label.setObjectName("registerState")
        self.label.setMargin(4)
        window.statusBar().addPermanentWidget(self.label)
        self.announced: str | None = None
        menu = window.menuBar().addMenu("&Касса")  # the register
        menu.setObjectName("registerMenu")
        self.open_action = menu.addAction("Открыть смену")
        self.x_action = menu.addAction("X-отчёт")
        self.close_action = menu.addAction("Закрыть смену (Z-отчёт)…")
        self.check_action = menu.addAction("Проверить кассу")
        self.open_action.triggered.connect(lambda *_: spawn(self.do("open_shift")))
        self.x_action.triggered.connect(lambda *_: spawn(self.do("x_report")))
        self.close_action.triggered.connect(lambda *_: spawn(self.close_shift()))
        self.check_action.triggered.connect(lambda *_: spawn(self.monitor.check()))
        self.monitor.changed.connect(self.show_status)
        QTimer.singleShot(0, self.monitor.start)

    def show_status(self, status: RegisterStatus) -> None:
        now = self.monitor.clock()
        problems = status.problems(now)
        warnings = status.warnings(now)
        self.label.setText(status.summary(now))
        self.label.setToolTip("\n".join([status.name, *problems, *warnings]))
        self.label.setStyleSheet(_BAD if problems else (_WARN if warnings else _OK))
        announcement = self.monitor.announcement()
        if announcement and announcement != self.announced and ("Смена" in announcement or "смена" in announcement):
            self.window.statusBar().showMessage(announcement, 60_000)
        self.announced = announcement

    async def do(self, what: str) -> str:
        result = await self.monitor.run(what, self.operator)
        self.window.statusBar().showMessage(result, 15_000)
        return result

    async def close_shift(self, *, confirm: bool = True) -> str | None:
        if confirm:
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Закрыть смену",
                "Закрыть смену и напечатать Z-отчёт? До открытия новой смены чеки пробивать нельзя.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self.window,
            )
            box.setObjectName("closeShift")
            box.setDefaultButton(QMessageBox.StandardButton.No)
            answer = await run_dialog(box)
            box.deleteLater()
            if answer != QMessageBox.StandardButton.Yes:
                return None
        return await self.do("close_shift")

    async def stop(self) -> None:
        await self.monitor.stop()
