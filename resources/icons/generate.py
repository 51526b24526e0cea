"""Draw the app icon files: the green pharmacy cross of ``pharmacy_desk.ui.alerts.app_icon``.

    QT_QPA_PLATFORM=offscreen python resources/icons/generate.py

Writes ``pharmacy-desk.png`` (256 px) and ``pharmacy-desk.ico`` (16…256 px, PNG-compressed entries) next
to this script: the Windows executable, the installer and the Start-menu entry use the .ico. The window
icon itself is drawn at run time (no file to lose).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256)
GREEN = QColor("#2e7d32")


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QColor(0, 0, 0, 0))
    painter.setBrush(GREEN)
    unit = size / 64  # the 64 px design of app_icon(): bars 20 wide, 4 from the edges
    painter.drawRect(QRectF(22 * unit, 4 * unit, 20 * unit, 56 * unit))
    painter.drawRect(QRectF(4 * unit, 22 * unit, 56 * unit, 20 * unit))
    painter.end()
    return image


def png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 6.11 takes str only
    buffer.close()
    return bytes(data.data())


def ico(images: list[bytes]) -> bytes:
    """An ICO file whose entries are PNG images (Windows Vista and later read these)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in zip(SIZES, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset + len(blobs))
        blobs += blob
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    images = [png(draw(size)) for size in SIZES]
    (HERE / "pharmacy-desk.png").write_bytes(images[-1])
    (HERE / "pharmacy-desk.ico").write_bytes(ico(images))
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
