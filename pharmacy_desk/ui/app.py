"""The counter app's process: QApplication, the qasync loop, error hooks, first run, start and shutdown.

:func:`run` is what ``pharmacy-desk`` calls. In order:

1. ``QApplication`` with a large legible font, the Russian translations, the scanner filter, and cyclic
   garbage collected on Qt's thread only (:mod:`~pharmacy_desk.ui.main_thread_gc`);
2. the qasync loop, ``sys.excepthook`` and the loop's exception handler (no error vanishes: each is
   logged and shown once in a message box);
3. the settings (:mod:`pharmacy_desk.desk.settings`) and the device token (:mod:`~pharmacy_desk.desk.credentials`);
   when either is missing, the connection dialog (awaited, no nested ``exec()``);
4. the :class:`~pharmacy_desk.desk.service.DeskService`, its Qt bridge and the main window;
5. when the window closes (or the application is asked to quit), the service is stopped — the SSE
   stream, the offline queue file and the HTTP client are closed — before the loop ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from pharmacy_desk.desk.credentials import CredentialsUnavailable, FileTokenStore, TokenStore, token_store
from pharmacy_desk.desk.qt_bridge import DeskBridge
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings, LabelSettings, SettingsError, SettingsFile
from pharmacy_desk.ui.alerts import app_icon
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.connect_dialog import ConnectDialog
from pharmacy_desk.ui.i18n import install_translators
from pharmacy_desk.ui.main_thread_gc import MainThreadCollector
from pharmacy_desk.ui.main_window import BatchesFor, MainWindow
from pharmacy_desk.ui.qt_async import event_loop
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from pharmacy_desk.ui.sounds import SoundPlayer, make_player

log = logging.getLogger("pharmacy_desk.ui")

BASE_POINT_SIZE = 13  # counter screens are read from a step away


def make_application(argv: Sequence[str]) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setApplicationName("pharmacy-desk")
    app.setApplicationDisplayName("Pharmacy desk")
    app.setWindowIcon(app_icon())
    # The window's close ends run_desk, which stops the service: Qt must not quit the loop by itself.
    app.setQuitOnLastWindowClosed(False)
    font = app.font()
    if font.pointSizeF() < BASE_POINT_SIZE:
        font.setPointSizeF(BASE_POINT_SIZE)
        app.setFont(font)
    return app


def apply_text_size(app: QApplication, percent: int) -> None:
    """The large-type setting: the base font at ``percent`` % of :data:`BASE_POINT_SIZE` (never smaller)."""
    font = app.font()
    wanted = BASE_POINT_SIZE * percent / 100
    if abs(font.pointSizeF() - wanted) > 0.01 and (percent != 100 or font.pointSizeF() < wanted):
        font.setPointSizeF(wanted)
        app.setFont(font)


class ErrorHooks:
    """``sys.excepthook`` and the loop's exception handler: log every error, show one box at a time."""

    def __init__(self, *, show: bool = True) -> None:
        self.show = show
        self.errors: list[BaseException] = []
        self._box: QMessageBox | None = None
        self._previous = sys.excepthook

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        sys.excepthook = self.excepthook
        loop.set_exception_handler(self.loop_handler)

    def uninstall(self, loop: asyncio.AbstractEventLoop) -> None:
        sys.excepthook = self._previous
        loop.set_exception_handler(None)

    def excepthook(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        self.errors.append(error)
        log.critical("unhandled error", exc_info=(kind, error, tb))
        self._show("".join(traceback.format_exception_only(kind, error)).strip())

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, BaseException):
            self.excepthook(type(error), error, error.__traceback__)
            return
        log.error("event loop: %s", context.get("message"))

    def _show(self, text: str) -> None:
        if not self.show or self._box is not None or QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "pharmacy-desk", text)
        box.setInformativeText(
            QApplication.translate("ErrorHooks", "The error is written to the log. The program keeps working.")
        )
        box.finished.connect(lambda _: self._forget(box))
        self._box = box
        box.show()

    def _forget(self, box: QMessageBox) -> None:
        if self._box is box:
            self._box = None
        box.deleteLater()


