"""The keyboard-wedge scanner, heard whatever widget has the focus: an application-wide event filter.

Every printable key press goes to the desk's :class:`~pharmacy_desk.desk.scanner.WedgeDetector` and is
held back (with its release) until the detector tells a scan from typing:

- a **scan** (``ScannedCode``): the held keys are dropped, the Enter / Tab that ended it is swallowed,
  and :attr:`ScannerFilter.scanned` is emitted: no text lands in the focused field, no shortcut fires;
- **typing** (``TypedText``): the held keys are replayed, in order, to the object that received them,
  so the search field or the manual entry field gets exactly what the person typed. A single typed
  character may be claimed first by a key handler (:meth:`ScannerFilter.add_key_handler`: the series
  choice 1..9 on the assembly screen).

Typing in a text field of a dialog (a reason, a substitute's name, a description) is never held: the
keys go straight to the field, however fast they come (a scan there lands in the field as text).

Characters are never interpreted here: Cyrillic letters from a Russian layout and a lost or
substituted GS reach :func:`~pharmacy_desk.domain.scans.parse_scan` exactly as typed.

While characters are held, printable keys cannot trigger shortcuts (their ``ShortcutOverride`` is
accepted); F-keys, Ctrl / Alt combinations and navigation keys pass through at once, after what is held.
Key times are the events' own timestamps (the OS's) when they have one, else the monotonic clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from pharmacy_desk.desk.scanner import EndKey, KeyPress, ScannedCode, ScannerOutput, TypedText, WedgeDetector
from pharmacy_desk.domain.scans import GS

log = logging.getLogger("pharmacy_desk.ui.scanner")

KeyHandler = Callable[[str], bool]

_END_KEYS: dict[int, EndKey] = {
    Qt.Key.Key_Return.value: "enter",
    Qt.Key.Key_Enter.value: "enter",
    Qt.Key.Key_Tab.value: "tab",
}
_KEY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride)
_MODIFIER_KEYS = frozenset(
    key.value
    for key in (
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    )
)


@dataclass(slots=True)
class _Held:
    receiver: QObject
    event: QKeyEvent
    chars: int  # characters this press gave the detector (0: a release)


def _clone(event: QKeyEvent) -> QKeyEvent:
    copy = QKeyEvent(
        event.type(),
        event.key(),
        event.modifiers(),
        event.nativeScanCode(),
        event.nativeVirtualKey(),
        event.nativeModifiers(),
        event.text(),
        event.isAutoRepeat(),
        event.count(),
    )
    copy.setTimestamp(event.timestamp())
    return copy


def is_scan_text(event: QKeyEvent) -> bool:
    """A key that may be part of a scan: printable text (Shift allowed, AltGr too) or GS (Ctrl+])."""
    text = event.text()
    if not text:
        return False
    mods = event.modifiers()
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    alt = bool(mods & Qt.KeyboardModifier.AltModifier)
    if mods & Qt.KeyboardModifier.MetaModifier:
        return False
    if ctrl and not alt:
        return text == GS
    if alt and not ctrl:
        return False
    return text == GS or text.isprintable()


def typing_in_dialog(focus: QWidget | None) -> bool:
    """The focus is in a text field of a dialog: what is typed there is the person's, not a scanner's."""
    if focus is None or not isinstance(focus.window(), QDialog):
        return False
    if isinstance(focus, QComboBox):
        return focus.isEditable()
    return isinstance(focus, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox)


def end_key(event: QKeyEvent) -> EndKey | None:
    if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
        return None
    return _END_KEYS.get(event.key())


class ScannerFilter(QObject):
    """Install once on the ``QApplication``: ``scanned`` carries every :class:`ScannedCode`."""

    scanned = Signal(object)  # ScannedCode

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        detector: WedgeDetector | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.detector = detector or WedgeDetector()
        self._clock = clock
        self._held: list[_Held] = []
        self._handlers: list[KeyHandler] = []
        self._replaying = False
        self._swallow_release: int | None = None  # the end key of a scan: its release is ours too
        self._last_event_at = 0.0
        self._last_clock_at = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)
        self.enabled = True

    # --- setup ------------------------------------------------------------------------------------

    def install(self, app: QCoreApplication) -> None:
        app.installEventFilter(self)

    def uninstall(self, app: QCoreApplication) -> None:
        app.removeEventFilter(self)
        self._timer.stop()
        self._flush()

    def add_key_handler(self, handler: KeyHandler) -> Callable[[], None]:
        """``handler(char) -> bool`` sees each single typed character first; True: it is consumed."""
        self._handlers.append(handler)
        return lambda: self._handlers.remove(handler) if handler in self._handlers else None

    @property
    def holding(self) -> bool:
        return bool(self._held)

    # --- the filter -------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or not self.enabled or event.type() not in _KEY_EVENTS:
            return False
        assert isinstance(event, QKeyEvent)
        kind = event.type()
        if event.key() in _MODIFIER_KEYS:
            return False  # Shift for capitals, Ctrl for GS: part of a scan, never the end of one
        if not self._held and not self.detector.pending and typing_in_dialog(QApplication.focusWidget()):
            return False
        if kind == QEvent.Type.ShortcutOverride:
            if is_scan_text(event) or (end_key(event) is not None and self.detector.pending):
                event.accept()  # text (or a scan, or its end), never a shortcut
                return True
            self._flush()
            return False
        if kind == QEvent.Type.KeyRelease:
            if self._swallow_release is not None and event.key() == self._swallow_release:
                self._swallow_release = None
                return True
            if self._held:
                self._held.append(_Held(watched, _clone(event), 0))
                return True
            return False
        return self._key_press(watched, event)

    def _key_press(self, watched: QObject, event: QKeyEvent) -> bool:
        at = self._event_time(event)
        if is_scan_text(event):
            self._held.append(_Held(watched, _clone(event), len(event.text())))
            self._handle(self.detector.feed(KeyPress(event.text(), at)))
            self._schedule()
            return True
        key = end_key(event)
        if key is not None and self.detector.pending:
            outputs = self.detector.feed(KeyPress("", at, key))
            self._timer.stop()
            scanned = any(isinstance(out, ScannedCode) for out in outputs)
            self._handle(outputs)
            if scanned:
                self._swallow_release = event.key()
                return True
            return False  # typing ended by Enter / Tab: the key goes on, after the replayed text
        self._flush()
        return False

    # --- decisions --------------------------------------------------------------------------------

    def _handle(self, outputs: list[ScannerOutput]) -> None:
        for out in outputs:
            if isinstance(out, ScannedCode):
                self._take(len(out.text))
                log.debug("scan of %d characters (%s)", len(out.text), out.ended_by)
                self.scanned.emit(out)
            elif isinstance(out, TypedText):
                held = self._take(len(out.text))
                if out.then is None and len(out.text) == 1 and self._claimed(out.text):
                    continue
                self._replay(held)

    def _claimed(self, char: str) -> bool:
        for handler in list(self._handlers):
            try:
                if handler(char):
                    return True
            except Exception:
                log.exception("key handler failed")
        return False

    def _take(self, chars: int) -> list[_Held]:
        """The held events that gave the first ``chars`` characters, with the releases after them."""
        taken: list[_Held] = []
        while self._held and (chars > 0 or self._held[0].chars == 0):
            item = self._held.pop(0)
            chars -= item.chars
            taken.append(item)
        return taken

    def _replay(self, held: list[_Held]) -> None:
        self._replaying = True
        try:
            for item in held:
                if shiboken6.isValid(item.receiver):
                    QCoreApplication.sendEvent(item.receiver, item.event)
        finally:
            self._replaying = False

    def _flush(self) -> None:
        """Give back whatever is held, as typed (a key that is not text came)."""
        if not self._held and not self.detector.pending:
            return
        self._timer.stop()
        self.detector.reset()
        held, self._held = self._held, []
        self._replay(held)

    # --- time -------------------------------------------------------------------------------------

    def _event_time(self, event: QKeyEvent) -> float:
        now = self._clock()
        stamp = event.timestamp()
        at = stamp / 1000 if stamp > 0 else now
        self._last_event_at, self._last_clock_at = at, now
        return at

    def _now(self) -> float:
        """The detector's clock now: the last event's time plus what passed since it was handled."""
        return self._last_event_at + (self._clock() - self._last_clock_at)

    def _schedule(self) -> None:
        deadline = self.detector.next_deadline()
        if deadline is None:
            self._timer.stop()
            return
        self._timer.start(max(1, round((deadline - self._now()) * 1000) + 1))

    def _poll(self) -> None:
        self._handle(self.detector.poll(self._now()))
        if self.detector.pending:
            self._schedule()
        elif self._held:  # only releases are left
            held, self._held = self._held, []
            self._replay(held)
