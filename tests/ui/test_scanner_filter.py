"""The application-wide scanner filter: scans never land in a field nor fire shortcuts; typing does, in order."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from pharmacy_desk.desk.scanner import ScannedCode
from pharmacy_desk.ui.scanner_filter import ScannerFilter

EAN = "4600000000008"


def form(qtbot: QtBot) -> tuple[QWidget, QLineEdit, QPushButton]:
    window = QWidget()
    field = QLineEdit(window)
    button = QPushButton("ok", window)
    layout = QVBoxLayout(window)
    layout.addWidget(field)
    layout.addWidget(button)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    field.setFocus()
    return window, field, button


def test_a_burst_is_a_scan_and_never_reaches_the_field_or_a_shortcut(qtbot: QtBot, scanner: ScannerFilter) -> None:
    window, field, _ = form(qtbot)
    fired: list[str] = []
    shortcut = QShortcut(QKeySequence("4"), window)
    shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
    shortcut.activated.connect(lambda: fired.append("4"))
    with qtbot.waitSignal(scanner.scanned, timeout=2000) as blocker:
        QTest.keyClicks(field, EAN)
        QTest.keyClick(field, Qt.Key.Key_Return)
    code = blocker.args[0]
    assert isinstance(code, ScannedCode) and code.text == EAN and code.ended_by == "enter"
    assert field.text() == "" and fired == [] and not scanner.holding


def test_a_scanner_without_suffix_ends_by_its_pause(qtbot: QtBot, scanner: ScannerFilter) -> None:
    window, field, _ = form(qtbot)
    with qtbot.waitSignal(scanner.scanned, timeout=2000) as blocker:
        QTest.keyClicks(field, "PDESK1:apteka-12:A12-000001")
    assert blocker.args[0].text == "PDESK1:apteka-12:A12-000001" and blocker.args[0].ended_by == "pause"
    assert field.text() == "" and window.isVisible()


def test_typing_reaches_the_focused_field_in_order_with_its_enter(qtbot: QtBot, scanner: ScannerFilter) -> None:
    window, field, _ = form(qtbot)
    scans: list[object] = []
    scanner.scanned.connect(scans.append)
    returned: list[str] = []
    field.returnPressed.connect(lambda: returned.append(field.text()))
    for char in "А12-0":  # a person, under the Russian layout, 90 ms between keys
        QApplication.sendEvent(field, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, char))
        qtbot.wait(90)
    QTest.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: returned == ["А12-0"], timeout=2000)
    assert scans == [] and field.text() == "А12-0" and window.isVisible()


def test_a_typed_digit_may_be_claimed_by_a_key_handler(qtbot: QtBot, scanner: ScannerFilter) -> None:
    window, field, button = form(qtbot)
    button.setFocus()
    claimed: list[str] = []

    def claim(char: str) -> bool:
        if char != "2":
            return False
        claimed.append(char)
        return True

    forget = scanner.add_key_handler(claim)
    QTest.keyClick(button, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: claimed == ["2"], timeout=2000)
    forget()
    field.setFocus()
    QTest.keyClicks(field, "7")
    qtbot.waitUntil(lambda: field.text() == "7", timeout=2000)
    assert claimed == ["2"] and window.isVisible()


def test_space_on_a_button_is_replayed_with_its_release_in_order(qtbot: QtBot, scanner: ScannerFilter) -> None:
    window, _, button = form(qtbot)
    button.setFocus()
    with qtbot.waitSignal(button.clicked, timeout=2000):
        QTest.keyClick(button, Qt.Key.Key_Space)
    assert not button.isDown() and window.isVisible()
