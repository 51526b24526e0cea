"""Keyboard-wedge scanners: tell a scan from a person typing, from key presses and their times alone.

A wedge scanner "types" its code far faster than a person: a few milliseconds between keys, then
(usually) Enter or Tab. Feed every key press of the scan field to :class:`WedgeDetector` with its
time in seconds (Qt: ``QKeyEvent.timestamp() / 1000``); it answers with

- :class:`ScannedCode`: a whole scan (≥ ``min_length`` characters, every gap ≤ ``max_gap``), ended
  by Enter / Tab (swallowed) or by a pause of ``end_pause`` (scanners configured without a suffix:
  call :meth:`WedgeDetector.poll` from a timer, :meth:`WedgeDetector.next_deadline` says when);
- :class:`TypedText`: what a person typed, to put into the field as typed (with the Enter / Tab
  that ended it, if any). Text is held back until its gap or pause tells; at most ``end_pause``.

The text is kept exactly as typed (Cyrillic letters from a Russian layout, a GS as ``\\x1d`` when the
scanner sends Ctrl+]): :func:`~pharmacy_desk.domain.scans.parse_scan` undoes the layout and rebuilds
lost GS separators. :func:`manual_entry` is the path for a code typed or pasted by hand.

A key held down auto-repeats fast too: a burst of one repeated character is never a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pharmacy_desk.domain.scans import Scan, ScanError, parse_scan

EndKey = Literal["enter", "tab"]


@dataclass(frozen=True, slots=True)
class KeyPress:
    text: str  # what the key produced ("" for Shift, Ctrl...: ignored)
    at: float  # seconds, any monotonic clock
    key: EndKey | None = None  # Enter / Return or Tab (their text is ignored)


@dataclass(frozen=True, slots=True)
class ScannedCode:
    text: str
    source: Literal["scanner", "manual"]
    ended_by: Literal["enter", "tab", "pause", "manual"]


@dataclass(frozen=True, slots=True)
class TypedText:
    text: str
    then: EndKey | None = None


ScannerOutput = ScannedCode | TypedText


class WedgeDetector:
    def __init__(self, *, max_gap: float = 0.05, min_length: int = 8, end_pause: float = 0.15) -> None:
        if not 0 < max_gap < end_pause:
            raise ValueError("need 0 < max_gap < end_pause")
        self.max_gap = max_gap
        self.min_length = min_length
        self.end_pause = end_pause
        self._chars: list[str] = []  # a burst: every gap in it ≤ max_gap (a longer gap ends it)
        self._last_at = 0.0

    @property
    def pending(self) -> str:
        """Characters held back, not yet known to be a scan or typing."""
        return "".join(self._chars)

    def next_deadline(self) -> float | None:
        """When :meth:`poll` can decide about the held-back characters (None: nothing held)."""
        return self._last_at + self.end_pause if self._chars else None

    def feed(self, press: KeyPress) -> list[ScannerOutput]:
        out: list[ScannerOutput] = []
        if press.key is not None:
            return self._end_key(press, out)
        if not press.text:
            return out
        if self._chars and press.at - self._last_at > self.max_gap:
            out.extend(self._resolve("pause", press.at))
        self._chars.append(press.text)
        self._last_at = press.at
        return out

    def poll(self, now: float) -> list[ScannerOutput]:
        """Decide about held-back characters once ``end_pause`` has passed since the last key."""
        if self._chars and now - self._last_at >= self.end_pause:
            return self._resolve("pause", now)
        if self._chars and now - self._last_at > self.max_gap and not self._is_scan():
            return self._resolve("pause", now)  # too short or too slow to become a scan: release it now
        return []

    def reset(self) -> list[ScannerOutput]:
        """Give back whatever is held (the field lost focus)."""
        text, self._chars = "".join(self._chars), []
        return [TypedText(text)] if text else []

    def _is_scan(self) -> bool:
        text = "".join(self._chars)
        return len(text) >= self.min_length and len(set(text)) > 1

    def _end_key(self, press: KeyPress, out: list[ScannerOutput]) -> list[ScannerOutput]:
        assert press.key is not None
        if self._chars and self._is_scan() and press.at - self._last_at <= self.end_pause:
            text, self._chars = "".join(self._chars), []
            out.append(ScannedCode(text, "scanner", press.key))
            return out
        text, self._chars = "".join(self._chars), []
        out.append(TypedText(text, then=press.key))
        return out

    def _resolve(self, why: Literal["pause"], now: float) -> list[ScannerOutput]:
        text = "".join(self._chars)
        scan = self._is_scan()
        self._chars = []
        if scan:
            return [ScannedCode(text, "scanner", why)]
        return [TypedText(text)]


def manual_entry(text: str) -> ScannedCode:
    """A code typed or pasted by hand (the scanner cannot read it): parsed like a scan."""
    return ScannedCode(text.strip(), "manual", "manual")


def read_code(code: ScannedCode | str) -> Scan | ScanError:
    """Parse a scan: the typed result, or the :class:`ScanError` (stable code, Russian message)."""
    try:
        return parse_scan(code.text if isinstance(code, ScannedCode) else code)
    except ScanError as error:
        return error
