"""Paper formats and label geometry (no Qt)."""

from __future__ import annotations

import pytest

from pharmacy_desk.printing.layout import A4, FORMATS, THERMAL_58, THERMAL_80, LabelFormat, label_geometry


@pytest.mark.parametrize("storage", [False, True], ids=["room", "cold-chain"])
@pytest.mark.parametrize("fmt", FORMATS.values(), ids=FORMATS.keys())
def test_every_block_fits_inside_the_padding(fmt: LabelFormat, storage: bool) -> None:
    geo = label_geometry(fmt, storage=storage)
    strip = [geo.storage] if geo.storage is not None else []
    assert bool(strip) is storage
    boxes = [geo.store, geo.number, geo.barcode, geo.banner, *strip, geo.qr, geo.figure, *geo.details]
    for box in boxes:
        assert box.x >= fmt.pad_x - 1e-9 and box.right <= fmt.cell_w - fmt.pad_x + 1e-9
        assert box.y >= fmt.pad_y - 1e-9 and box.bottom <= fmt.cell_h - fmt.pad_y + 1e-9
    assert geo.qr.right < geo.figure.x  # the QR's quiet zone is not crowded by the big figure
    tops = [box.y for box in boxes if box not in (geo.figure,)]
    assert tops == sorted(tops)
    assert geo.qr.w >= 0.7 * fmt.qr  # the strip takes room from the QR, never most of it


def test_thermal_widths_match_the_rolls_printable_area() -> None:
    assert THERMAL_58.cell_w - 2 * THERMAL_58.pad_x == 48  # 384 dots at 203 dpi
    assert THERMAL_80.cell_w - 2 * THERMAL_80.pad_x == 72  # 576 dots at 203 dpi
    assert THERMAL_58.per_page == THERMAL_80.per_page == 1


def test_a4_tiles_six_labels() -> None:
    assert (A4.page_w, A4.page_h, A4.per_page) == (210, 297, 6)
    cells = [A4.cell(i) for i in range(6)]
    assert {(c.x, c.y) for c in cells} == {(x, y) for x in (0, 105) for y in (0, 99, 198)}
    assert A4.cell(6) == A4.cell(0)  # the next page starts over


def test_smallest_text_is_legible_on_a_thermal_head() -> None:
    for fmt in FORMATS.values():
        assert fmt.body >= 3.0  # mm em height: about 8.5 pt, 24 dots at 203 dpi
