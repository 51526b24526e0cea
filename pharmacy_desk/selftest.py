"""``pharmacy-desk --self-test``: does this installation work? From source and in the PyInstaller bundle.

Every check runs (one failing does not stop the others) and prints one line; the exit code is 0 when all
passed, 1 otherwise, with what failed and its traceback. Nothing touches the user's settings, keyring,
log or data: everything is written to a temporary folder. Qt runs offscreen unless ``QT_QPA_PLATFORM``
says otherwise (``QT_QPA_PLATFORM=windows`` checks the real platform plugin on Windows).

==================  ===========================================================================
check               what it proves
==================  ===========================================================================
imports             every module of the counter app imports (``pharmacy_desk`` without the relay, the
                    demo and the simulator, which are not part of it), and what is imported by name
                    at run time (qasync, biip, keyring's backends, Qt's print support): the bundle
                    is not missing a hidden import
resources           ``resources/`` holds the fonts, sounds, translations, icons and sample stock
translations        Qt's and our Russian catalogues load
label PDF           a bag label renders to PDF (``printing.export_pdf``) with the shipped Cyrillic font
main window         the main window opens (offscreen), paints and closes, its desk service started
                    against an unreachable relay and stopped again
keyring             information only (a CI machine has no keyring); on Windows the keyring must be
                    the Credential Manager
sound               which sound backend loads and why (:func:`~pharmacy_desk.ui.sounds.choose_backend`):
                    Qt Multimedia with an audio output, else the fallback player and the reason
                    (on Linux Qt Multimedia needs the system's libpulse); fails when Qt Multimedia is
                    not in the installation at all (PySide6-Addons missing, or the bundle lost it)
==================  ===========================================================================

In the Windows bundle run it from ``pharmacy-desk-console.exe`` (the windowed ``pharmacy-desk.exe`` has
no console to print to; it writes the report to ``self-test.txt`` in the log folder instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import pkgutil
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pharmacy_desk
from pharmacy_desk import resources

__all__ = ["RUNTIME_MODULES", "CheckResult", "SelfTest", "main", "package_modules", "run"]

RUNTIME_MODULES: tuple[str, ...] = (
    "qasync",
    "biip",
    "keyring.backends.chainer",
    "keyring.backends.Windows",
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "PySide6.QtPrintSupport",
)
SERVER_PACKAGES: tuple[str, ...] = (
    "pharmacy_desk.relay",
    "pharmacy_desk.demo",
    "pharmacy_desk.sim",
    "pharmacy_desk.inventory.embedded",
    "pharmacy_desk.inventory.onec.stub",
    "pharmacy_desk.sqltables",
)
"""The relay, the demo (which embeds it), the simulators (Kuper, 1C) and the relay's own stock tables: not
part of the counter app, nor of its bundle (they need the server's libraries)."""
"""Modules the app (or a library it uses) imports by name at run time: a bundle must carry them."""

EXPECTED_RESOURCES: tuple[str, ...] = (
    "fonts/DejaVuSans.ttf",
    "fonts/DejaVuSans-Bold.ttf",
    "fonts/LICENSE-DejaVu.txt",
    "translations/pharmacy_desk_ru.qm",
    "stock/sample_stock.csv",
    "icons/pharmacy-desk.ico",
    "icons/pharmacy-desk.png",
)

log = logging.getLogger("pharmacy_desk.selftest")


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str  # one line: what was seen, or why it failed
    info: bool = False  # reported, never a failure
    trace: str = ""  # the traceback of a failure
    seconds: float = 0.0


class _Records(logging.Handler):
    """Log records of the run (warnings and worse), shown with a failure or with ``-v``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class CheckFailed(Exception):
    """A check saw something wrong (no traceback needed: the message says it)."""


def package_modules() -> list[str]:
    """Every module and package of the counter app: ``pharmacy_desk`` without :data:`SERVER_PACKAGES`
    (found through the import system, so also frozen)."""
    names = ["pharmacy_desk"]
    errors: list[str] = []

    def walk(path: Sequence[str], prefix: str) -> None:
        for info in pkgutil.iter_modules(path, prefix):
            if info.name.startswith(SERVER_PACKAGES):
                continue
            names.append(info.name)
            if info.ispkg:
                try:
                    package = importlib.import_module(info.name)
                except Exception:
                    errors.append(info.name)
                    continue
                walk(package.__path__, info.name + ".")

    walk(pharmacy_desk.__path__, "pharmacy_desk.")
    if errors:
        raise CheckFailed(f"packages that do not import: {', '.join(errors)}")
    return sorted(names)


class SelfTest:
    """Runs named checks; ``checks`` maps a name to a function returning its one-line detail."""

    def __init__(self, workdir: Path, *, verbose: bool = False) -> None:
        self.workdir = workdir
        self.verbose = verbose
        self.results: list[CheckResult] = []
        self._app: object | None = None
        self._cleanups: list[Callable[[], None]] = []

    def close(self) -> None:
        """Undo what the checks left installed in the QApplication (translators)."""
        while self._cleanups:
            self._cleanups.pop()()

    # --- running ----------------------------------------------------------------------------------

    def run_check(self, name: str, check: Callable[[], str], *, info: bool = False) -> CheckResult:
        started = time.perf_counter()
        ok, trace = True, ""
        try:
            detail = check()
        except CheckFailed as exc:
            ok, detail = False, str(exc)
        except Exception as exc:
            ok, detail, trace = False, f"{type(exc).__name__}: {exc}", traceback.format_exc()
        result = CheckResult(name, ok or info, detail, info=info, trace=trace, seconds=time.perf_counter() - started)
        self.results.append(result)
        return result

    def checks(self) -> list[tuple[str, Callable[[], str], bool]]:
        return [
            ("imports", self.check_imports, False),
            ("resources", self.check_resources, False),
            ("translations", self.check_translations, False),
            ("label PDF", self.check_label_pdf, False),
            ("main window", self.check_main_window, False),
            ("keyring", self.check_keyring, sys.platform != "win32"),
            ("sound", self.check_sound, False),
        ]

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.results)

    # --- the checks -------------------------------------------------------------------------------

    def check_imports(self) -> str:
        names = package_modules()
        failed: list[str] = []
        for name in [*names, *RUNTIME_MODULES]:
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed.append(f"{name} ({type(exc).__name__}: {exc})")
        if failed:
            raise CheckFailed("cannot import " + "; ".join(failed))
        return f"{len(names)} modules of pharmacy_desk, {len(RUNTIME_MODULES)} run-time modules"

    def check_resources(self) -> str:
        from pharmacy_desk.ui.sounds import Sound

        root = resources.resources_dir()
        wanted = [*EXPECTED_RESOURCES, *(f"sounds/{s.value}.wav" for s in Sound)]
        missing = [name for name in wanted if not (root / name).is_file()]
        if missing:
            raise CheckFailed(f"missing in {root}: {', '.join(missing)}")
        return f"{len(wanted)} files in {root}"

    def app(self) -> object:
        """The QApplication, made the way the app makes it (offscreen unless QT_QPA_PLATFORM says)."""
        if self._app is None:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            from pharmacy_desk.ui.app import make_application

            self._app = make_application([sys.argv[0] if sys.argv else "pharmacy-desk"])
        return self._app

    def check_translations(self) -> str:
        from PySide6.QtCore import QCoreApplication

        from pharmacy_desk.ui.i18n import install_translators, remove_translators

        app = self.app()
        assert isinstance(app, QCoreApplication)
        translators = install_translators(app, "ru")  # kept for the main window, removed by close()
        self._cleanups.append(lambda: remove_translators(app, translators))
        files = [Path(t.filePath()).name for t in translators]
        if not any(name.startswith("pharmacy_desk_") for name in files):
            raise CheckFailed(f"our Russian catalogue did not load (loaded: {files or 'nothing'})")
        if not any(name.startswith("qtbase_") for name in files):
            raise CheckFailed(f"Qt's Russian catalogue (qtbase_ru.qm) did not load (loaded: {files})")
        empty = [name for name, t in zip(files, translators, strict=True) if t.isEmpty()]
        if empty:
            raise CheckFailed(f"empty catalogues: {', '.join(empty)}")
        return "ru: " + ", ".join(files)

    def check_label_pdf(self) -> str:
        from datetime import UTC, datetime, timedelta
        from decimal import Decimal

        from pharmacy_desk.domain.composition import Line
        from pharmacy_desk.domain.events import NewOrder
        from pharmacy_desk.domain.lifecycle import StoreRules, open_order
        from pharmacy_desk.domain.order import Customer
        from pharmacy_desk.printing import THERMAL_58, export_pdf, labels_for_order
        from pharmacy_desk.printing.fonts import FAMILY, label_family, label_font, missing_glyphs

        self.app()
        now = datetime.now(UTC)
        new = NewOrder(
            kuper_id="self-test:00000000-0000-4000-8000-000000000000",
            original_order_id="H00000000000",
            shipment_method="pickup",
            customer=Customer(name="Проверка Самотестова"),
            due_from=now,
            due_to=now + timedelta(hours=1),
            lines=(Line(sku="100234", name="Нурофен", quantity=2, ordered_quantity=2, price=Decimal("199.99")),),
        )
        order = open_order(new, store="self-test", number="T-000001", now=now, rules=StoreRules()).order
        labels = labels_for_order(order, "Аптека (самопроверка)")
        target = self.workdir / "label.pdf"
        pages = export_pdf(labels, THERMAL_58, target)
        data = target.read_bytes()
        if not data.startswith(b"%PDF-") or pages != 1:
            raise CheckFailed(f"{target}: {len(data)} bytes, {pages} pages, not a one-page PDF")
        family = label_family()
        if family != FAMILY:
            raise CheckFailed(f"labels are drawn with {family!r}, not the shipped {FAMILY!r}")
        tofu = missing_glyphs(label_font(40), "САМОВЫВОЗ Код выдачи Клиент Упаковок ёЁ №")
        if tofu:
            raise CheckFailed(f"the label font has no glyph for {tofu!r}")
        return f"{pages} page, {len(data) // 1024} KiB, {family}"

    def check_main_window(self) -> str:
        from PySide6.QtWidgets import QApplication

        from pharmacy_desk.desk.qt_bridge import DeskBridge
        from pharmacy_desk.desk.service import DeskService
        from pharmacy_desk.desk.settings import DeskSettings, SoundSettings
        from pharmacy_desk.ui.main_window import MainWindow
        from pharmacy_desk.ui.qt_async import event_loop
        from pharmacy_desk.ui.scanner_filter import ScannerFilter
        from pharmacy_desk.ui.sounds import SilentPlayer

        app = self.app()
        assert isinstance(app, QApplication)
        settings = DeskSettings(
            relay_url="http://127.0.0.1:9",  # the discard port: nobody answers
            store="self-test",
            device_name="self-test",
            data_dir=self.workdir / "desk-data",
            sound=SoundSettings(enabled=False),
        )

        async def show() -> str:
            service = DeskService(settings, "self-test-token", operator="self-test")
            scanner = ScannerFilter(app)
            scanner.install(app)
            await service.start()
            try:
                bridge = DeskBridge(service)
                window = MainWindow(service, bridge, SilentPlayer(), scanner, use_tray=False)
                window.show()
                await asyncio.sleep(0.3)
                if not window.isVisible():
                    raise CheckFailed("the main window did not show")
                image = window.grab().toImage()
                if image.isNull() or image.width() < 100:
                    raise CheckFailed("the main window did not paint")
                title = window.windowTitle()
                window.close()
                window.deleteLater()
                bridge.detach()
                bridge.deleteLater()
                await asyncio.sleep(0)
                return f"{image.width()}x{image.height()} px on {app.platformName()}, title {title!r}"
            finally:
                await service.stop()
                scanner.uninstall(app)
                scanner.deleteLater()

        loop = event_loop(app)
        asyncio.set_event_loop(loop)
        try:
            return loop.run_until_complete(show())
        finally:
            loop.close()
            asyncio.set_event_loop(None)

    def check_keyring(self) -> str:
        import keyring

        from pharmacy_desk.desk.credentials import FALLBACK_TOKEN_FILE, keyring_problem
        from pharmacy_desk.desk.settings import default_config_dir

        problem = keyring_problem()
        if problem is not None:  # where the token is kept then: the fallback file (not a failure on Linux)
            where = default_config_dir() / FALLBACK_TOKEN_FILE
            if sys.platform == "win32":
                raise CheckFailed(f"no usable keyring ({problem}): the token would be kept in {where}")
            return f"token kept in the file {where} (0600): no usable keyring ({problem})"
        backend = keyring.get_keyring()
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        if sys.platform == "win32" and "Windows" not in name:
            raise CheckFailed(f"the keyring is {name}, not the Windows Credential Manager")
        return f"token kept in the keyring {name}"

    def check_sound(self) -> str:
        from pharmacy_desk.desk.settings import SoundSettings
        from pharmacy_desk.ui.sounds import choose_backend, make_player

        self.app()
        settings = SoundSettings()
        choice = choose_backend(settings)
        if choice.qt_problem is not None and choice.qt_problem.startswith("ModuleNotFoundError"):
            raise CheckFailed(f"Qt Multimedia is not installed (PySide6-Addons): {choice.report()}")
        player = make_player(settings, choice)
        try:
            return f"{choice.report()}; player {type(player).__name__}"
        finally:
            player.close()


# --- reporting --------------------------------------------------------------------------------------


def versions() -> str:
    """``pharmacy-desk 0.1.0 (bundle), Python 3.11.7, PySide6 6.11.3, Qt 6.11.3, Linux-…``."""
    where = "bundle" if resources.frozen() else "source"
    parts = [f"pharmacy-desk {pharmacy_desk.__version__} ({where})", f"Python {platform.python_version()}"]
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        parts += [f"PySide6 {PySide6.__version__}", f"Qt {qVersion()}"]
    except ImportError as exc:
        parts.append(f"PySide6 not importable: {exc}")
    parts.append(platform.platform())
    return ", ".join(parts)


def _line(result: CheckResult) -> str:
    mark = "info" if result.info else ("ok" if result.ok else "FAIL")
    return f"  {mark:<5} {result.name}: {result.detail} [{result.seconds:.1f} s]"


def report(test: SelfTest, records: Sequence[logging.LogRecord], out: TextIO) -> None:
    for result in test.results:
        if result.trace and (not result.ok or test.verbose):
            out.write(_indent(result.trace, f"  {result.name}: "))
    if records and (test.verbose or not test.passed):
        out.write(f"log ({len(records)} warnings and errors):\n")
        for record in records:
            out.write(f"  {record.levelname} {record.name}: {record.getMessage()}\n")
    failed = [r.name for r in test.results if not r.ok]
    if failed:
        out.write(f"self-test FAILED: {', '.join(failed)}\n")
    else:
        out.write("self-test passed\n")


def _indent(text: str, head: str) -> str:
    return head + "\n" + "".join(f"      {line}\n" for line in text.rstrip().splitlines())


@contextlib.contextmanager
def _captured_logs() -> Iterator[_Records]:
    handler = _Records()
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@contextlib.contextmanager
def _qt_messages() -> Iterator[None]:
    """Qt's own warnings go to our log (and so into the report) instead of straight to stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("pharmacy_desk.selftest.qt")
    levels = {QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR}

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.DEBUG), "%s", message)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _output() -> tuple[TextIO, Path | None]:
    """stdout, or (windowed Windows program, no console) a report file in the log folder."""
    if sys.stdout is not None:
        return sys.stdout, None
    from pharmacy_desk.desk.logs import default_log_dir

    path = default_log_dir() / "self-test.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8"), path


