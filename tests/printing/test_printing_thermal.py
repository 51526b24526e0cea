"""paint_label on a 203 dpi raster, as a thermal head prints it: barcodes stay crisp and scannable."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from pharmacy_desk.domain.bag_label import encode_bag_label
from pharmacy_desk.printing import FORMATS, THERMAL_58, LabelFormat, labels_for_order, paint_label
from pharmacy_desk.printing.barcodes import CODE128_QUIET, code128_modules, draw_code128, draw_qr, qr_matrix
from tests.printing.printing_support import NUMBER, STORE_NAME, decode, order, qimage_to_pil

pytestmark = pytest.mark.usefixtures("qapp")

THERMAL_DPI = 203
DOTS_PER_MM = THERMAL_DPI / 25.4


def _canvas(width: int, height: int) -> QImage:
    image = QImage(width, height, QImage.Format.Format_Grayscale8)
    image.fill(QColor(255, 255, 255))
    return image


def _runs(pixels: list[int]) -> list[int]:
    """Lengths of the runs of equal colour (black/white) along a line of pixels, edges excluded."""
    runs: list[int] = []
    count = 1
    for before, after in itertools.pairwise(pixels):
        if (before < 128) == (after < 128):
            count += 1
        else:
            runs.append(count)
            count = 1
    return runs[1:]  # the first run is the white margin


@pytest.mark.parametrize("fmt", FORMATS.values(), ids=FORMATS.keys())
def test_label_at_thermal_resolution_scans(fmt: LabelFormat) -> None:
    image = _canvas(round(fmt.cell_w * DOTS_PER_MM), round(fmt.cell_h * DOTS_PER_MM))
    painter = QPainter(image)
    paint_label(painter, QRectF(0, 0, image.width(), image.height()), labels_for_order(order(), STORE_NAME)[0], fmt)
    painter.end()

    assert decode(qimage_to_pil(image)) == {
        "Code128": [NUMBER],
        "QRCode": [encode_bag_label("apteka-12", NUMBER)],
    }


def test_code128_bars_are_whole_dots() -> None:
    width = round(48 * DOTS_PER_MM)  # the 58 mm roll's printable width: 384 dots
    image = _canvas(width, 40)
    painter = QPainter(image)
    unit = draw_code128(painter, QRectF(0, 0, width, 40), NUMBER)
    painter.end()

    modules = code128_modules(NUMBER)
    assert unit == int(unit) >= 2 and (len(modules) + 2 * CODE128_QUIET) * unit <= width
    row = [image.pixelColor(x, 20).value() for x in range(width)]
    runs = _runs(row)  # margin to last bar
    assert all(run % unit == 0 for run in runs)
    assert sum(runs) == len(modules) * unit


def test_qr_modules_are_whole_dots_and_square() -> None:
    side = round(THERMAL_58.qr * DOTS_PER_MM)
    image = _canvas(side, side)
    painter = QPainter(image)
    unit = draw_qr(painter, QRectF(0, 0, side, side), "PDESK1:apteka-12:A12-000042")
    painter.end()

    size = len(qr_matrix("PDESK1:apteka-12:A12-000042"))
    assert unit == int(unit) >= 3  # ≥ 0.375 mm at 203 dpi
    finder = [image.pixelColor(x, round(4.5 * unit)).value() for x in range(side)]  # through the finder's edge
    assert _runs(finder)[0] == 7 * unit  # the top-left finder pattern: 7 modules of black
    assert decode(qimage_to_pil(image))["QRCode"] == ["PDESK1:apteka-12:A12-000042"]
    assert (size + 8) * unit <= side
