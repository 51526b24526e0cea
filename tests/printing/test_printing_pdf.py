"""Labels through the printing code path into real PDF files, read back like a person and a scanner would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from pytestqt.qtbot import QtBot

from pharmacy_desk.domain.bag_label import encode_bag_label
from pharmacy_desk.printing import (
    A4,
    FORMATS,
    THERMAL_58,
    LabelFormat,
    export_pdf,
    labels_for_order,
    preview_handler,
    print_labels,
)
from tests.printing.printing_support import CODE, MOSCOW, NUMBER, STORE_NAME, decode, order, read_pdf

pytestmark = pytest.mark.usefixtures("qapp")

PAYLOAD = encode_bag_label("apteka-12", NUMBER)
PAGE_TOLERANCE_MM = 0.5  # PDF page sizes are whole points (0.35 mm)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _check_pickup_pages(path: Path, fmt: LabelFormat, bags: int) -> None:
    pages = read_pdf(path)
    assert len(pages) == -(-bags // fmt.per_page)
    for page in pages:
        assert page.width_mm == pytest.approx(fmt.page_w, abs=PAGE_TOLERANCE_MM)
        assert page.height_mm == pytest.approx(fmt.page_h, abs=PAGE_TOLERANCE_MM)
    on_paper = [decode(page.image) for page in pages]
    assert [payload for seen in on_paper for payload in seen["QRCode"]] == [PAYLOAD] * bags
    assert [number for seen in on_paper for number in seen["Code128"]] == [NUMBER] * bags
    text = _flat(" ".join(page.text for page in pages))
    for expected in (STORE_NAME, NUMBER, "САМОВЫВОЗ", "ЗАКАЗ 0042", "Купер: H12345678901", "Клиент: А. П."):
        assert expected in text
    # the customer's pickup code is on no label: not in its text, not in any barcode
    assert CODE not in text and "КОД" not in text
    assert all(CODE not in payload for seen in on_paper for codes in seen.values() for payload in codes)
    assert "Упаковок в заказе: 3" in text and "Срок: 22.11 13:00–14:00" in text
    for k in range(1, bags + 1):
        assert f"{k} из {bags}" in text


@pytest.mark.parametrize("fmt", FORMATS.values(), ids=FORMATS.keys())
def test_pickup_labels_to_pdf(fmt: LabelFormat, tmp_path: Path) -> None:
    path = tmp_path / f"labels-{fmt.key}.pdf"
    pages = export_pdf(labels_for_order(order("pickup"), STORE_NAME, bags=2, tz=MOSCOW), fmt, path)

    assert path.is_file() and pages == (2 if fmt.per_page == 1 else 1)
    _check_pickup_pages(path, fmt, bags=2)
    assert b"DejaVuSans" in path.read_bytes()  # the Cyrillic font is embedded, not substituted


@pytest.mark.parametrize("fmt", [THERMAL_58, A4], ids=["58mm", "a4"])
def test_print_labels_on_a_qprinter(fmt: LabelFormat, tmp_path: Path) -> None:
    """The printer path proper: a QPrinter writing PDF, so the test sees what a printer gets."""
    path = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))

    assert print_labels(labels_for_order(order("pickup"), STORE_NAME, bags=2, tz=MOSCOW), fmt, printer) >= 1
    _check_pickup_pages(path, fmt, bags=2)


def test_a4_starts_a_new_sheet_after_six(tmp_path: Path) -> None:
    path = tmp_path / "sheet.pdf"
    assert export_pdf(labels_for_order(order("pickup"), STORE_NAME, bags=7), A4, path) == 2
    pages = read_pdf(path, dpi=150)
    assert [len(decode(page.image)["QRCode"]) for page in pages] == [6, 1]


def test_delivery_label_shows_the_due_time_instead_of_a_code(tmp_path: Path) -> None:
    path = tmp_path / "delivery.pdf"
    export_pdf(labels_for_order(order("by_courier"), STORE_NAME, tz=MOSCOW), THERMAL_58, path)
    (page,) = read_pdf(path)
    text = _flat(page.text)
    assert "ДОСТАВКА" in text and "СРОК" in text and "14:00" in text
    assert "КОД" not in text and "из" not in text.split()
    assert decode(page.image) == {"Code128": [NUMBER], "QRCode": [PAYLOAD]}


def test_the_shelf_cell_is_printed_big(tmp_path: Path) -> None:
    path = tmp_path / "cell.pdf"
    export_pdf(labels_for_order(order("pickup"), STORE_NAME, shelf_cells=40), THERMAL_58, path)
    (page,) = read_pdf(path)
    text = _flat(page.text)
    assert "ЯЧЕЙКА 03" in text and CODE not in text
    assert decode(page.image)["QRCode"] == [PAYLOAD]


def test_no_labels_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        export_pdf([], THERMAL_58, tmp_path / "empty.pdf")


def test_preview_paints_through_print_labels(qtbot: QtBot) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    preview = QPrintPreviewWidget(printer)
    qtbot.addWidget(preview)
    preview.paintRequested.connect(preview_handler(labels_for_order(order(), STORE_NAME, bags=3), THERMAL_58))

    preview.updatePreview()

    assert preview.pageCount() == 3
    size = printer.pageLayout().fullRect()  # mm: the thermal page, not the default A4/Letter
    assert (round(size.width()), round(size.height())) == (58, 80)


def _char_height(path: Path, word: str) -> float:
    """The printed height (pt) of ``word``'s first letter on the first page, as PDFium measures it."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    doc = pdfium.PdfDocument(str(path))
    try:
        textpage = doc[0].get_textpage()
        found = textpage.search(word).get_next()
        assert found is not None, word
        _, bottom, _, top = textpage.get_charbox(found[0])
        return float(top - bottom)
    finally:
        doc.close()


@pytest.mark.parametrize(
    ("flag", "printed"), [("cold_chain", "ХОЛОД +2…+8"), ("cool_chain", "ПРОХЛАДА +8…+15")], ids=["cold", "cool"]
)
@pytest.mark.parametrize("fmt", FORMATS.values(), ids=FORMATS.keys())
def test_a_cold_chain_label_prints_the_condition_big(fmt: LabelFormat, flag: str, printed: str, tmp_path: Path) -> None:
    cold = order("by_courier").model_copy(update={"flags": (flag,)})
    path = tmp_path / f"{flag}-{fmt.key}.pdf"
    export_pdf(labels_for_order(cold, STORE_NAME, tz=MOSCOW), fmt, path)
    (page,) = read_pdf(path)[:1]
    text = _flat(page.text)
    assert printed in text and "ДОСТАВКА" in text and "Купер: H12345678901" in text
    assert _char_height(path, printed.split()[0]) > 1.3 * _char_height(path, "Купер")  # big, not a detail line
    assert decode(page.image) == {"Code128": [NUMBER], "QRCode": [PAYLOAD]}  # the smaller QR still scans


def test_a_room_temperature_label_says_nothing_of_cold(tmp_path: Path) -> None:
    path = tmp_path / "room.pdf"
    export_pdf(labels_for_order(order("by_courier"), STORE_NAME, tz=MOSCOW), THERMAL_58, path)
    text = _flat(read_pdf(path)[0].text)
    assert "ХОЛОД" not in text and "ПРОХЛАДА" not in text
