"""Python's cyclic garbage collector, run on Qt's thread only.

CPython runs a collection in whichever thread happens to allocate past the threshold. The counter app
has such threads: aiosqlite's connection threads (the offline queue, the demo's relay on SQLite) and
asyncio's default executor (keyring, the diagnostics archive). When a collection runs there, a widget or
timer that was part of a reference cycle is destroyed on that thread: Qt says "QObject::~QObject: Timers
cannot be stopped from another thread", and a C++ object torn down off its thread may crash or dead-lock
the process (seen in the UI tests: a worker crashed, and one CI run hung).

:class:`MainThreadCollector` (qutebrowser's habit) turns automatic collection off and runs it from a
``QTimer`` on Qt's thread instead, generation by generation with CPython's own thresholds, so the
collector does the same work, only always on the thread that owns the objects. :meth:`stop` turns
automatic collection back on as it was.
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

INTERVAL_MS = 250


class MainThreadCollector(QObject):
    """Collects cyclic garbage on the thread it lives on (create it on Qt's main thread)."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._was_enabled = False
        self.collections = 0

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        if self.running:
            return
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()
        log.debug("cyclic garbage is collected on Qt's thread every %d ms", self._timer.interval())

    def stop(self) -> None:
        """Back to automatic collection (if it was on); what is garbage now is collected here first."""
        if not self.running:
            return
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def check(self) -> None:
        """One generation collected when its count is past CPython's threshold (the oldest first)."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                self.collections += 1
                return
