"""Pick lists (issue 14, item 6) through the printing code path into real PDFs, read back with pypdfium2.

Both formats: the text lists the lines in cell order with cool and cold last and the Rx line at the
end «НЕ СОБИРАТЬ», each with its series and expiry; several orders give one section each; an order
whose stock is unknown prints without series.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from pytestqt.qtbot import QtBot

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.pick_list import PickBatch, PickSection, pick_section
from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage
from pharmacy_desk.printing import (
    PICK_A4,
    PICK_FORMATS,
    PICK_ROLL_80,
    PickListFormat,
    export_pick_list_pdf,
    pick_list_pages,
    pick_list_preview_handler,
    print_pick_list,
)
from tests.printing.printing_support import MOSCOW, NUMBER, STORE_NAME, T0, order, read_pdf

pytestmark = pytest.mark.usefixtures("qapp")

# sku → name, cell, storage, dispensing, series
PRODUCTS = {
    "100412": ("Парацетамол таб. 500мг №20", "А1-2", Storage.ROOM, Dispensing.OTC, "PR1123"),
    "100234": ("Нурофен таб. п/о 200мг №20", "А1-10", Storage.ROOM, Dispensing.OTC, "NF2409A"),
    "102220": ("Облепиховые свечи №10", "Х2-01", Storage.COOL, Dispensing.OTC, "OB3301"),
    "102200": ("Виферон супп. рект. 500000МЕ №10", "Х1-01", Storage.COLD, Dispensing.OTC, "VF0725"),
    "100301": ("Амоксиклав таб. 875+125мг №14", "Б1-01", Storage.ROOM, Dispensing.RX, "AMX2311"),
}


def _section() -> PickSection:
    lines = tuple(
        Line(sku=sku, name=name, quantity=2 if sku == "100234" else 1, ordered_quantity=1, price=Decimal("100"))
        for sku, (name, *_rest) in reversed(PRODUCTS.items())  # the order's own order: not the shelf's
    )
    base = order("pickup").model_copy(update={"composition": lines})
    attributes = {sku: ProductAttributes(storage=p[2], dispensing=p[3]) for sku, p in PRODUCTS.items()}
    batches = {
        sku: [PickBatch(series=p[4], expiry=date(2027, 6, 30), quantity=1, location=p[1])]
        for sku, p in PRODUCTS.items()
    }
    batches["100234"].append(PickBatch(series="NF2506D", expiry=date(2028, 3, 31), quantity=1, location="А1-11"))
    return pick_section(base, attributes, batches)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _positions(text: str, *needles: str) -> list[int]:
    found = [text.find(needle) for needle in needles]
    assert all(i >= 0 for i in found), (needles, text)
    return found


def _write(tmp_path: Path, sections: list[PickSection], fmt: PickListFormat) -> str:
    pages = pick_list_pages(sections, fmt, store_name=STORE_NAME, made_at=T0, tz=MOSCOW)
    path = tmp_path / f"pick-{fmt.key}.pdf"
    assert export_pick_list_pdf(sections, pages, fmt, path) == len(pages)
    read = read_pdf(path, dpi=72)
    assert len(read) == len(pages)
    for page in read:
        assert page.width_mm == pytest.approx(fmt.page_w, abs=0.5)
    return _flat(" ".join(page.text for page in read))


@pytest.mark.parametrize("fmt", [PICK_ROLL_80, PICK_A4], ids=["80mm", "a4"])
def test_the_pdf_lists_lines_in_cell_order_cold_last(tmp_path: Path, fmt: PickListFormat) -> None:
    text = _write(tmp_path, [_section()], fmt)
    assert "СБОРОЧНЫЙ ЛИСТ" in text and STORE_NAME in text and "22.11.2026 13:00" in text  # Moscow time
    assert (
        NUMBER in text
        and "H12345678901" in text
        and "САМОВЫВОЗ" in text
        and "срок 13:00–14:00, 22.11" in text.casefold()
    )
    order_on_paper = _positions(text, "PR1123", "NF2409A", "NF2506D", "OB3301", "VF0725", "Амоксиклав")
    assert order_on_paper == sorted(order_on_paper)
    assert text.index("ПРОХЛАДА +8…+15") < text.index("OB3301") < text.index("ХОЛОД +2…+8") < text.index("VF0725")
    assert "НЕ СОБИРАТЬ: рецептурный препарат" in text and "AMX2311" not in text  # never sent to its shelf
    assert "30.06.2027" in text and "31.03.2028" in text  # the expiry of each batch to take
    assert "Позиций: 4, упаковок: 5" in text


@pytest.mark.parametrize("fmt", list(PICK_FORMATS.values()), ids=list(PICK_FORMATS))
def test_several_orders_one_section_each_and_unknown_stock_without_series(tmp_path: Path, fmt: PickListFormat) -> None:
    unknown = pick_section(
        order("by_courier").model_copy(update={"number": "A12-000043"}), {}, None, note="Учёт остатков не подключён"
    )
    text = _write(tmp_path, [_section(), unknown], fmt)
    assert "заказов: 2" in text
    first, second = _positions(text, NUMBER, "A12-000043")
    assert first < second and "ДОСТАВКА" in text[second:]
    tail = text[second:]
    assert "Учёт остатков не подключён" in tail and "Нурофен" in tail and "Аспирин Кардио" in tail
    assert not any(p[4] in tail for p in PRODUCTS.values()) and "серия " not in tail  # no series to take


def test_a4_breaks_long_lists_into_pages_and_the_roll_grows(tmp_path: Path) -> None:
    sections = [_section().model_copy(update={"number": f"A12-0001{i:02d}"}) for i in range(12)]
    a4 = pick_list_pages(sections, PICK_A4, store_name=STORE_NAME, made_at=T0, tz=MOSCOW)
    assert len(a4) > 1 and all(page.height == 297 for page in a4)
    for page in a4:
        assert page.rows[-1][0] + page.rows[-1][1].height <= 297 - PICK_A4.pad_y + 1e-6
        assert not page.rows[-1][1].keep_with_next or page is a4[-1]
    roll = pick_list_pages(sections[:2], PICK_ROLL_80, store_name=STORE_NAME, made_at=T0, tz=MOSCOW)
    one = pick_list_pages(sections[:1], PICK_ROLL_80, store_name=STORE_NAME, made_at=T0, tz=MOSCOW)
    assert len(roll) == 1 and roll[0].height > one[0].height > 80
    text = _write(tmp_path, sections, PICK_A4)
    numbers = _positions(text, *(s.number for s in sections))
    assert numbers == sorted(numbers)


def test_the_printer_and_preview_paint_the_same_pages(tmp_path: Path, qtbot: QtBot) -> None:
    pages = pick_list_pages([_section()], PICK_ROLL_80, store_name=STORE_NAME, made_at=T0, tz=MOSCOW)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    path = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(path))
    assert print_pick_list(pages, PICK_ROLL_80, printer) == 1
    (page,) = read_pdf(path, dpi=72)
    assert page.height_mm == pytest.approx(pages[0].height, abs=0.5) and "VF0725" in _flat(page.text)

    shown = QPrinter(QPrinter.PrinterMode.HighResolution)
    preview = QPrintPreviewWidget(shown)
    qtbot.addWidget(preview)
    preview.paintRequested.connect(pick_list_preview_handler(pages, PICK_ROLL_80))
    preview.updatePreview()
    assert preview.pageCount() == 1
    size = shown.pageLayout().fullRect()  # mm: the roll's width and the list's length, not A4
    assert (round(size.width()), round(size.height())) == (80, round(pages[0].height))
