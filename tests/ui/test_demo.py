"""``pharmacy-desk --demo``: generated orders in the queue, a pickup order assembled with the virtual scanner
and handed over to the simulated customer, and a clean shutdown (in-process, then the real command)."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
from pathlib import Path

from pharmacy_desk.demo.app import DemoDesk, open_demo_desk
from pharmacy_desk.demo.environment import DemoEnvironment, DemoSettings
from pharmacy_desk.demo.packs import PackKind, SamplePack
from pharmacy_desk.desk.assembly_feedback import FeedbackCode, ScanFeedback
from pharmacy_desk.domain import Flow, OrderState
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from tests.support import eventually
from tests.ui.ui_support import RecordingPlayer, activate, check_fits, settle

ROOT = Path(__file__).resolve().parents[2]


async def scan(demo: DemoDesk, pack: SamplePack) -> ScanFeedback:
    """The virtual scanner "scans" ``pack`` (keystrokes through the scanner filter); the assembly's answer."""
    view = demo.window.assembly
    before = view.last_feedback
    assert demo.scanner.scan(pack)
    await eventually(lambda: view.last_feedback is not before)
    feedback = view.last_feedback
    assert feedback is not None
    if feedback.code is FeedbackCode.SERIES_NEEDED:  # the pharmacist presses the number of the pack's series
        choices = [batch.series for batch in feedback.series_choices]
        assert pack.series in choices
        assert view.choose_series(choices.index(pack.series) + 1)
        feedback = view.last_feedback
        assert feedback is not None
    return feedback


