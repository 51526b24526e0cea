"""Await a dialog instead of running a nested ``exec()``: the asyncio loop keeps running meanwhile.

When the dialog closes, the focus goes back where it was (the queue, the assembly lines...), in the
window the dialog came from: scans and keys work again at once, without a click.
"""

from __future__ import annotations

import asyncio

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget


async def run_dialog(dialog: QDialog) -> int:
    """Open ``dialog`` (window-modal) and wait for its ``finished`` result (``QDialog.DialogCode``)."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    focus = QApplication.focusWidget()
    parent = dialog.parentWidget()
    home = parent.window() if parent is not None else None

    def done(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await future
    finally:
        dialog.finished.disconnect(done)
        if dialog.isVisible():  # the caller was cancelled: do not leave the dialog behind
            dialog.reject()
        restore_focus(focus, home)


def restore_focus(focus: QWidget | None, home: QWidget | None) -> None:
    """Give the focus back to ``focus`` (if it is still there and shown), else to ``home``'s window;
    nothing while another dialog is open (the one that replaced this one keeps the focus)."""
    modal = QApplication.activeModalWidget()
    if modal is not None and modal.isVisible():
        return
    if focus is not None and shiboken6.isValid(focus) and focus.isVisible() and not isinstance(focus.window(), QDialog):
        window = focus.window()
        window.activateWindow()
        focus.setFocus(Qt.FocusReason.PopupFocusReason)
        return
    if home is not None and shiboken6.isValid(home) and home.isVisible():
        home.activateWindow()
        target = home.focusWidget()
        (target or home).setFocus(Qt.FocusReason.PopupFocusReason)