@dataclass
class Connection:
    settings: DeskSettings
    token: str


def open_token_store(config_dir: Path | None = None) -> tuple[TokenStore | None, str | None]:
    """The token store and, when it is not the keyring, the dialog's note (None and the reason when the
    keyring errors). ``config_dir``: where the token file goes when there is no keyring at all."""
    try:
        store = token_store(config_dir=config_dir)
    except CredentialsUnavailable as exc:
        log.warning("%s", exc.message_en)
        return None, exc.message_ru
    if isinstance(store, FileTokenStore) and store.fallback is not None:
        log.warning("no usable keyring (%s): the device token is kept in %s (0600)", store.fallback, store.path)
        note = QApplication.translate(
            "ConnectDialog", "No password store on this PC: the token is kept in the file %1, readable only by you."
        )
        return store, note.replace("%1", str(store.path))
    return store, None


def _read_token(store: TokenStore, key: str) -> str:
    return store.get(key) or ""


async def connection(
    settings_file: SettingsFile,
    *,
    ask: bool = False,
    scanner: ScannerFilter | None = None,
    parent: QWidget | None = None,
) -> Connection | None:
    """The saved settings and token; asks (the connection dialog) when something is missing or ``ask``.

    While the dialog is open the scanner filter is off: a token scanned from a QR code lands in the field.
    """
    settings = settings_file.load()
    store, problem = open_token_store(settings_file.path.parent)
    token = ""
    if settings.is_configured and store is not None:
        try:
            token = await asyncio.to_thread(_read_token, store, settings.store)
        except CredentialsUnavailable as exc:
            problem = exc.message_ru
    if settings.is_configured and token and not ask:
        return Connection(settings, token)
    dialog = ConnectDialog(settings, store, token=token, store_problem=problem, parent=parent)
    if scanner is not None:
        scanner.enabled = False
    try:
        accepted = await run_dialog(dialog)
    finally:
        if scanner is not None:
            scanner.enabled = True
    result, token = dialog.result_settings, dialog.result_token
    dialog.deleteLater()
    if not accepted or result is None:
        return None
    settings_file.save(result)
    return Connection(result, token)


async def run_desk(
    app: QApplication,
    conn: Connection,
    *,
    scanner: ScannerFilter,
    player: SoundPlayer | None = None,
    operator: str | None = None,
    batches_for: BatchesFor | None = None,
    closed: asyncio.Event | None = None,
    settings_file: SettingsFile | None = None,
) -> int:
    """Run the service and its window until the window closes (or ``closed`` is set)."""
    service = DeskService(conn.settings, conn.token, operator=operator)
    closed = closed or asyncio.Event()
    player = player or make_player(conn.settings.sound)
    await service.start()
    apply_text_size(app, conn.settings.text_size_percent)
    try:
        bridge = DeskBridge(service)
        window = MainWindow(service, bridge, player, scanner, batches_for=batches_for)
        if settings_file is not None:
            window.set_reconfigure(lambda: _reconfigure(settings_file, scanner, window))
            window.tools.labels.set_saver(lambda labels: _save_labels(settings_file, labels))
        window.closing.connect(closed.set)
        window.show_as_left()
        await closed.wait()
    finally:
        await service.stop()
        player.close()
    return 0


def _save_labels(settings_file: SettingsFile, labels: LabelSettings) -> None:
    settings_file.save(settings_file.load().model_copy(update={"labels": labels}))


async def _reconfigure(settings_file: SettingsFile, scanner: ScannerFilter, window: QWidget) -> bool:
    return await connection(settings_file, ask=True, scanner=scanner, parent=window) is not None


