"""A row of buttons, each with its function key, as the assembly and hand-over screens use them.

:class:`KeyButton` draws its key (``F5``) in bold first and the words after it, elided when the row
is narrow: the key is always readable, the words give way (the whole label is the tooltip). Its
minimum width is the key's, so a row of eight fits a 1366 px screen with room to spare; a disabled
button says why on hover (:meth:`KeyButton.set_reason`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import QBoxLayout, QPushButton, QSizePolicy, QStyle, QStyleOptionButton, QWidget

_PAD = 10  # pixels left and right of the text
_GAP = 6  # between the key and the words


class KeyButton(QPushButton):
    """``key`` drawn bold and never cut; ``words`` after it, elided when there is no room."""

    def __init__(self, key: str, words: str, parent: QWidget | None = None) -> None:
        super().__init__(f"{key} {words}", parent)
        self.key = key
        self.words = words
        self._reason = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._update_tooltip()

    # --- texts ------------------------------------------------------------------------------------

    def set_words(self, words: str) -> None:
        self.words = words
        self.setText(f"{self.key} {words}")
        self._update_tooltip()
        self.updateGeometry()
        self.update()

    def set_reason(self, reason: str) -> None:
        """Why the button does not apply now (shown on hover); empty: it applies."""
        self._reason = reason
        self._update_tooltip()

    @property
    def reason(self) -> str:
        return self._reason

    def _update_tooltip(self) -> None:
        text = f"{self.key} — {self.words}"
        self.setToolTip(f"{text}\n{self._reason}" if self._reason else text)

    def _bold(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def key_width(self) -> int:
        return QFontMetrics(self._bold()).horizontalAdvance(self.key)

    def shown_words(self) -> str:
        """The words as painted now (elided to the room left after the key)."""
        room = self.width() - 2 * _PAD - self.key_width() - _GAP
        if room <= 0:
            return ""
        return QFontMetrics(self.font()).elidedText(self.words, Qt.TextElideMode.ElideRight, room)

    @property
    def key_elided(self) -> bool:
        """True when the key itself does not fit (it never should: see ``minimumSizeHint``)."""
        return self.width() < self.key_width() + 2 * _PAD

    # --- size and painting ------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        base = super().sizeHint()
        width = 2 * _PAD + self.key_width() + _GAP + QFontMetrics(self.font()).horizontalAdvance(self.words)
        return QSize(width, base.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.key_width() + 2 * _PAD, super().sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        painter = QPainter(self)
        self.style().drawControl(QStyle.ControlElement.CE_PushButton, option, painter, self)
        rect = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        words = self.shown_words()
        key_w = self.key_width()
        total = key_w + (_GAP + QFontMetrics(self.font()).horizontalAdvance(words) if words else 0)
        left = rect.x() + max(_PAD - 4, (rect.width() - total) // 2)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(self._bold())
        painter.drawText(QRect(left, rect.y(), key_w + 2, rect.height()), align, self.key)
        if words:
            painter.setFont(self.font())
            painter.drawText(
                QRect(left + key_w + _GAP, rect.y(), rect.right() - left - key_w, rect.height()), align, words
            )
        painter.end()


def add_key_buttons(
    owner: QWidget, bar: QBoxLayout, specs: Iterable[tuple[str, str, Callable[[], object]]], *, name_prefix: str
) -> dict[str, KeyButton]:
    """Buttons (key, label, slot) added to ``bar``; the key works anywhere in ``owner``'s window while
    ``owner`` is shown (so focus in a menu, a field, or nowhere after a dialog does not kill it).

    ``label`` may start with the key ("F5 Start assembly"): the key is drawn once, in bold.
    """
    buttons: dict[str, KeyButton] = {}
    for key, text, slot in specs:
        words = text[len(key) :].strip() if text.startswith(key) else text
        button = KeyButton(key, words, owner)
        button.setObjectName(f"{name_prefix}{key}")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        bar.addWidget(button, 1)
        buttons[key] = button
        key_shortcut(owner, QKeySequence(key), slot)
    return buttons


def key_shortcut(owner: QWidget, key: QKeySequence | Qt.Key, slot: Callable[[], object]) -> QShortcut:
    """A shortcut of ``owner``'s window, live while ``owner`` is visible (Qt ignores hidden owners)."""
    shortcut = QShortcut(key if isinstance(key, QKeySequence) else QKeySequence(key), owner)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(slot)
    return shortcut
