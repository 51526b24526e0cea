"""The register at the counter, on real widgets: the status bar shows it, the Касса menu drives the shift,
a shift near 24 h is announced; the hand-over screen's steps against the simulated register."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from pharmacy_desk.domain import OrderState
from pharmacy_desk.fiscal.models import CodeVerdict
from tests.support import eventually
from tests.ui.handover_support import make_ready, told_code, tools
from tests.ui.ui_support import Live, activate, type_keys


async def test_status_bar_and_the_register_menu(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk("Касса 1", operator="Иванова")
        controls = desk.window.register_controls
        assert controls is not None
        await eventually(lambda: controls.label.text().startswith("Касса: готова"))
        menus = [a.text() for a in controls.window.menuBar().actions()]
        assert menus == ["&Аптека", "&Заказ", "&Касса", "&Справка"]  # «Касса» is the register's, once
        assert await controls.do("x_report") == "X-отчёт напечатан"
        assert await controls.close_shift(confirm=False) == "Смена закрыта (Z-отчёт)"
        assert "Смена закрыта" in controls.label.text()
        refused = await controls.do("close_shift")
        assert (
            refused.startswith("Касса: Смена закрыта - операция невозможна (ошибка 73)") and "Открыть смену" in refused
        )
        assert await controls.do("open_shift") == "Смена открыта"
        assert env.register.reports == ["reportX", "closeShift", "openShift"]
        env.register.age_shift(23.5)
        await controls.monitor.check()
        assert "Смена закончится через" in controls.label.toolTip()
        assert "Смена закончится через" in desk.window.statusBar().currentMessage()
        env.register.paper = False
        await controls.monitor.check()
        assert controls.label.text() == "Касса: В кассе закончилась бумага"


async def test_handover_screen_steps_payment_after_the_code_blocked_pack_change(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk("Касса 1", operator="Иванова")
        number, order = await make_ready(desk, env)
        codes = order.composition[0].marking_codes
        assert len(codes) == 2 and order.pickup is not None
        env.register.set_code(codes[1], CodeVerdict.WITHDRAWN)
        view = tools(desk).handover
        assert await tools(desk).open_handover(number)
        assert not view.buttons["F6"].isEnabled() and not view.buttons["F7"].isEnabled()  # no code, no payment
        view.take_payment("cash")
        assert view.session is not None and view.session.payment is None
        assert view.steps.text().startswith("○ Код выдачи")
        await view.verify(await told_code(env, number))
        await eventually(lambda: view.flow is not None and view.flow.codes_checked and not view.working)
        assert "выведена из оборота" in view.feedback.text() and "уберите" in view.feedback.text()
        assert view.session.amount == Decimal("189.99")
        view.tendered.setText("200")
        view.take_payment("cash")
        assert "Сдача 10,01" in view.feedback.text() and "сдача 10,01" in view.payment.text()
        assert view.steps.text().startswith("✔ Код выдачи   ✔ Коды упаковок проверены   ✔ Оплачено   ○ Чек пробит")
        await view.do_hand_over()
        await eventually(lambda: desk.service.book.get(number).state is OrderState.SHIPPED)  # type: ignore[union-attr]
        (printed,) = env.register.printed
        assert printed.codes == [codes[0]]
        assert "✔ Выдано" in view.steps.text()


async def test_diagnostics_show_the_register_and_the_connection_dialog_sets_it(
    live: Callable[[], Live], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from pharmacy_desk.desk.settings import DeskSettings
    from pharmacy_desk.fiscal.permit import PermitSource
    from pharmacy_desk.fiscal.settings import FiscalKind
    from pharmacy_desk.ui.connect_dialog import ConnectDialog
    from pharmacy_desk.ui.diagnostics_dialog import DiagnosticsDialog

    async with live() as env:
        desk = await env.open_desk("Касса 1")
        dialog = DiagnosticsDialog(desk.service, settings_file=tmp_path / "desk.json", parent=desk.window)
        assert dialog.values["Register"].text() == f"АТОЛ (веб-сервер драйвера), {env.register_url}"
        await eventually(lambda: dialog.values["Register state"].text().startswith("Касса: готова"))
        assert "Register state: Касса: готова" in dialog.about_text()
        env.register.paper = False
        dialog.reject()
        again = DiagnosticsDialog(desk.service, settings_file=tmp_path / "desk.json", parent=desk.window)
        await eventually(lambda: "закончилась бумага" in again.values["Register state"].text())
        again.reject()

    connect = ConnectDialog(DeskSettings(relay_url="http://127.0.0.1:1", store="apteka-12"), None)
    assert connect.fiscal_kind.currentData() == "none"
    connect.fiscal_kind.setCurrentIndex(connect.fiscal_kind.findData("atol"))
    connect.fiscal_url.setText("http://127.0.0.1:16733")
    connect.permit_source.setCurrentIndex(connect.permit_source.findData("chz_api"))
    settings = connect._settings()
    assert not isinstance(settings, str)
    assert settings.fiscal.kind is FiscalKind.ATOL and settings.fiscal.url == "http://127.0.0.1:16733"
    assert settings.fiscal.permit_source is PermitSource.CHZ_API
    connect.fiscal_url.setText("ftp://nope")
    assert isinstance(connect._settings(), str)
    connect.deleteLater()


async def test_a_register_step_running_when_the_window_goes_draws_nothing_on_the_deleted_screen(
    live: Callable[[], Live],
) -> None:
    """The codes check is still at the register when the window closes and Qt deletes it: the step is
    cancelled with the window, nothing touches the deleted labels (a RuntimeError in Qt's loop fails this)."""
    async with live() as env:
        desk = await env.open_desk("Касса 1")
        number, _ = await make_ready(desk, env)
        view = tools(desk).handover
        assert await tools(desk).open_handover(number)
        env.register.hang = True  # the register takes the codes and does not answer
        await activate(desk.window)
        view.code.setFocus()
        await type_keys(await told_code(env, number), gap=0.06)  # Enter: the code, then the codes check
        await eventually(lambda: view.working and view.tasks.running == 1)
        desk.window.close()
        await desk.service.stop()
        env.desks.remove(desk)
        desk.window.deleteLater()
        desk.bridge.deleteLater()
        await eventually(lambda: not view.working)  # ended, not waiting for the register's time-out
        assert view.closed and view.tasks.running == 0
        for _ in range(5):  # the loop runs on: a continuation on the deleted labels would raise now
            await asyncio.sleep(0.01)
        assert env.register.hang  # the register never answered: the step was cancelled
