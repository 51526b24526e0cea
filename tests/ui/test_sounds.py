"""The bell through Qt Multimedia, and the fallback: which backend a PC gets and why (the self-test's report),
QSoundEffect with the bundled WAVs, a sound it cannot play handed to the fallback player. Offscreen: the
choice and the wiring are tested, not the speaker (this machine has no audio output)."""

from __future__ import annotations

import enum
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, ClassVar

import pytest

from pharmacy_desk.desk.settings import SoundSettings
from pharmacy_desk.ui.sounds import (
    Backend,
    BeepPlayer,
    CommandPlayer,
    QtSoundPlayer,
    SilentPlayer,
    Sound,
    WinSoundPlayer,
    choose_backend,
    make_player,
)
from tests.ui.ui_support import RecordingPlayer


class _Status(enum.Enum):
    Null = 0
    Loading = 1
    Ready = 2
    Error = 3


class _Effect:
    """QSoundEffect's surface, recording what the player does with it."""

    Status = _Status
    made: ClassVar[list[_Effect]] = []
    status_of_new = _Status.Ready

    def __init__(self) -> None:
        self.source = ""
        self.volume = -1.0
        self.plays = 0
        self.stopped = False
        self._status = _Effect.status_of_new
        _Effect.made.append(self)

    def setSource(self, url: Any) -> None:
        self.source = url.toLocalFile()

    def setVolume(self, volume: float) -> None:
        self.volume = volume

    def status(self) -> _Status:
        return self._status

    def play(self) -> None:
        self.plays += 1

    def stop(self) -> None:
        self.stopped = True


def fake_multimedia(*outputs: str) -> ModuleType:
    module = ModuleType("PySide6.QtMultimedia")
    module.QSoundEffect = _Effect  # type: ignore[attr-defined]
    devices = [SimpleNamespace(description=lambda name=name: name) for name in outputs]
    module.QMediaDevices = SimpleNamespace(audioOutputs=lambda: devices)  # type: ignore[attr-defined]
    return module


def _no_qt(problem: Exception) -> Any:
    def load() -> ModuleType:
        raise problem

    return load


def test_qt_multimedia_is_chosen_when_it_loads_and_has_an_output() -> None:
    module = fake_multimedia("Динамики (Realtek)")
    choice = choose_backend(SoundSettings(), load_qt=lambda: module, platform="win32", which=lambda _: None)
    assert choice.backend is Backend.QT and choice.qt_problem is None
    assert choice.report() == "Qt Multimedia: QSoundEffect on «Динамики (Realtek)»"


def test_without_qt_multimedia_the_platforms_player_and_the_reason() -> None:
    missing_lib = ImportError("libpulse.so.0: cannot open shared object file: No such file or directory")
    linux = choose_backend(
        SoundSettings(), load_qt=_no_qt(missing_lib), platform="linux", which=lambda name: f"/usr/bin/{name}"
    )
    assert linux.backend is Backend.COMMAND and linux.command == ["/usr/bin/paplay"]
    assert linux.report() == (
        "command: /usr/bin/paplay (Qt Multimedia not used: ImportError: libpulse.so.0: cannot open shared object"
        " file: No such file or directory)"
    )
    aplay_only = choose_backend(
        SoundSettings(),
        load_qt=_no_qt(missing_lib),
        platform="linux",
        which=lambda name: "/bin/aplay" if name == "aplay" else None,
    )
    assert aplay_only.command == ["/bin/aplay"]
    windows = choose_backend(SoundSettings(), load_qt=lambda: fake_multimedia(), platform="win32", which=lambda _: None)
    assert windows.backend is Backend.WINSOUND and windows.qt_problem == "no audio output device"
    nothing = choose_backend(
        SoundSettings(), load_qt=_no_qt(ModuleNotFoundError("No module named 'PySide6.QtMultimedia'")),
        platform="linux", which=lambda _: None,
    )  # fmt: skip
    assert nothing.backend is Backend.BEEP and nothing.qt_problem is not None
    assert nothing.qt_problem.startswith("ModuleNotFoundError")  # what the self-test fails on
    off = choose_backend(SoundSettings(enabled=False), load_qt=_no_qt(AssertionError("never loaded")))
    assert off.backend is Backend.SILENT and isinstance(make_player(SoundSettings(enabled=False), off), SilentPlayer)


