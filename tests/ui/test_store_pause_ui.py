"""Касса → «Приостановить приём заказов» on two real windows over a real relay and the fake Kuper."""

from __future__ import annotations

from collections.abc import Callable

from desk_support import STORE, RelayServer
from ui_support import Live, eventually

from pharmacy_desk.kuper.content_wire import StoreStatus
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve


def _menu_texts(window: object) -> list[str]:
    bar = window.menuBar()  # type: ignore[attr-defined]
    return [action.text() for action in bar.actions()]


async def test_the_pause_key_pauses_on_one_window_and_shows_on_the_other(live: Callable[[], Live]) -> None:
    fake = KuperStub()
    async with serve(fake.app) as kuper_url:
        env = live()
        env.relay = RelayServer(
            env.relay.database_url,
            kuper={
                "base_url": kuper_url,
                "client_id": "sim-client",
                "client_secret": "sim-secret",
                "retail_chain_slug": "sim-chain",
            },
            stores=[{"key": STORE, "name": "Аптека №12", "number_prefix": "A12-", "kuper_outlet_id": "12"}],
        )
        async with env:
            first = await env.open_desk("Касса 1")
            second = await env.open_desk("Касса 2")
            assert "&Касса" in _menu_texts(first.window)
            controls = first.window.pause_controls
            assert controls.pause_menu.title() == "Приостановить приём заказов"
            assert [a.text() for a in controls.pause_menu.actions()] == [
                "На 15 минут",
                "На 30 минут",
                "На 60 минут",
                "До возобновления",
            ]
            await eventually(lambda: first.service.pause.info is not None)
            assert not controls.resume_action.isEnabled()
            assert not second.window.pause_indicator.isVisible()

            controls.pause_actions[30].trigger()
            await eventually(lambda: second.window.pause_indicator.isVisible())
            text = second.window.pause_indicator.text()
            assert text.startswith("Приём заказов Купера приостановлен до ")
            assert second.window.pause_controls.resume_action.isEnabled()
            status = fake.content.store_status("12")
            assert status is not None and status.status is StoreStatus.INACTIVE

            second.window.pause_controls.resume_action.trigger()
            await eventually(lambda: not first.window.pause_indicator.isVisible())
            assert not first.window.pause_controls.resume_action.isEnabled()
            resumed = fake.content.store_status("12")
            assert resumed is not None and resumed.status is StoreStatus.ACTIVE

            fake.content.refuse_store_status("12")
            controls.pause_actions[15].trigger()
            await eventually(lambda: first.window.status.currentMessage().startswith("Купер не позволил"))
            assert not first.window.pause_indicator.isVisible()
