"""Cyrillic renders: the label font itself has every glyph a label prints (no tofu, no fallback)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontInfo, QFontMetrics

from pharmacy_desk.printing import labels_for_order
from pharmacy_desk.printing.fonts import FAMILY, FONT_FILES, fonts_dir, label_family, label_font, missing_glyphs
from tests.printing.printing_support import STORE_NAME, order

pytestmark = pytest.mark.usefixtures("qapp")

RUSSIAN = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№–—…"


def _printed_texts() -> str:
    label = labels_for_order(order(), STORE_NAME, bags=2)[0]
    fixed = "ЯЧЕЙКА ЗАКАЗ СРОК срок ДОСТАВКА САМОВЫВОЗ"
    return " ".join((label.store_name, label.number, label.bag_text, fixed, *label.details))


def test_the_shipped_font_is_used() -> None:
    assert all((fonts_dir() / name).is_file() for name in FONT_FILES)
    assert label_family() == FAMILY
    for bold in (False, True):
        assert QFontInfo(label_font(40, bold=bold)).family() == FAMILY


@pytest.mark.parametrize("bold", [False, True], ids=["regular", "bold"])
def test_every_printed_character_has_a_glyph(bold: bool) -> None:
    font = label_font(40, bold=bold)
    text = RUSSIAN + _printed_texts()

    assert missing_glyphs(font, text) == ""
    metrics = QFontMetrics(font)
    assert all(metrics.inFontUcs4(ord(ch)) for ch in text if not ch.isspace())


def test_missing_glyphs_does_report_tofu() -> None:
    assert missing_glyphs(label_font(40), "Аптека 中") == "中"  # DejaVu Sans has no CJK: the check is not vacuous
