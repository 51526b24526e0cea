"""Аптека → «Приостановить приём заказов» on two real windows over a real relay and the fake Kuper."""

from __future__ import annotations

from collections.abc import Callable

from pharmacy_desk.kuper.content_wire import StoreStatus
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from tests.desk.desk_support import STORE, RelayServer
from tests.support import eventually
from tests.ui.ui_support import Live


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
            assert "&Аптека" in _menu_texts(first.window)
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


async def test_extend_pickup_from_the_order_menu_moves_the_deadline(live: Callable[[], Live]) -> None:
    from datetime import UTC, datetime, timedelta

    from pharmacy_desk.domain import OrderState
    from pharmacy_desk.ui.extend_pickup import ExtendPickupDialog, extend_pickup

    async with live() as env:
        desk = await env.open_desk()
        assert desk.window.tools.actions["extend"].text() == "Продлить хранение до …"
        number = await env.relay.create_order("pickup")
        await eventually(lambda: number in desk.service.book)
        token = await env.relay.device("Касса 2")
        headers = {"Authorization": f"Bearer {token}"}
        assert env.relay.client is not None
        for action in (
            {"kind": "start_assembly"},
            {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]},
            {"kind": "ready"},
        ):
            detail = await env.relay.client.get(f"/stores/{STORE}/orders/{number}", headers=headers)
            body = {
                "action": action,
                "expected_version": detail.json()["order"]["version"],
                "idempotency_key": str(action),
            }
            response = await env.relay.client.post(
                f"/stores/{STORE}/orders/{number}/actions", json=body, headers=headers
            )
            assert response.status_code == 200, response.text
        await eventually(lambda: desk.service.book.get(number).state is OrderState.AWAITING_PICKUP)  # type: ignore[union-attr]

        now = datetime.now(UTC)
        dialog = ExtendPickupDialog(number, desk.window, now=now)
        chosen = dialog.chosen()
        assert timedelta(hours=23) < chosen - now <= timedelta(days=1)
        assert dialog.until.maximumDateTime().toSecsSinceEpoch() == int(
            (now.replace(second=0, microsecond=0) + timedelta(days=7)).timestamp()
        )
        dialog.deleteLater()
        done, message = await extend_pickup(desk.service, number, chosen)
        assert done and message.startswith(f"Заказ {number}: хранение продлено до ")
        again, refused = await extend_pickup(desk.service, number, chosen)
        assert not again and refused == "Новый срок хранения должен быть позже нынешнего"
