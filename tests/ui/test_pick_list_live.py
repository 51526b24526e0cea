"""The pick list from the counter app against a real relay (issue 14, item 6): Ctrl+L in the queue prints
one section per selected order, on the assembly screen the open order's; the preview paints the pages,
the PDF reads back in cell order with the cold line last; an unknown order says so in the status bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from pharmacy_desk.desk.settings import LabelSettings
from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage
from pharmacy_desk.inventory.embedded import StockRow, import_rows
from pharmacy_desk.ui.pick_list_printing import PickListPrinting
from tests.desk.desk_support import STORE, position
from tests.printing.printing_support import read_pdf
from tests.support import eventually
from tests.ui.handover_support import tools
from tests.ui.ui_support import ASPIRIN_SKU, NUROFEN_SKU, Desk, Live, activate, press

ROOM = ProductAttributes(dispensing=Dispensing.OTC, storage=Storage.ROOM)
COLD = ProductAttributes(dispensing=Dispensing.OTC, storage=Storage.COLD)
NUROFEN = "Нурофен таб. п/о 200мг №20"
VIFERON = "Виферон супп. №10"  # the test catalogue's second SKU, kept cold here


async def _stock(env: Live) -> None:
    expiry = dt.date.today() + dt.timedelta(days=400)
    rows = [
        StockRow(2, NUROFEN_SKU, NUROFEN, "04600714356057", "NF-EARLY", expiry, 9, "А1-10", ROOM),
        StockRow(3, ASPIRIN_SKU, VIFERON, None, "VF-0725", expiry, 9, "Х1-01", COLD),
    ]
    await import_rows(env.relay.state.engine, STORE, rows)


async def _orders(env: Live, desk: Desk) -> tuple[str, str]:
    both = [position(ASPIRIN_SKU, VIFERON, 1, "599.00"), position(NUROFEN_SKU, NUROFEN, 2, "199.99")]
    first = await env.relay.create_order(positions=both, total={"totalPrice": "998.98"})
    second = await env.relay.create_order("pickup")
    await eventually(lambda: first in desk.number_rows and second in desk.number_rows)
    return first, second


async def _ctrl_l(desk: Desk) -> QPrintPreviewDialog:
    pick_lists = tools(desk).pick_lists
    await activate(desk.window)
    QTest.keyClick(QApplication.focusWidget() or desk.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    await eventually(lambda: pick_lists.preview_dialog is not None)
    dialog = pick_lists.preview_dialog
    assert isinstance(dialog, QPrintPreviewDialog)
    preview = dialog.findChild(QPrintPreviewWidget)
    assert preview is not None
    await eventually(lambda: preview.pageCount() >= 1)
    return dialog


def _pdf_text(pick_lists: PickListPrinting, tmp_path: Path) -> str:
    assert pick_lists.last is not None
    path = tmp_path / "pick.pdf"
    pick_lists.export_pdf(pick_lists.last, path)
    return " ".join(" ".join(page.text for page in read_pdf(path, dpi=72)).split())


async def test_ctrl_l_in_the_queue_prints_every_selected_order(live: Callable[[], Live], tmp_path: Path) -> None:
    async with live() as env:
        await _stock(env)
        desk = await env.open_desk()
        first, second = await _orders(env, desk)
        queue = desk.window.queue
        order_tools = tools(desk)
        assert order_tools.actions["pick_list"].shortcut().toString() == "Ctrl+L"
        assert queue.select(first)
        row = queue.proxy.mapFromSource(queue.model.index(queue.model.row_of(second) or 0, 0))
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        queue.table.selectionModel().select(row, flags)  # Ctrl+click: both orders selected
        queue.table.setFocus()
        assert sorted(queue.selected_numbers()) == sorted([first, second])

        dialog = await _ctrl_l(desk)
        pick_lists = order_tools.pick_lists
        assert pick_lists.last is not None
        assert sorted(s.number for s in pick_lists.last.sections) == sorted([first, second])
        assert dialog.windowTitle().startswith("Сборочный лист ") and dialog.windowTitle().endswith("Термолента 80 мм")
        dialog.reject()
        await eventually(lambda: pick_lists.preview_dialog is None)

        text = _pdf_text(pick_lists, tmp_path)
        section = text[text.index(first) :]
        assert section.index("А1-10") < section.index("NF-EARLY") < section.index("ХОЛОД +2…+8")
        assert section.index("ХОЛОД +2…+8") < section.index("Х1-01") < section.index("VF-0725")
        assert second in text and "заказов: 2" in text


async def test_ctrl_l_on_the_assembly_screen_prints_the_open_order_in_a4(
    live: Callable[[], Live], tmp_path: Path
) -> None:
    async with live() as env:
        await _stock(env)
        desk = await env.open_desk()
        first, second = await _orders(env, desk)
        order_tools = tools(desk)
        order_tools.labels.apply(LabelSettings(pick_list_format="a4"))
        await activate(desk.window)
        assert desk.window.queue.select(first)
        desk.window.queue.table.setFocus()
        await press(desk.window, Qt.Key.Key_Return)
        await eventually(lambda: desk.window.assembly.number == first and desk.window.assembling)

        dialog = await _ctrl_l(desk)
        pick_lists = order_tools.pick_lists
        assert pick_lists.last is not None and [s.number for s in pick_lists.last.sections] == [first]
        assert dialog.windowTitle() == f"Сборочный лист {first} — A4"
        dialog.reject()
        await eventually(lambda: pick_lists.preview_dialog is None)
        (page,) = read_pdf(_write(pick_lists, tmp_path), dpi=72)
        assert round(page.width_mm) == 210 and round(page.height_mm) == 297
        text = " ".join(page.text.split())
        assert text.index(NUROFEN) < text.index(VIFERON) and second not in text


def _write(pick_lists: PickListPrinting, tmp_path: Path) -> Path:
    assert pick_lists.last is not None
    path = tmp_path / "a4.pdf"
    pick_lists.export_pdf(pick_lists.last, path)
    return path


async def test_an_unknown_order_is_named_and_nothing_opens(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        pick_lists = tools(desk).pick_lists
        assert not await pick_lists.preview(["A12-999999"], desk.window)
        assert pick_lists.preview_dialog is None
        assert desk.window.status.currentMessage() == (
            "Сборочный лист не получен: Заказ A12-999999 не найден: сборочный лист не напечатан"
        )
        assert not await pick_lists.preview([], desk.window)
        assert desk.window.status.currentMessage() == "Сначала выберите заказ"


async def test_ctrl_shift_l_saves_the_pick_list_where_the_pharmacist_says(
    live: Callable[[], Live], tmp_path: Path
) -> None:
    async with live() as env:
        await _stock(env)
        desk = await env.open_desk()
        first, _ = await _orders(env, desk)
        assert desk.window.queue.select(first)
        desk.window.queue.table.setFocus()
        await activate(desk.window)
        modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        QTest.keyClick(QApplication.focusWidget() or desk.window, Qt.Key.Key_L, modifiers)

        def chooser() -> QFileDialog | None:
            found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
            return found[0] if found else None

        await eventually(lambda: chooser() is not None)
        dialog = chooser()
        assert dialog is not None and dialog.windowTitle() == "Сохранить сборочный лист в PDF"
        assert Path(dialog.selectedFiles()[0]).name == f"pick-list-{first}.pdf"
        dialog.setDirectory(str(tmp_path))
        name = dialog.findChild(QLineEdit, "fileNameEdit")  # what the pharmacist types (Qt's own dialog)
        assert name is not None
        name.setText("smena")  # the suffix is added
        dialog.accept()
        saved = tmp_path / "smena.pdf"
        await eventually(lambda: saved.exists())
        assert desk.window.statusBar().currentMessage() == f"Сборочный лист сохранён: {saved}"
        text = " ".join(" ".join(page.text for page in read_pdf(saved, dpi=72)).split())
        assert text.index("NF-EARLY") < text.index("ХОЛОД +2…+8") < text.index("VF-0725")
