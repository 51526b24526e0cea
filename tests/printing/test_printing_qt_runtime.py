"""The Qt bindings printing runs on must not corrupt the interpreter.

PySide6 6.12.0 wheels (abi3) on CPython 3.11 drop one reference to ``None`` on every call of a
method returning nothing (``QPainterPath.addRect``, ``QPainter.setPen`` …). ``None`` is immortal only
from 3.12 on; on 3.11 its count reaches zero after some thousands of calls and the process aborts
("Fatal Python error: none_dealloc"), typically while painting a few labels or at exit. 6.11.3 is
correct. This test names the cause instead of leaving an abort to explain.
"""

from __future__ import annotations

import sys

import PySide6
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_keep_none_alive() -> None:
    path, rect = QPainterPath(), QRectF(0, 0, 1, 1)
    path.addRect(rect)
    before = sys.getrefcount(None)
    for _ in range(100):
        path.addRect(rect)
    lost = before - sys.getrefcount(None)
    assert lost <= 0, (
        f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} lost {lost} references to None "
        "in 100 calls: the process will abort. Use pyside6-essentials<6.12 (6.11.3 is fine) or Python >= 3.12."
    )
