"""Keyboard-wedge detection with simulated key timings: scans, people typing, Cyrillic, lost GS."""

from __future__ import annotations

from pharmacy_desk.desk.scanner import (
    KeyPress,
    ScannedCode,
    ScannerOutput,
    TypedText,
    WedgeDetector,
    manual_entry,
    read_code,
)
from pharmacy_desk.domain.keyboard_layout import us_to_ru
from pharmacy_desk.domain.scans import DrugPack, RetailBarcode, ScanError
from tests.desk.desk_support import GS, marking_code

CODE = marking_code("FGXEAGA5A1GAH")


def typed(
    detector: WedgeDetector, text: str, *, start: float = 0.0, gap: float = 0.008, end: str | None = "enter"
) -> list[ScannerOutput]:
    out: list[ScannerOutput] = []
    at = start
    for char in text:
        out += detector.feed(KeyPress(char, at))
        out += detector.feed(KeyPress("", at + 0.001))  # Shift and friends: no text, ignored
        at += gap
    if end is not None:
        out += detector.feed(KeyPress("\r", at, key=end))  # type: ignore[arg-type]
    return out


def test_a_fast_burst_ended_by_enter_is_a_scan_kept_exactly() -> None:
    detector = WedgeDetector()
    [scan] = typed(detector, CODE)
    assert scan == ScannedCode(CODE, "scanner", "enter")
    parsed = read_code(scan)
    assert isinstance(parsed, DrugPack) and parsed.marking_code == CODE


def test_russian_layout_and_lost_gs_are_undone_by_the_parser() -> None:
    detector = WedgeDetector()
    as_typed = us_to_ru(CODE.replace(GS, ""))  # Russian layout, the scanner dropped GS
    assert any("а" <= ch.lower() <= "я" for ch in as_typed)
    [scan] = typed(detector, as_typed, end="tab")
    assert isinstance(scan, ScannedCode) and scan.ended_by == "tab" and scan.text == as_typed
    parsed = read_code(scan)
    assert isinstance(parsed, DrugPack) and parsed.marking_code == CODE


def test_a_person_typing_is_handed_back_as_typed() -> None:
    detector = WedgeDetector()
    out = typed(detector, "нурофен 200", gap=0.12)
    assert "".join(o.text for o in out if isinstance(o, TypedText)) == "нурофен 200"
    assert isinstance(out[-1], TypedText) and out[-1].then == "enter"
    assert not any(isinstance(o, ScannedCode) for o in out)


def test_a_short_fast_burst_is_typing_too() -> None:
    detector = WedgeDetector()
    assert typed(detector, "1234", gap=0.01) == [TypedText("1234", then="enter")]


def test_scanner_without_suffix_ends_by_a_pause() -> None:
    detector = WedgeDetector(end_pause=0.15)
    assert typed(detector, "4600000000008", end=None) == []
    deadline = detector.next_deadline()
    assert deadline is not None
    assert detector.poll(deadline - 0.01) == []
    [scan] = detector.poll(deadline)
    assert scan == ScannedCode("4600000000008", "scanner", "pause")
    assert isinstance(read_code(scan), RetailBarcode)
    assert detector.next_deadline() is None


def test_typing_then_a_scan_are_told_apart() -> None:
    detector = WedgeDetector()
    out = typed(detector, "ab", gap=0.2, end=None)
    out += typed(detector, "4600000000008", start=0.6)
    assert out == [TypedText("a"), TypedText("b"), ScannedCode("4600000000008", "scanner", "enter")]


def test_a_held_key_auto_repeating_is_not_a_scan() -> None:
    detector = WedgeDetector()
    assert typed(detector, "ооооооооооо", gap=0.03) == [TypedText("ооооооооооо", then="enter")]


def test_short_typing_is_released_without_waiting_the_whole_pause() -> None:
    detector = WedgeDetector(max_gap=0.05, end_pause=0.15)
    detector.feed(KeyPress("7", 1.0))
    assert detector.poll(1.03) == []
    assert detector.poll(1.06) == [TypedText("7")]


def test_reset_gives_back_what_was_held() -> None:
    detector = WedgeDetector()
    detector.feed(KeyPress("x", 0.0))
    assert detector.pending == "x"
    assert detector.reset() == [TypedText("x")]
    assert detector.reset() == []


def test_manual_entry_and_garbage() -> None:
    code = manual_entry("  4600000000008 \n")
    assert code == ScannedCode("4600000000008", "manual", "manual")
    assert isinstance(read_code(code), RetailBarcode)
    error = read_code("привет")
    assert isinstance(error, ScanError) and error.message