def quit_on_signals(app: QApplication, loop: asyncio.AbstractEventLoop, request_quit: Callable[[], None]) -> QTimer:
    """SIGTERM / SIGINT (Ctrl+C) call ``request_quit`` on the loop: the service stops while the loop runs.

    (Not ``QApplication.quit()``: that ends Qt's loop first, and qasync then runs the remaining callbacks
    outside a running asyncio loop.) Python runs signal handlers only between bytecodes: a light timer
    keeps the interpreter ticking while Qt waits for events.
    """
    for name in ("SIGTERM", "SIGINT"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, lambda *_: loop.call_soon_threadsafe(request_quit))
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(250)
    return wake


@dataclass
class AppRun:
    """What :func:`run_app` hands the program it runs: the application, the scanner filter, and ``closed``
    (set to stop: the window closed, SIGTERM/SIGINT, Qt quitting). ``running`` is set by the program
    once it has something to stop in order; before that a stop request cancels it."""

    app: QApplication
    scanner: ScannerFilter
    closed: asyncio.Event
    running: bool = False


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """What is still pending once the program stopped (sse-starlette's shutdown watcher in the demo):
    cancelled, as ``asyncio.run`` does, so the loop closes clean."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def run_app(
    argv: Sequence[str],
    program: Callable[[AppRun], Coroutine[Any, Any, int]],
    *,
    lang: str | None,
    what: str = "the desk service",
) -> int:
    """The one loop set-up of the counter app and the demo: Qt application, translations, scanner filter,
    qasync loop, error hooks, SIGTERM/SIGINT; runs ``program`` to its end and tears it all down."""
    app = make_application(argv)
    translators = install_translators(app, lang)
    scanner = ScannerFilter(app)
    scanner.install(app)
    collector = MainThreadCollector(app)
    collector.start()
    loop = event_loop(app)
    asyncio.set_event_loop(loop)
    hooks = ErrorHooks()
    hooks.install(loop)
    run = AppRun(app, scanner, asyncio.Event())

    def request_quit() -> None:
        log.info("asked to quit: shutting %s down", what)
        if run.running:
            run.closed.set()  # the program stops what it started, then returns
        else:
            task.cancel()  # still starting (the connection dialog, the demo's servers)

    wake = quit_on_signals(app, loop, request_quit)
    task = loop.create_task(program(run))
    try:
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            return 1
        except RuntimeError:
            if task.done():
                raise
            # Qt quit its loop (QApplication.quit(), the session ending): aboutToQuit has been
            # emitted. Let the program stop what it started (stream, queue file, HTTP client), then end.
            log.info("the application is quitting: shutting %s down", what)
            if run.running:
                run.closed.set()
                return loop.run_until_complete(task)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(task)
            return 1
    finally:
        _cancel_leftovers(loop)
        wake.stop()
        hooks.uninstall(loop)
        scanner.uninstall(app)
        collector.stop()
        collector.deleteLater()
        for translator in translators:
            app.removeTranslator(translator)
        loop.close()
        asyncio.set_event_loop(None)


def run(
    argv: Sequence[str],
    *,
    settings_path: Path | None = None,
    setup: bool = False,
    operator: str | None = None,
    lang: str | None = None,
) -> int:
    """``pharmacy-desk``: the connection (asked on the first run), then the counter app until it closes."""
    settings_file = SettingsFile(settings_path) if settings_path is not None else SettingsFile.default()

    async def program(run: AppRun) -> int:
        try:
            conn = await connection(settings_file, ask=setup, scanner=run.scanner)
        except SettingsError as exc:
            box = QMessageBox(QMessageBox.Icon.Critical, "pharmacy-desk", str(exc))
            await run_dialog(box)
            return 1
        if conn is None:
            return 1
        run.running = True
        return await run_desk(
            run.app, conn, scanner=run.scanner, operator=operator, closed=run.closed, settings_file=settings_file
        )

    return run_app(argv, program, lang=lang)