async def test_the_demo_shows_orders_assembles_one_with_the_virtual_scanner_and_stops(
    scanner: ScannerFilter, tmp_path: Path
) -> None:
    settings = DemoSettings(rate=12, pace=0.5, seed=11, workdir=None)
    async with (
        DemoEnvironment(settings) as env,
        open_demo_desk(env, scanner, player=RecordingPlayer(), use_tray=False) as demo,
    ):
        workdir = env.workdir
        assert workdir is not None and workdir.is_dir() and env.stock_loaded
        # the feed catches up with the stock import: the fake Kuper gets the sample stock
        await eventually(lambda: len(env.stub.content.stocks_of(settings.store)) > 0, timeout=15)
        window, book = demo.window, demo.service.book
        window.show()
        window.resize(1366, 768)
        await activate(window)
        assert window.windowTitle().endswith("— демо") and window.banners.get("demo") is not None
        await eventually(lambda: len(book) >= 2, timeout=15)
        await settle()
        check_fits(window, (1366, 768))  # the virtual scanner dock is a share of the screen, not extra width
        assert demo.scanner.width() < 400 and demo.scanner.isVisible()
        pickup = next(s for s in book.orders() if s.flow is Flow.PICKUP)
        number = pickup.number

        await window.open_order(number)
        await eventually(lambda: demo.scanner.order is not None and demo.scanner.order.number == number)
        assert window.assembly.number == number
        await window.assembly.do_start()
        await eventually(lambda: book.get(number).state is OrderState.COLLECTING)  # type: ignore[union-attr]

        packs = demo.scanner.packs
        wrong = {pack.kind: pack for pack in packs if pack.wrong}
        assert (await scan(demo, wrong[PackKind.GARBAGE])).code is FeedbackCode.GARBAGE
        assert (await scan(demo, wrong[PackKind.NOT_IN_ORDER])).code is FeedbackCode.NOT_IN_ORDER
        if PackKind.EXPIRED in wrong:
            assert (await scan(demo, wrong[PackKind.EXPIRED])).code is FeedbackCode.EXPIRED
        for pack in packs:
            if pack.kind in (PackKind.MARKED, PackKind.EAN):
                feedback = await scan(demo, pack)
                assert feedback.ok and feedback.code is FeedbackCode.OK, feedback.message
        assert window.assembly.session is not None and window.assembly.session.complete

        await window.assembly.do_assembled()
        await eventually(lambda: book.get(number).state is OrderState.ASSEMBLED)  # type: ignore[union-attr]
        await window.assembly.do_ready()
        await eventually(lambda: book.get(number).state is OrderState.AWAITING_PICKUP)  # type: ignore[union-attr]

        # the customer comes: the bag's label, the code from Kuper's app, a card payment
        handover = demo.tools.handover
        label = next(pack for pack in demo.scanner.packs if pack.kind is PackKind.BAG_LABEL)
        assert demo.scanner.scan(label)
        await eventually(lambda: handover.number == number and handover.isVisible())
        await eventually(lambda: demo.scanner.say_code.isVisible() and demo.scanner.code_now() is not None)
        assert await demo.scanner.say()
        await eventually(lambda: handover.session is not None and handover.session.verified)
        await eventually(lambda: handover.flow is not None and handover.flow.codes_checked and not handover.working)
        handover.take_payment("card")
        await handover.do_hand_over()  # F9: the receipt through the simulated register, then the hand-over
        await eventually(lambda: book.get(number).state is OrderState.SHIPPED)  # type: ignore[union-attr]
        order = await demo.service.order_detail(number, refresh=True)
        (printed,) = env.register.receipts_for(kind="sell")
        (receipt,) = order.receipts
        assert receipt.number == printed.number and sorted(receipt.marking_codes) == sorted(printed.codes)
        assert printed.codes and all(a.startswith("UUID=") for a in printed.industry_attributes)
        # the order's detail shows the receipt as a picture of the paper
        opening = asyncio.ensure_future(demo.tools.open_detail(number))
        await eventually(
            lambda: demo.tools.detail_dialog is not None and len(demo.tools.detail_dialog.receipt_pictures) == 1
        )
        dialog = demo.tools.detail_dialog
        assert dialog is not None
        picture = dialog.receipt_pictures[0].pixmap()
        assert not picture.isNull() and picture.width() == 320 and picture.height() > 300
        dialog.reject()
        await opening
        await eventually(lambda: env.notifications_for(order)[-1:] == ["order.delivered"])
        assert env.notifications_for(order) == [
            "order.in_work",
            "order.assembled",
            "order.ready_for_delivery",
            "order.pickup_code_created",
            "order.delivered",
        ]
        assert env.generator is not None and env.generator.created >= 2
    assert not workdir.exists()  # the temporary directory went with the demo


def test_pharmacy_desk_demo_starts_and_quits_by_itself(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmp_path),
        "PHARMACY_DESK_LOG_DIR": str(tmp_path / "logs"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pharmacy_desk.counter_cli", "--demo", "--demo-exit-after", "4", "--demo-rate", "30"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pharmacy-desk demo: relay http://127.0.0.1:" in done.stdout
    assert "Traceback" not in done.stderr and "Task was destroyed" not in done.stderr
    assert not list(tmp_path.glob("pharmacy-desk-demo-*"))  # the temporary directory is gone
    # nothing of the user's settings was touched (the sound library's own runtime link, libpulse's
    # ``pulse/<machine-id>-runtime``, is the system's: Qt Multimedia connects to the sound server)
    config = tmp_path / "config"
    left = sorted(p.name for p in config.iterdir()) if config.exists() else []
    assert left in ([], ["pulse"]), left


def test_sigterm_stops_the_demo(tmp_path: Path) -> None:
    """A session ending (SIGTERM) closes the window, the desk and the embedded relay like a click on close."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmp_path),
        "PHARMACY_DESK_LOG_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "pharmacy_desk.counter_cli", "--demo"]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "the demo did not start"
        assert process.stdout.readline().startswith(b"pharmacy-desk demo:")
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr.decode()[-3000:]
    assert b"Traceback" not in stderr
    assert not list(tmp_path.glob("pharmacy-desk-demo-*"))
