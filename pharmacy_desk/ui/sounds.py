"""The counter's sounds and who plays them.

The bell plays through Qt Multimedia (``PySide6.QtMultimedia``, from PySide6-Addons, a dependency of the
``desk`` extra) with the bundled WAVs. Qt Multimedia may still not load on a PC (on Linux it needs the
system's ``libpulse.so.0``) or may find no audio output; then the next player on the list plays:

=====================  ========================================================================
player                 when
=====================  ========================================================================
``QtSoundPlayer``      Qt Multimedia loads and has an audio output: QSoundEffect, preloaded, volume;
                       a sound it cannot play (its effect in error) goes to the fallback player
``WinSoundPlayer``     Windows: :mod:`winsound` (standard library), asynchronous
``CommandPlayer``      Linux / macOS: ``paplay`` (PulseAudio / PipeWire, volume), ``aplay`` or ``afplay``
``BeepPlayer``         none of those: the system beep
``SilentPlayer``       sounds switched off in the settings
=====================  ========================================================================

:func:`choose_backend` makes the choice (and says why: the self-test reports it); :func:`make_player`
builds the player. Every player only *starts* a sound: nothing here blocks the event loop.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from PySide6.QtWidgets import QApplication

from pharmacy_desk.desk.settings import SoundSettings
from pharmacy_desk.ui.paths import sounds_dir

log = logging.getLogger("pharmacy_desk.ui.sounds")


class Sound(StrEnum):
    NEW_ORDER = "new_order"
    NEW_ORDER_LOUD = "new_order_loud"
    COURIER = "courier"
    ERROR = "error"
    OK = "ok"

    @property
    def path(self) -> Path:
        return sounds_dir() / f"{self.value}.wav"


class SoundPlayer(Protocol):
    def play(self, sound: Sound) -> None: ...

    def close(self) -> None: ...


class SilentPlayer:
    def play(self, sound: Sound) -> None:
        return None

    def close(self) -> None:
        return None


class BeepPlayer:
    """The last resort: the platform's beep (refusals beep twice)."""

    def play(self, sound: Sound) -> None:
        if sound is Sound.OK:
            return
        QApplication.beep()

    def close(self) -> None:
        return None


class WinSoundPlayer:
    def play(self, sound: Sound) -> None:
        if sys.platform == "win32":
            import winsound

            flags = winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT
            try:
                winsound.PlaySound(str(sound.path), flags)
            except RuntimeError as exc:
                log.warning("sound %s not played: %s", sound.value, exc)

    def close(self) -> None:
        return None


class CommandPlayer:
    """Start ``paplay`` / ``aplay`` / ``afplay`` per sound; finished processes are reaped on the next play."""

    def __init__(self, command: list[str], *, volume_option: bool = False, volume: int = 80) -> None:
        self.command = command
        self.volume_option = volume_option
        self.volume = volume
        self._running: list[subprocess.Popen[bytes]] = []

    @classmethod
    def find(cls, volume: int) -> CommandPlayer | None:
        for name in ("paplay", "aplay", "afplay"):
            path = shutil.which(name)
            if path is None:
                continue
            if name == "aplay":
                return cls([path, "-q"], volume=volume)
            return cls([path], volume_option=name == "paplay", volume=volume)
        return None

    def play(self, sound: Sound) -> None:
        self._running = [p for p in self._running if p.poll() is None]
        args = list(self.command)
        if self.volume_option:
            args.append(f"--volume={int(65536 * self.volume / 100)}")
        args.append(str(sound.path))
        try:
            self._running.append(
                subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        except OSError as exc:
            log.warning("sound %s not played: %s", sound.value, exc)

    def close(self) -> None:
        for process in self._running:
            if process.poll() is None:
                process.terminate()
            process.wait()
        self._running.clear()


class QtSoundPlayer:
    """QSoundEffect per sound (preloaded): low latency and a real volume. A sound whose effect could not
    be loaded or played (no device, a decoder missing) is played by ``fallback`` instead."""

    def __init__(self, volume: int, fallback: SoundPlayer, multimedia: ModuleType | None = None) -> None:
        from PySide6.QtCore import QUrl

        module = multimedia if multimedia is not None else load_qt_multimedia()  # PySide6-Addons
        self.fallback = fallback
        self._error = module.QSoundEffect.Status.Error
        self._effects: dict[Sound, Any] = {}
        for sound in Sound:
            effect = module.QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(sound.path)))
            effect.setVolume(volume / 100)
            self._effects[sound] = effect

    def failed(self, sound: Sound) -> bool:
        return bool(self._effects[sound].status() == self._error)

    def play(self, sound: Sound) -> None:
        if self.failed(sound):
            self.fallback.play(sound)
            return
        self._effects[sound].play()

    def close(self) -> None:
        for effect in self._effects.values():
            effect.stop()
        self.fallback.close()


