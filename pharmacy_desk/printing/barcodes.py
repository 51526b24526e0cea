"""Code128 and QR as module patterns, drawn as crisp vector rectangles.

Encoding is pure (python-barcode gives Code128's bar/space modules, ``qrcode`` the QR matrix);
drawing snaps every module to a whole number of device pixels and turns antialiasing off, so a
203 dpi thermal head prints even bars and square modules, and a PDF gets exact rectangles.
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache

import qrcode  # type: ignore[import-untyped]
from barcode import Code128  # type: ignore[import-untyped]
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath

log = logging.getLogger(__name__)

__all__ = ["CODE128_QUIET", "QR_QUIET", "code128_modules", "draw_code128", "draw_qr", "qr_matrix"]

CODE128_QUIET = 10  # modules of white each side (ISO/IEC 15417)
QR_QUIET = 4  # modules of white around a QR (ISO/IEC 18004)


@lru_cache(maxsize=256)
def code128_modules(text: str) -> str:
    """Code128 of ``text`` as ``"1101…"``: one character per module, ``1`` = bar; no quiet zone."""
    if not text:
        raise ValueError("empty Code128 text")
    modules: str = Code128(text).build()[0]
    return modules


@lru_cache(maxsize=256)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR symbol of ``text`` (error correction M, smallest version), ``True`` = dark; no quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def _runs(cells: str | tuple[bool, ...]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, cell in enumerate(cells):
        dark = cell == "1" if isinstance(cell, str) else bool(cell)
        if dark and start < 0:
            start = i
        elif not dark and start >= 0:
            runs.append((start, i - start))
            start = -1
    if start >= 0:
        runs.append((start, len(cells) - start))
    return runs


def _unit(space: float, modules: int, what: str) -> float:
    """Whole device pixels per module; a fraction (and a log line) when not even one pixel fits."""
    unit = math.floor(space / modules)
    if unit >= 1:
        return unit
    log.info("%s gets %.2f px per module: too small to scan", what, space / modules)
    return space / modules


def _fill(painter: QPainter, path: QPainterPath) -> None:
    path.setFillRule(Qt.FillRule.WindingFill)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillPath(path, QColor(0, 0, 0))
    painter.restore()


def draw_code128(painter: QPainter, box: QRectF, text: str) -> float:
    """Draw ``text`` as Code128 centred in ``box`` (device pixels); return the module width used.

    The module is the largest whole number of pixels that fits the symbol and its quiet zones
    (a fraction only when not even one pixel fits: a small on-screen preview).
    """
    modules = code128_modules(text)
    unit = _unit(box.width(), len(modules) + 2 * CODE128_QUIET, f"Code128 of {text!r}")
    left = round(box.left() + (box.width() - unit * len(modules)) / 2)
    top, height = round(box.top()), math.floor(box.height())
    path = QPainterPath()
    for start, length in _runs(modules):
        path.addRect(QRectF(left + start * unit, top, length * unit, height))
    _fill(painter, path)
    return unit


def draw_qr(painter: QPainter, box: QRectF, text: str) -> float:
    """Draw the QR of ``text`` in the square ``box`` (quiet zone included, top-left aligned); return the module size.

    Dark modules of a row are merged into one rectangle, all in one path: no hairline seams
    between neighbouring modules in PDF viewers.
    """
    matrix = qr_matrix(text)
    unit = _unit(min(box.width(), box.height()), len(matrix) + 2 * QR_QUIET, f"QR of {text!r}")
    left, top = round(box.left()) + QR_QUIET * unit, round(box.top()) + QR_QUIET * unit
    path = QPainterPath()
    for r, row in enumerate(matrix):
        for start, length in _runs(row):
            path.addRect(QRectF(left + start * unit, top + r * unit, length * unit, unit))
    _fill(painter, path)
    return unit
