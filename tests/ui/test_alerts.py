"""The bell rings again until acknowledged, louder after a while; no tray offscreen is not an error."""

from __future__ import annotations

import wave

import pytest
from PySide6.QtWidgets import QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot

from pharmacy_desk.desk.alert_book import AlertGroup
from pharmacy_desk.desk.order_book import AlertEvent, BookChange
from pharmacy_desk.desk.settings import SoundSettings
from pharmacy_desk.domain import AlertKind, OrderState
from pharmacy_desk.ui.alerts import AlertArea, Alerts
from pharmacy_desk.ui.sounds import SilentPlayer, Sound, make_player
from tests.desk.book_support import NOW, summary
from tests.ui.ui_support import RecordingPlayer


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


# a popup asks the platform to raise it and grab the keyboard; the offscreen plugin cannot (not the app's fault)
@pytest.mark.qt_log_ignore(r"This plugin does not support (raise\(\)|grabbing the keyboard|propagateSizeHints\(\))")
def test_the_alert_area_merges_lists_on_click_and_drops_what_is_over(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    area = AlertArea(window)
    area.resize(900, area.height())
    window.show()
    height = area.height()
    opened: list[str] = []
    area.openOrder.connect(opened.append)
    alerts = Alerts(window, area, RecordingPlayer(), SoundSettings(), use_tray=False)
    stock = AlertEvent(None, "stock", "Заказ A12-000001: не хватает товара: Нурофен", number="A12-000001", event_id=1)
    alerts.on_alert(stock)
    alerts.on_alert(AlertEvent(None, "stock", "Заказ A12-000002: нет в наличии: Аспирин", number="A12-000002"))
    alerts.on_alert(stock)  # the same order again: still one alert for it
    assert area.top_group is AlertGroup.STOCK and len(area.book) == 2
    assert area.top_text().startswith("Проблемы с остатками (2): ") and area.height() == height
    alerts.on_alert(AlertEvent(AlertKind.COURIER_ARRIVED, "courier_arrived", "", number="A12-000003"))
    assert area.top_group is AlertGroup.COURIER and area.height() == height  # most urgent first, same height
    assert area.all.text() == "Все оповещения: 3 ▾"

    area.all.click()  # the list of all of them
    assert area.popup.isVisible()  # the most urgent first, the newest first within a kind
    assert area.popup.keys() == ["courier:A12-000003", "stock:A12-000002", "stock:A12-000001"]
    area.popup.activated.emit(area.popup.keys()[1])  # Enter on a stock alert: its order opens
    assert opened == ["A12-000002"] and not area.popup.isVisible()

    # the causes go: one order assembled, the other canceled, the courier's bag taken
    done = (
        summary("A12-000001", state=OrderState.ASSEMBLED),
        summary("A12-000002", state=OrderState.CANCELED),
        summary("A12-000003", state=OrderState.SHIPPING, courier_arrived_at=NOW),
    )
    area.follow(BookChange(changed=done))
    assert len(area.book) == 0 and area.label.text() == "Оповещений нет" and area.height() == height
    alerts.close()
