"""The counter's sounds and who plays them.

PySide6-Essentials has no QtMultimedia, so playing a WAV does not depend on it:

=====================  ========================================================================
player                 when
=====================  ========================================================================
``QtSoundPlayer``      ``PySide6.QtMultimedia`` is installed (PySide6-Addons): QSoundEffect, volume
``WinSoundPlayer``     Windows: :mod:`winsound` (standard library), asynchronous
``CommandPlayer``      Linux / macOS: ``paplay`` (PulseAudio / PipeWire, volume), ``aplay`` or ``afplay``
``BeepPlayer``         none of those: the system beep
``SilentPlayer``       sounds switched off in the settings
=====================  ========================================================================

Every player only *starts* a sound: nothing here blocks the event loop.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Protocol

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
    """QSoundEffect per sound (preloaded): low latency and a real volume."""

    def __init__(self, volume: int) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QSoundEffect  # PySide6-Addons

        self._effects = {}
        for sound in Sound:
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(sound.path)))
            effect.setVolume(volume / 100)
            self._effects[sound] = effect

    def play(self, sound: Sound) -> None:
        self._effects[sound].play()

    def close(self) -> None:
        for effect in self._effects.values():
            effect.stop()


def make_player(settings: SoundSettings) -> SoundPlayer:
    """The best player this PC has, or a silent one when sounds are off."""
    if not settings.enabled:
        return SilentPlayer()
    try:
        import PySide6.QtMultimedia  # noqa: F401
    except ImportError:
        pass
    else:
        return QtSoundPlayer(settings.volume)
    if sys.platform == "win32":
        return WinSoundPlayer()
    command = CommandPlayer.find(settings.volume)
    if command is not None:
        return command
    log.info("no sound player found: the system beep is used")
    return BeepPlayer()
