"""Benchmark: the counter app's cold start, memory, queue updates and scan feedback.

::

    .venv/bin/python bench/desk.py [--start-orders 200] [--orders 5000] [--updates 300] [--scans 200] [--runs 3]

Offscreen Qt (``QT_QPA_PLATFORM=offscreen`` unless set), the real widgets and desk services throughout:

1. *cold start → first painted queue*: a relay process (``pharmacy-desk-relay serve`` on a temporary
   SQLite database) gets ``--start-orders`` orders through its webhook; then, ``--runs`` times, a fresh
   Python process starts the app the way ``pharmacy-desk`` does (QApplication, translations, scanner
   filter, qasync loop, settings file, token from ``PHARMACY_DESK_TOKEN_FILE``, DeskService, main
   window) and reports when the queue's table has painted all the orders. Measured from just before the
   process is spawned to just after that paint (same clock).
2. *peak memory*: the process of 3 and 4 (``--orders`` orders in the book, the main window shown on the
   "All" tab, the updates and the scans done): ``ru_maxrss`` (the whole process: Qt, fonts, Python) at
   the end; and the ``tracemalloc`` peak (Python objects) of the same work in a second process (tracing
   slows it and inflates its RSS, so it is not the one timed).
3. *one update in a queue of ``--orders``*: a newer summary of a random order applied to the order
   book — the real path: book hook → Qt bridge → table model (``dataChanged``) → filter proxy → view,
   then the visible rows repainted (``repaint()``: painted now, in the same call). Two kinds: *in
   place* (a new state and courier: under the default due-time sort the row keeps its place; the tab
   counts, the bell and the proxy's filter follow) and *moving* (a new due time: the row moves,
   ``beginMoveRows``, and the proxy re-filters). Median, p95, max.
4. *scan → feedback*: on the assembly screen, a wedge scanner's burst of a marking code (85 key presses
   with Shift/Ctrl as scanners send them) then Enter; from the Enter key event to the feedback shown
   (scanner filter → detector → main window → AssemblySession.scan → lines model → label, repaint
   repainted). Every fifth scan repeats a pack (a loud refusal). Also the whole burst's time.

Targets: cold start ≤ 1.5 s, peak memory ≤ 250 MB, update and scan feedback ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve()
STORE = "apteka-sim"
TARGETS = {"cold_start_s": 1.5, "peak_memory_mb": 250.0, "update_ms": 50.0, "scan_ms": 50.0}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary_ms(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"median": statistics.median(ms), "p95": percentile(ms, 0.95), "max": max(ms)}


# --- child: cold start ---------------------------------------------------------------------------------


def child_cold(settings_path: Path, expected: int) -> None:
    import asyncio

    from PySide6.QtCore import QEvent, QObject, QTimer

    from pharmacy_desk.desk.qt_bridge import DeskBridge
    from pharmacy_desk.desk.service import DeskService
    from pharmacy_desk.desk.settings import SettingsFile
    from pharmacy_desk.ui.app import connection, make_application
    from pharmacy_desk.ui.i18n import install_translators
    from pharmacy_desk.ui.main_window import MainWindow
    from pharmacy_desk.ui.qt_async import event_loop
    from pharmacy_desk.ui.scanner_filter import ScannerFilter
    from pharmacy_desk.ui.sounds import SilentPlayer

    imported = time.time()
    app = make_application([sys.argv[0]])
    install_translators(app, "ru")
    scanner = ScannerFilter(app)
    scanner.install(app)
    loop = event_loop(app)
    asyncio.set_event_loop(loop)

    class PaintProbe(QObject):
        def __init__(self, done: asyncio.Future[float], rows: Any) -> None:
            super().__init__()
            self.done = done
            self.rows = rows

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.rows() >= expected and not self.done.done():
                QTimer.singleShot(0, self.painted)  # just after this paint
            return False

        def painted(self) -> None:
            if not self.done.done():
                self.done.set_result(time.time())

    async def main() -> dict[str, float]:
        conn = await connection(SettingsFile(settings_path))
        assert conn is not None
        service = DeskService(conn.settings, conn.token)
        await service.start()
        bridge = DeskBridge(service)
        window = MainWindow(service, bridge, SilentPlayer(), scanner)
        window.queue.set_stage(window.queue.proxy.stage.ALL)
        painted: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        probe = PaintProbe(painted, window.queue.proxy.rowCount)
        window.queue.table.viewport().installEventFilter(probe)
        window.show()
        at = await asyncio.wait_for(painted, 30)
        window.close()
        await service.stop()
        return {"imported_at": imported, "painted_at": at, "rows": window.queue.proxy.rowCount()}

    result = loop.run_until_complete(main())
    loop.close()  # stops the loop's worker threads (the offline queue's SQLite calls)
    print(json.dumps(result), flush=True)


# --- child: queue updates, scans, memory ---------------------------------------------------------------


def child_inproc(orders: int, updates: int, scans: int, *, memory: bool) -> None:
    if memory:
        import tracemalloc

        tracemalloc.start()
    import asyncio
    import datetime as dt
    from decimal import Decimal

    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from pharmacy_desk.api.orders import OrderSummary
    from pharmacy_desk.desk.assembly_feedback import FeedbackCode
    from pharmacy_desk.desk.qt_bridge import DeskBridge
    from pharmacy_desk.desk.queue_rules import Stage
    from pharmacy_desk.desk.service import DeskService
    from pharmacy_desk.desk.settings import DeskSettings
    from pharmacy_desk.domain import Courier, Flow, Line, Order, OrderState, Totals
    from pharmacy_desk.domain.fefo import Batch
    from pharmacy_desk.ui.app import make_application
    from pharmacy_desk.ui.i18n import install_translators
    from pharmacy_desk.ui.main_window import MainWindow
    from pharmacy_desk.ui.qt_async import event_loop
    from pharmacy_desk.ui.scanner_filter import ScannerFilter
    from pharmacy_desk.ui.sounds import SilentPlayer

    app = make_application([sys.argv[0]])
    install_translators(app, "ru")
    scanner = ScannerFilter(app)
    scanner.install(app)
    loop = event_loop(app)
    asyncio.set_event_loop(loop)
    rng = random.Random(5)
    now = dt.datetime.now(dt.UTC)
    states = [OrderState.NEW, OrderState.COLLECTING, OrderState.ASSEMBLED, OrderState.READY_TO_SHIP, OrderState.PAID]

    def summary(i: int, version: int = 1, state: OrderState | None = None) -> OrderSummary:
        amount = Decimal(rng.randrange(10_000, 900_000)) / 100
        return OrderSummary(
            store=STORE,
            number=f"S{i:06d}",
            kuper_id=f"apteka-sim:{i:08x}-0000-4000-8000-000000000000",
            state=state or rng.choice(states),
            state_label="",
            version=version,
            flow=rng.choice((Flow.DELIVERY, Flow.PICKUP)),
            totals=Totals(total_price=amount, discount_total_price=amount),
            pack_count=rng.randint(1, 9),
            due_from=now + dt.timedelta(minutes=rng.randint(-30, 180)),
            courier=Courier(name="Иван") if rng.random() < 0.3 else None,
            is_paid=False,
            created_at=now,
        )

    async def main() -> dict[str, Any]:
        settings = DeskSettings(relay_url="http://127.0.0.1:9", store=STORE, device_name="Бенчмарк")
        service = DeskService(settings, "bench-token", catalogue={"04607143560598": "100234"})
        service.book.load_snapshot([summary(i) for i in range(orders)])
        bridge = DeskBridge(service)
        window = MainWindow(service, bridge, SilentPlayer(), scanner, use_tray=False)
        window.queue.set_stage(Stage.ALL)
        window.show()
        window.activateWindow()
        await asyncio.sleep(0.3)  # shown, laid out, painted once (by the loop, not re-entrantly)
        viewport = window.queue.table.viewport()

        # Measured synchronously inside this task: nothing else runs meanwhile (processEvents() here would
        # re-enter the asyncio loop), and the repaint is forced with repaint() (paints the visible rows now).
        def update(moving: bool) -> float:
            i = rng.randrange(orders)
            current = service.book.get(f"S{i:06d}")
            assert current is not None
            changes: dict[str, Any] = {"version": current.version + 1, "state": rng.choice(states)}
            if moving:  # the sort key (the due time) changes: the row moves
                changes["due_from"] = now + dt.timedelta(minutes=rng.randint(-30, 180))
            else:  # the state, the courier: the row keeps its place
                changes["courier"] = Courier(name=rng.choice(("Иван", "Рустам"))) if rng.random() < 0.5 else None
            newer = current.model_copy(update=changes)
            started = time.perf_counter()
            service.book.apply_summary(newer)
            viewport.repaint()
            return time.perf_counter() - started

        in_place = [update(moving=False) for _ in range(updates)]
        moving = [update(moving=True) for _ in range(updates)]
        assert window.model.rowCount() == orders

        line = Line(sku="100234", name="Нурофен", quantity=1000, ordered_quantity=1000, price=Decimal("199.99"))
        order = Order(
            store=STORE,
            kuper_id="apteka-sim:bench",
            number="S999999",
            flow=Flow.DELIVERY,
            state=OrderState.COLLECTING,
            created_at=now,
            ordered=(line,),
            composition=(line,),
        )
        service.book.apply_order(order)
        batches = {"100234": [Batch("N-1", dt.date.today() + dt.timedelta(days=300), 2000, location="A3")]}

        async def batches_for(_: Order) -> dict[str, list[Batch]]:
            return batches

        window.batches_for = batches_for
        assert await window._open("S999999")
        await asyncio.sleep(0.3)
        target = window.assembly.table
        target.setFocus()
        scan_times: list[float] = []
        burst_times: list[float] = []
        refused = 0

        def send(kind: QEvent.Type, key: int, text: str, mods: Qt.KeyboardModifier) -> None:
            QApplication.sendEvent(target, QKeyEvent(kind, key, mods, text))

        def burst(code: str) -> None:
            none = Qt.KeyboardModifier.NoModifier
            for char in code:
                if char == "\x1d":
                    ctrl = Qt.KeyboardModifier.ControlModifier
                    send(QEvent.Type.KeyPress, Qt.Key.Key_BracketRight.value, char, ctrl)
                    send(QEvent.Type.KeyRelease, Qt.Key.Key_BracketRight.value, char, ctrl)
                elif char.isupper():
                    shift = Qt.KeyboardModifier.ShiftModifier
                    send(QEvent.Type.KeyPress, Qt.Key.Key_Shift.value, "", shift)
                    send(QEvent.Type.KeyPress, ord(char), char, shift)
                    send(QEvent.Type.KeyRelease, ord(char), char, shift)
                    send(QEvent.Type.KeyRelease, Qt.Key.Key_Shift.value, "", none)
                else:
                    key = ord(char.upper()) if char.isalnum() else Qt.Key.Key_unknown.value
                    send(QEvent.Type.KeyPress, key, char, none)
                    send(QEvent.Type.KeyRelease, key, char, none)

        crypto = "VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
        for n in range(scans):
            serial = f"BENCH{(n - 1 if n % 5 == 4 else n):08d}"
            code = f"010460714356059821{serial}\x1d91EE06\x1d92{crypto}"
            before = window.assembly.last_feedback
            started = time.perf_counter()
            burst(code)
            enter = time.perf_counter()
            send(QEvent.Type.KeyPress, Qt.Key.Key_Return.value, "\r", Qt.KeyboardModifier.NoModifier)
            window.assembly.repaint()
            done = time.perf_counter()
            send(QEvent.Type.KeyRelease, Qt.Key.Key_Return.value, "\r", Qt.KeyboardModifier.NoModifier)
            feedback = window.assembly.last_feedback
            assert feedback is not None and feedback is not before, "no feedback"
            expected = FeedbackCode.ALREADY_SCANNED if n % 5 == 4 else FeedbackCode.OK
            assert feedback.code is expected, (n, feedback)
            refused += not feedback.ok
            scan_times.append(done - enter)
            burst_times.append(done - started)

        result: dict[str, Any] = {
            "orders": orders,
            "update_ms": summary_ms(in_place),
            "update_moving_ms": summary_ms(moving),
            "scan_ms": summary_ms(scan_times),
            "burst_ms": summary_ms(burst_times),
            "scans": scans,
            "refused": refused,
        }
        window.close()
        await service.stop()
        return result

    result = loop.run_until_complete(main())
    loop.close()
    import resource

    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if memory:
        import tracemalloc

        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps(result), flush=True)


# --- parent --------------------------------------------------------------------------------------------


def run_child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, str(HERE), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"child {args[0]} failed ({output.returncode}):\n{output.stderr[-4000:]}")
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def load_relay(relay_url: str, token: str, count: int) -> None:
    import httpx

    from pharmacy_desk.sim.orders import random_order

    rng = random.Random(11)
    with httpx.Client(base_url=relay_url, timeout=10) as client:
        for _ in range(count):
            body = random_order(rng, store_id=STORE).created().to_json()
            headers = {"Content-Type": "application/json", "Client-Token": token}
            answer = client.post(f"/kuper/webhooks/{STORE}", content=body, headers=headers)
            answer.raise_for_status()


def cold_starts(args: argparse.Namespace) -> list[float]:
    from pharmacy_desk.desk.settings import DeskSettings, SettingsFile
    from pharmacy_desk.sim.relay_process import RelayProcess, RelaySettings

    with tempfile.TemporaryDirectory(prefix="pharmacy-desk-bench-") as tmp:
        workdir = Path(tmp)
        settings = RelaySettings(
            kuper_url="http://127.0.0.1:9", database_url=f"sqlite+aiosqlite:///{workdir / 'relay.sqlite3'}", store=STORE
        )
        relay = RelayProcess(settings, workdir)
        relay.start()
        try:
            device_token = relay.add_device("Бенчмарк")
            load_relay(relay.url, settings.webhook_token, args.start_orders)
            token_file = workdir / "token"
            token_file.write_text(device_token + "\n", encoding="utf-8")
            token_file.chmod(0o600)
            settings_path = workdir / "desk.json"
            SettingsFile(settings_path).save(
                DeskSettings(relay_url=relay.url, store=STORE, device_name="Бенчмарк", data_dir=workdir / "desk")
            )
            env = {**os.environ, "PHARMACY_DESK_TOKEN_FILE": str(token_file)}
            times = []
            for _ in range(args.runs):
                started = time.time()
                result = run_child("cold", str(settings_path), str(args.start_orders), env=env)
                times.append(result["painted_at"] - started)
                print(
                    f"  cold start: {times[-1]:.3f} s (imports done after {result['imported_at'] - started:.3f} s,"
                    f" {result['rows']:.0f} rows painted)"
                )
            return times
        finally:
            relay.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="all", choices=("all", "cold", "inproc", "memory"))
    parser.add_argument("rest", nargs="*")
    parser.add_argument("--start-orders", type=int, default=200)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.mode == "cold":
        child_cold(Path(args.rest[0]), int(args.rest[1]))
        return 0
    if args.mode in ("inproc", "memory"):
        child_inproc(args.orders, args.updates, args.scans, memory=args.mode == "memory")
        return 0

    print(f"cold start → first painted queue ({args.start_orders} orders from a relay process):")
    cold = cold_starts(args)
    sizes = ["--orders", str(args.orders), "--updates", str(args.updates), "--scans", str(args.scans)]
    timing = run_child("inproc", *sizes)
    memory = run_child("memory", *sizes)

    def spread(ms: dict[str, float]) -> str:
        return f"median {ms['median']:.2f} ms, p95 {ms['p95']:.2f} ms, max {ms['max']:.2f} ms"

    n = timing["orders"]
    best, median_cold = min(cold), statistics.median(cold)
    rows = [
        (
            "cold start → first painted queue",
            f"{best:.3f} s (best of {len(cold)}; median {median_cold:.3f} s)",
            best <= TARGETS["cold_start_s"],
            "≤ 1.5 s",
        ),
        (
            "peak memory (ru_maxrss)",
            f"{timing['maxrss_mb']:.0f} MB (tracemalloc peak {memory['tracemalloc_peak_mb']:.1f} MB)",
            timing["maxrss_mb"] <= TARGETS["peak_memory_mb"],
            "≤ 250 MB",
        ),
        (
            f"one update in place, queue of {n}",
            spread(timing["update_ms"]),
            timing["update_ms"]["p95"] <= TARGETS["update_ms"],
            "≤ 50 ms",
        ),
        (
            f"one update moving its row, queue of {n}",
            spread(timing["update_moving_ms"]),
            timing["update_moving_ms"]["p95"] <= TARGETS["update_ms"],
            "≤ 50 ms",
        ),
        (
            "scan (Enter) → feedback",
            spread(timing["scan_ms"]),
            timing["scan_ms"]["p95"] <= TARGETS["scan_ms"],
            "≤ 50 ms",
        ),
        ("whole scan burst (85 keys + Enter) → feedback", spread(timing["burst_ms"]), True, "(information)"),
    ]
    print()
    for name, value, ok, target in rows:
        print(f"{name:<48} {value:<62} {target:<14} {'OK' if ok else 'MISSED'}")
    print(f"({timing['scans']} scans, {timing['refused']} of them refused double scans)")
    return 0 if all(ok for *_, ok, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
