"""A row of buttons, each with its function key, as the assembly and hand-over screens use them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QBoxLayout, QPushButton, QWidget


def add_key_buttons(
    owner: QWidget, bar: QBoxLayout, specs: Iterable[tuple[str, str, Callable[[], object]]], *, name_prefix: str
) -> dict[str, QPushButton]:
    """Buttons (key, label, slot) added to ``bar``; the key works anywhere inside ``owner``."""
    buttons: dict[str, QPushButton] = {}
    for key, text, slot in specs:
        button = QPushButton(text, owner)
        button.setObjectName(f"{name_prefix}{key}")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        bar.addWidget(button)
        buttons[key] = button
        key_shortcut(owner, QKeySequence(key), slot)
    return buttons


def key_shortcut(owner: QWidget, key: QKeySequence | Qt.Key, slot: Callable[[], object]) -> QShortcut:
    """A shortcut active while focus is anywhere inside ``owner``."""
    shortcut = QShortcut(key if isinstance(key, QKeySequence) else QKeySequence(key), owner)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(slot)
    return shortcut
