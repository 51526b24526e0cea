"""Bag labels from the counter app: through Qt's print path into a PDF that reads back (QR, code, texts), the
print recorded on the order, the preview, auto-print on "ready", the label settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QApplication

from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.desk.settings import DeskSettings, LabelSettings, SettingsFile
from pharmacy_desk.domain import Assembled, FinalLine, StartAssembly
from pharmacy_desk.domain.bag_label import encode_bag_label
from pharmacy_desk.domain.pickup_codes import AuditKind
from pharmacy_desk.ui.label_printing import LabelSettingsDialog
from tests.desk.desk_support import STORE, marking_code
from tests.printing.printing_support import decode, read_pdf
from tests.support import eventually
from tests.ui.handover_support import make_ready, tools
from tests.ui.ui_support import Live, activate


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


async def test_a_printed_label_reads_back_and_the_print_is_recorded(live: Callable[[], Live], tmp_path: Path) -> None:
    async with live() as env:
        desk = await env.open_desk("Касса 1", operator="Иванова")
        number, order = await make_ready(desk, env)
        assert order.pickup is not None
        labels = tools(desk).labels
        labels.apply(LabelSettings(format="80mm", store_name="Аптека №12 на Ленина"))
        path = tmp_path / "printed.pdf"

        assert await labels.print_order(order, pdf_printer(path))  # the printing code path, on a PDF printer

        (page,) = read_pdf(path)
        assert page.width_mm == pytest.approx(80, abs=0.5) and page.height_mm == pytest.approx(100, abs=0.5)
        assert decode(page.image)["QRCode"] == [encode_bag_label(STORE, number)]
        assert decode(page.image)["Code128"] == [number]
        text = " ".join(page.text.split())
        assert "Аптека №12 на Ленина" in text and number in text
        # no secret on paper: the label has no pickup code (the desk never even receives it)
        assert "КОД ВЫДАЧИ" not in text and "pickup" not in repr(decode(page.image)).lower()
        assert desk.window.status.currentMessage() == f"Этикетка {number} напечатана"
        detail = await desk.service.order_record(number)
        printed = [a for a in detail.history.actions if a.kind == "label_printed"]
        assert len(printed) == 1 and printed[0].device_name == "Касса 1" and printed[0].operator == "Иванова"
        audit = [entry for entry in detail.order.audit if entry.kind is AuditKind.PRINTED]
        assert len(audit) == 1 and audit[0].actor == "Касса 1 (Иванова)"


async def test_the_preview_paints_the_label_and_closing_it_prints_nothing(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        number, _ = await make_ready(desk, env, "delivery")
        order_tools = tools(desk)
        await activate(desk.window)
        desk.window.queue.select(number)
        assert order_tools.actions["label"].shortcut().toString() == "Ctrl+P"
        order_tools.actions["label"].trigger()
        await eventually(lambda: order_tools.labels.preview_dialog is not None)
        dialog = order_tools.labels.preview_dialog
        assert isinstance(dialog, QPrintPreviewDialog)
        assert dialog.windowTitle() == f"Этикетка пакета {number} — Термолента 58 мм"
        preview = dialog.findChild(QPrintPreviewWidget)
        assert preview is not None
        await eventually(lambda: preview.pageCount() == 1)
        dialog.reject()
        await eventually(lambda: order_tools.labels.preview_dialog is None)
        detail = await desk.service.order_record(number)
        assert not [a for a in detail.history.actions if a.kind == "label_printed"]


async def test_auto_print_when_this_pc_makes_the_order_ready(live: Callable[[], Live], tmp_path: Path) -> None:
    async with live() as env:
        desk = await env.open_desk()
        number = await env.relay.create_order("pickup")
        await eventually(lambda: number in desk.service.book)
        service = desk.service
        assert isinstance(await service.act(number, StartAssembly()), Accepted)
        codes = tuple(marking_code(f"SERIALAUTO{i:03d}") for i in range(2))
        assembled = Assembled(composition=(FinalLine(sku="100234", quantity=2, marking_codes=codes),))
        assert isinstance(await service.act(number, assembled), Accepted)
        labels = tools(desk).labels
        path = tmp_path / "auto.pdf"
        labels.printer = lambda: pdf_printer(path)  # type: ignore[method-assign]  # the PC's printer, as a PDF
        labels.apply(LabelSettings(auto_print=True, printer="Этикетки"))  # a printer is configured

        await desk.window.open_order(number)
        await eventually(lambda: desk.window.assembly.number == number)
        await desk.window.assembly.do_ready()  # F9
        await eventually(lambda: path.exists() and path.stat().st_size > 0)
        (page,) = read_pdf(path)
        assert decode(page.image)["QRCode"] == [encode_bag_label(STORE, number)]
        await eventually(lambda: desk.window.status.currentMessage() == f"Этикетка {number} напечатана")
        detail = await service.order_record(number)
        assert [a.kind for a in detail.history.actions][-2:] == ["ready", "label_printed"]


async def test_label_settings_are_chosen_and_saved(live: Callable[[], Live], tmp_path: Path) -> None:
    async with live() as env:
        desk = await env.open_desk()
        order_tools = tools(desk)
        settings_file = SettingsFile(tmp_path / "desk.json")
        order_tools.labels.set_saver(
            lambda labels: settings_file.save(desk.service.settings.model_copy(update={"labels": labels}))
        )
        order_tools.actions["settings"].trigger()
        await eventually(lambda: isinstance(QApplication.activeModalWidget(), LabelSettingsDialog))
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LabelSettingsDialog)
        titles = [dialog.format.itemText(i) for i in range(dialog.format.count())]
        assert titles == ["Термолента 58 мм", "Термолента 80 мм", "A4, 6 этикеток"]
        dialog.format.setCurrentIndex(2)
        dialog.auto_print.setChecked(True)
        dialog.store_name.setText("Аптека №12")
        dialog.accept()

        await eventually(lambda: order_tools.labels.settings.format == "a4")
        assert order_tools.labels.format.key == "a4" and order_tools.labels.settings.auto_print
        saved: DeskSettings = settings_file.load()
        assert saved.labels == LabelSettings(format="a4", auto_print=True, store_name="Аптека №12")

        number, order = await make_ready(desk, env)
        path = tmp_path / "sheet.pdf"
        assert order_tools.labels.export_pdf(order, path) == 1
        (page,) = read_pdf(path)
        assert page.width_mm == pytest.approx(210, abs=0.5) and page.height_mm == pytest.approx(297, abs=0.5)
        assert decode(page.image)["QRCode"] == [encode_bag_label(STORE, number)]