class Backend(StrEnum):
    QT = "Qt Multimedia"
    WINSOUND = "winsound"
    COMMAND = "command"
    BEEP = "beep"
    SILENT = "off"


@dataclass(frozen=True)
class BackendChoice:
    backend: Backend
    detail: str  # what plays (English: the self-test's report and the log)
    qt_problem: str | None = None  # why Qt Multimedia was not taken (None: taken, or sounds off)
    command: list[str] | None = None

    def report(self) -> str:
        text = f"{self.backend.value}: {self.detail}"
        if self.qt_problem is not None:
            text += f" (Qt Multimedia not used: {self.qt_problem})"
        return text


def load_qt_multimedia() -> ModuleType:
    """``PySide6.QtMultimedia``, imported (raises ImportError / OSError when it cannot load)."""
    import PySide6.QtMultimedia as multimedia

    return multimedia


def _qt_outputs(multimedia: ModuleType) -> list[str]:
    return [device.description() for device in multimedia.QMediaDevices.audioOutputs()]


def choose_backend(
    settings: SoundSettings,
    *,
    load_qt: Callable[[], ModuleType] = load_qt_multimedia,
    outputs: Callable[[ModuleType], list[str]] = _qt_outputs,
    platform: str = sys.platform,
    which: Callable[[str], str | None] = shutil.which,
) -> BackendChoice:
    """Which player this PC gets, and why (Qt Multimedia first; needs a QApplication for the outputs)."""
    if not settings.enabled:
        return BackendChoice(Backend.SILENT, "sounds are switched off in the settings")
    problem: str | None
    try:
        multimedia = load_qt()
    except (ImportError, OSError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    else:
        found = outputs(multimedia)
        if found:
            return BackendChoice(Backend.QT, f"QSoundEffect on «{found[0]}»")
        problem = "no audio output device"
    if platform == "win32":
        return BackendChoice(Backend.WINSOUND, "winsound.PlaySound", problem)
    for name in ("paplay", "aplay", "afplay"):
        path = which(name)
        if path is not None:
            return BackendChoice(Backend.COMMAND, path, problem, [path])
    return BackendChoice(Backend.BEEP, "the system beep (no player program found)", problem)


def _fallback(choice: BackendChoice, settings: SoundSettings) -> SoundPlayer:
    if choice.backend is Backend.WINSOUND or (choice.backend is Backend.QT and sys.platform == "win32"):
        return WinSoundPlayer()
    command = CommandPlayer.find(settings.volume)
    return command if command is not None else BeepPlayer()


def make_player(settings: SoundSettings, choice: BackendChoice | None = None) -> SoundPlayer:
    """The best player this PC has (:func:`choose_backend`), or a silent one when sounds are off."""
    choice = choice or choose_backend(settings)
    log.info("sound: %s", choice.report())
    if choice.backend is Backend.SILENT:
        return SilentPlayer()
    if choice.backend is Backend.QT:
        return QtSoundPlayer(settings.volume, _fallback(choice, settings))
    if choice.backend is Backend.WINSOUND:
        return WinSoundPlayer()
    if choice.backend is Backend.COMMAND:
        command = CommandPlayer.find(settings.volume)
        if command is not None:
            return command
    return BeepPlayer()
