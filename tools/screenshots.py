"""Screenshots of the real counter app on demo data, for the README (``docs/screenshots/*.png``), each at
1366×768, the most common store-PC screen (the order detail as it opens over that window).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Runs what ``pharmacy-desk --demo`` runs (embedded relay, simulated Kuper, sample stock, the main window
with the virtual scanner), offscreen, in Russian, and walks through both flows like a pharmacist: the
queue; a pickup order assembled with the virtual scanner (one wrong pack refused); its bag label
(the printing code path, drawn at 300 dpi); the customer at the counter (code checked, payment
taken); a delivery order's detail once Kuper's courier delivered it. Each screen is ``QWidget.grab()``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QPixmap

from pharmacy_desk.demo.app import DemoDesk, open_demo_desk
from pharmacy_desk.demo.environment import DemoEnvironment, DemoSettings
from pharmacy_desk.demo.packs import PackKind, SamplePack, sample_packs
from pharmacy_desk.desk.assembly_feedback import FeedbackCode
from pharmacy_desk.domain import Assembled, FinalLine, Flow, OrderState, Ready, StartAssembly
from pharmacy_desk.kuper import ShipmentMethod
from pharmacy_desk.ui.app import make_application
from pharmacy_desk.ui.i18n import install_translators
from pharmacy_desk.ui.qt_async import event_loop
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from pharmacy_desk.ui.sounds import SilentPlayer

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1366, 768)  # the most common store-PC screen: every screen is laid out for it first


async def until(check: Callable[[], object], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


def save(pixmap: QPixmap, path: Path) -> None:
    if not pixmap.save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {pixmap.width()}×{pixmap.height()}")


async def scan(demo: DemoDesk, pack: SamplePack) -> None:
    view = demo.window.assembly
    before = view.last_feedback
    demo.scanner.scan(pack)
    await until(lambda: view.last_feedback is not before)
    feedback = view.last_feedback
    if feedback is not None and feedback.code is FeedbackCode.SERIES_NEEDED:
        choices = [batch.series for batch in feedback.series_choices]
        view.choose_series(choices.index(pack.series) + 1 if pack.series in choices else len(choices))


async def pickup_flow(demo: DemoDesk, out: Path) -> None:
    window, book = demo.window, demo.service.book
    number = next(s.number for s in book.orders() if s.flow is Flow.PICKUP and s.state is OrderState.NEW)
    await window.open_order(number)
    await until(lambda: demo.scanner.order is not None and demo.scanner.order.number == number)
    packs = [p for p in demo.scanner.packs if p.kind in (PackKind.MARKED, PackKind.EAN)]
    for pack in packs[:-1]:
        await scan(demo, pack)
    wrong = next(p for p in demo.scanner.packs if p.kind is PackKind.NOT_IN_ORDER)
    await scan(demo, wrong)
    demo.scanner.list.setCurrentRow(demo.scanner.packs.index(wrong))
    save(window.grab(), out / "assembly.png")

    await scan(demo, packs[-1])
    await window.assembly.do_assembled()
    await until(lambda: book.get(number) is not None and book.get(number).state is OrderState.ASSEMBLED)  # type: ignore[union-attr]
    await window.assembly.do_ready()
    await until(lambda: book.get(number) is not None and book.get(number).state is OrderState.AWAITING_PICKUP)  # type: ignore[union-attr]
    order = await demo.service.order_detail(number, refresh=True)
    demo.tools.labels.image(order, dpi=300).save(str(out / "label.png"))
    print(f"docs/screenshots/label.png: the label of {number} at 300 dpi")

    handover = demo.tools.handover
    demo.scanner.scan(next(p for p in demo.scanner.packs if p.kind is PackKind.BAG_LABEL))
    await until(lambda: handover.number == number)
    await until(lambda: demo.scanner.code_now() is not None)
    await demo.scanner.say()
    await until(lambda: handover.session is not None and handover.session.verified)
    await until(lambda: handover.flow is not None and handover.flow.codes_checked and not handover.working)
    handover.take_payment("card")
    save(window.grab(), out / "handover.png")
    await handover.do_hand_over()
    await until(lambda: book.get(number) is not None and book.get(number).state is OrderState.SHIPPED)  # type: ignore[union-attr]


async def delivery_detail(demo: DemoDesk, out: Path) -> None:
    """A delivery order whose "ready" Kuper refuses (422): the detail shows Kuper's words and Retry."""
    service, book, stub = demo.service, demo.service.book, demo.env.stub
    number = next(s.number for s in book.orders() if s.flow is Flow.DELIVERY and s.state is OrderState.NEW)
    await service.act(number, StartAssembly())
    order = await service.order_detail(number, refresh=True)
    packs = sample_packs(order, demo.env.catalogue)
    composition = tuple(
        FinalLine(
            sku=line.sku,
            quantity=line.ordered_quantity,
            marking_codes=tuple(p.text for p in packs if p.sku == line.sku and p.kind is PackKind.MARKED),
        )
        for line in order.ordered
    )
    await service.act(number, Assembled(composition=composition))
    await until(lambda: "order.assembled" in demo.env.notifications_for(order))
    with contextlib.suppress(TimeoutError):  # Kuper assigns a courier to most delivery orders, not all
        await until(lambda: book.get(number) is not None and book.get(number).courier is not None, timeout=10)  # type: ignore[union-attr]
    stub.storm(422, orders=[order.kuper_id])  # Kuper refuses the final composition
    await service.act(number, Ready())

    async def refused() -> bool:
        detail = await service.order_record(number)
        return any(n.status == "failed" for n in detail.history.notifications)

    async with asyncio.timeout(30):
        while not await refused():
            await asyncio.sleep(0.2)
    task = asyncio.ensure_future(demo.tools.open_detail(number))
    await until(lambda: demo.tools.detail_dialog is not None and demo.tools.detail_dialog.detail is not None)
    dialog = demo.tools.detail_dialog
    assert dialog is not None
    dialog.fit_to(demo.window)  # as it opens over a 1366×768 window
    row = next(i for i, entry in enumerate(dialog.history.entries) if entry.retryable)
    dialog.select_row(row)
    await asyncio.sleep(0.5)  # the courier's photo: loaded, or the initials when offline
    save(dialog.grab(), out / "order_detail.png")
    stub.calm()
    await dialog.do_retry()
    await until(lambda: book.get(number) is not None and book.get(number).state is OrderState.SHIPPED, timeout=60)  # type: ignore[union-attr]
    dialog.reject()
    await task


async def shoot(out: Path, scanner: ScannerFilter) -> None:
    settings = DemoSettings(
        rate=20,
        pace=0.4,
        seed=5,
        first_flows=(
            ShipmentMethod.PICKUP,
            ShipmentMethod.BY_COURIER,
            ShipmentMethod.PICKUP,
            ShipmentMethod.BY_COURIER,
        ),
    )
    async with (
        DemoEnvironment(settings) as env,
        open_demo_desk(env, scanner, player=SilentPlayer(), use_tray=False) as demo,
    ):
        window = demo.window
        window.resize(*SIZE)
        window.show()
        await until(lambda: len(demo.service.book) >= 5)
        await asyncio.sleep(0.3)
        save(window.grab(), out / "queue.png")
        await pickup_flow(demo, out)
        await delivery_detail(demo, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = make_application([sys.argv[0]])
    translators = install_translators(app, "ru")
    scanner = ScannerFilter(app)
    scanner.install(app)
    loop = event_loop(app)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(shoot(args.out.resolve(), scanner))
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        scanner.uninstall(app)
        for translator in translators:
            app.removeTranslator(translator)
        loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
