"""The bell rings again until acknowledged, louder after a while; no tray offscreen is not an error."""

from __future__ import annotations

import wave

from PySide6.QtWidgets import QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot
from ui_support import RecordingPlayer

from pharmacy_desk.desk.order_book import AlertEvent
from pharmacy_desk.desk.settings import SoundSettings
from pharmacy_desk.domain import AlertKind
from pharmacy_desk.ui.alerts import AlertArea, Alerts
from pharmacy_desk.ui.sounds import SilentPlayer, Sound, make_player


def test_the_bell_repeats_and_gets_louder_until_acknowledged(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    banners = AlertArea(window)
    player = RecordingPlayer()
    now = [1000.0]
    alerts = Alerts(
        window, banners, player, SoundSettings(new_order_repeat_seconds=1), clock=lambda: now[0], escalate_after=180
    )
    assert alerts.tray is None or QSystemTrayIcon.isSystemTrayAvailable()

    alerts.on_ringing(frozenset({"A12-000001"}))
    assert player.played == [Sound.NEW_ORDER] and banners.get(alerts.RING_KEY) is not None
    now[0] += 60
    with qtbot.waitSignal(alerts._timer.timeout, timeout=3000):
        pass
    assert player.played == [Sound.NEW_ORDER, Sound.NEW_ORDER]
    now[0] += 200  # nobody came for more than 3 minutes
    with qtbot.waitSignal(alerts._timer.timeout, timeout=3000):
        pass
    assert player.played[-1] is Sound.NEW_ORDER_LOUD

    alerts.on_ringing(frozenset({"A12-000001", "A12-000002"}))  # another one: rings at once
    assert player.played[-1] is Sound.NEW_ORDER_LOUD  # the first is still overdue
    alerts.on_ringing(frozenset())
    assert banners.get(alerts.RING_KEY) is None and not alerts._timer.isActive()
    alerts.on_alert(AlertEvent(AlertKind.ANOMALY, "anomaly", "Купер прислал странное", number="A12-000003", event_id=7))
    banner = banners.get("other:A12-000003")
    assert banner is not None and "A12-000003" in banner.text
    alerts.close()


def test_the_sounds_are_shipped_and_playable(qapp: object) -> None:
    for sound in Sound:
        with wave.open(str(sound.path)) as wav:
            assert wav.getnchannels() == 1 and wav.getsampwidth() == 2 and wav.getnframes() > 0
    assert isinstance(make_player(SoundSettings(enabled=False)), SilentPlayer)
    with wave.open(str(Sound.NEW_ORDER_LOUD.path)) as loud, wave.open(str(Sound.NEW_ORDER.path)) as calm:
        assert loud.getnframes() > calm.getnframes()