def run(*, verbose: bool = False, out: TextIO | None = None) -> int:
    """Run every check and print the report; 0 when all passed, 1 otherwise."""
    stream, file = (out, None) if out is not None else _output()
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:  # a Windows console or pipe in cp1251/cp866 must not fail on a character
        reconfigure(errors="backslashreplace")
    try:
        stream.write(f"pharmacy-desk self-test: {versions()}\n")
        with tempfile.TemporaryDirectory(prefix="pharmacy-desk-self-test-") as tmp, _captured_logs() as logs:
            test = SelfTest(Path(tmp), verbose=verbose)
            qt = contextlib.ExitStack()
            for name, check, info in test.checks():
                if name == "translations":  # the first check that needs Qt
                    with contextlib.suppress(ImportError):
                        qt.enter_context(_qt_messages())
                stream.write(_line(test.run_check(name, check, info=info)) + "\n")
                stream.flush()
            qt.close()
            test.close()
            report(test, logs.records, stream)
        return 0 if test.passed else 1
    finally:
        if file is not None:
            stream.close()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pharmacy_desk.selftest [-v]``; ``--modules`` lists the package's modules found and exits."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--modules" in args:
        print("\n".join(package_modules()))
        return 0
    return run(verbose="-v" in args or "--verbose" in args)


if __name__ == "__main__":
    raise SystemExit(main())
