"""The PC's register watched in the background: its status for the status bar, the shift's age announced.

Plain asyncio. :meth:`RegisterMonitor.check` asks the register once; :meth:`start` asks every
``interval`` seconds. :attr:`RegisterMonitor.changed` gets every status; :meth:`announcement` is the
sentence to put in front of the cashier (a problem that stops receipts, or the shift about to pass
24 h — announced before the register refuses).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from pharmacy_desk.desk.hooks import Hook
from pharmacy_desk.fiscal.errors import FiscalError
from pharmacy_desk.fiscal.models import RegisterStatus
from pharmacy_desk.fiscal.register import FiscalRegister

log = logging.getLogger("pharmacy_desk.desk.register_monitor")


class RegisterMonitor:
    def __init__(
        self,
        register: FiscalRegister,
        *,
        interval: float = 60.0,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.register = register
        self.interval = interval
        self.clock = clock
        self.status: RegisterStatus | None = None
        self.changed: Hook[RegisterStatus] = Hook("register.changed")
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> RegisterStatus:
        try:
            status = await self.register.status()
        except FiscalError as exc:
            log.warning("register status: %s", exc.message)
            status = RegisterStatus(name=self.register.name, online=False, checked_at=self.clock())
        self.status = status
        self.changed.emit(status)
        return status

    def announcement(self) -> str | None:
        status = self.status
        if status is None:
            return None
        now = self.clock()
        problems = status.problems(now)
        if problems:
            return problems[0]
        warnings = status.warnings(now)
        return warnings[0] if warnings else None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="register-monitor")

    def cancel(self) -> None:
        """Stop watching now (from a synchronous close)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.interval)

    async def run(self, what: str, operator: str) -> str:
        """Open shift / X-report / close shift (``open_shift``, ``x_report``, ``close_shift``); Russian result."""
        done = {
            "open_shift": "Смена открыта",
            "x_report": "X-отчёт напечатан",
            "close_shift": "Смена закрыта (Z-отчёт)",
        }
        try:
            await getattr(self.register, what)(operator)
        except FiscalError as exc:
            return f"Касса: {exc.message}" if not exc.message.startswith("Касса") else exc.message
        finally:
            await self.check()
        return done[what]
