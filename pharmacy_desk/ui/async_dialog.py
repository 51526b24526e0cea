"""Await a dialog instead of running a nested ``exec()``: the asyncio loop keeps running meanwhile."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog


async def run_dialog(dialog: QDialog) -> int:
    """Open ``dialog`` (window-modal) and wait for its ``finished`` result (``QDialog.DialogCode``)."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

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