def test_make_player_builds_the_chosen_player(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = SoundSettings(volume=60)
    monkeypatch.setattr(CommandPlayer, "find", classmethod(lambda cls, volume: cls(["/usr/bin/paplay"])))
    command = choose_backend(settings, load_qt=_no_qt(OSError("no")), platform="linux", which=lambda n: f"/x/{n}")
    assert isinstance(make_player(settings, command), CommandPlayer)
    windows = choose_backend(settings, load_qt=_no_qt(OSError("no")), platform="win32")
    assert isinstance(make_player(settings, windows), WinSoundPlayer)
    beep = choose_backend(settings, load_qt=_no_qt(OSError("no")), platform="linux", which=lambda _: None)
    assert isinstance(make_player(settings, beep), BeepPlayer)


def test_the_qt_player_preloads_every_bundled_sound_and_falls_back_for_one_it_cannot_play(qapp: object) -> None:
    _Effect.made.clear()
    fallback = RecordingPlayer()
    player = QtSoundPlayer(80, fallback, fake_multimedia("out"))
    effects = {Path(effect.source).name: effect for effect in _Effect.made}
    assert sorted(effects) == sorted(f"{sound.value}.wav" for sound in Sound)
    assert all(Path(effect.source).is_file() and effect.volume == pytest.approx(0.8) for effect in _Effect.made)
    player.play(Sound.NEW_ORDER)
    assert effects["new_order.wav"].plays == 1 and fallback.played == []
    effects["courier.wav"]._status = _Status.Error  # no device for it, or its format refused
    player.play(Sound.COURIER)
    assert effects["courier.wav"].plays == 0 and fallback.played == [Sound.COURIER]
    player.close()
    assert all(effect.stopped for effect in _Effect.made)


_REAL_QT = """
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
try:
    import PySide6.QtMultimedia as multimedia
except ImportError as exc:  # on Linux it needs the system's libpulse0
    print("NO-QT-MULTIMEDIA", exc)
    raise SystemExit(0)
from pharmacy_desk.desk.settings import SoundSettings
from pharmacy_desk.ui.sounds import Backend, QtSoundPlayer, Sound, choose_backend

app = QApplication(sys.argv)
played = []
fallback = type("Fallback", (), {"play": lambda self, s: played.append(s), "close": lambda self: None})()
player = QtSoundPlayer(50, fallback, multimedia)
for sound in Sound:
    effect = player._effects[sound]
    assert Path(effect.source().toLocalFile()) == sound.path, effect.source()
    assert abs(effect.volume() - 0.5) < 0.01, effect.volume()
player.play(Sound.ERROR)
assert played == ([Sound.ERROR] if player.failed(Sound.ERROR) else []), played
choice = choose_backend(SoundSettings())
outputs = multimedia.QMediaDevices.audioOutputs()
assert (choice.backend is Backend.QT) == bool(outputs), choice
player.close()
print("REPORT", choice.report())
"""


def test_the_real_qt_multimedia_plays_the_bundled_wavs_or_hands_them_to_the_fallback() -> None:
    """In a process of its own: Qt Multimedia's audio threads stay out of the test process."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", _REAL_QT], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    if done.stdout.startswith("NO-QT-MULTIMEDIA"):
        pytest.skip(done.stdout.strip())  # the choice without it is tested above with the same loader's error
    (report,) = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert report.startswith(("REPORT Qt Multimedia: QSoundEffect on «", "REPORT command: ", "REPORT beep: "))
