"""``pharmacy-desk fiscal ...`` as a store's IT person runs it: a real process against the simulated register."""

from __future__ import annotations

import asyncio
import sys

from pharmacy_desk.fiscal.models import CodeVerdict
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.serving import bind, serve, url_of
from tests.fiscal.fiscal_support import CODE_A


async def run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pharmacy_desk.counter_cli",
        "fiscal",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_status_x_report_and_check_code_never_sell() -> None:
    sim = AtolSimulator()
    async with serve(sim.app) as url:
        rc, out, _ = await run_cli("--url", url, "--permit-url", url, "status")
        assert rc == 0, out
        assert "Смена: № 1 открыта" in out and "Касса готова пробивать чеки" in out and "Бумага: есть" in out

        rc, out, _ = await run_cli("--url", url, "x-report")
        assert (rc, out.strip()) == (0, "X-отчёт напечатан") and sim.reports == ["reportX"]

        typed = CODE_A.replace("\x1d", "<GS>")
        rc, out, _ = await run_cli("--url", url, "--permit-url", url, "check-code", typed)
        assert rc == 0 and "продажа разрешена" in out and "Тег 1260: UUID=" in out
        assert sim.permit_calls == [[CODE_A]]

        sim.set_code(CODE_A, CodeVerdict.EXPIRED)
        rc, out, _ = await run_cli("--url", url, "--permit-url", url, "check-code", CODE_A)
        assert rc == 1 and "Истёк срок годности" in out
        assert sim.printed == []  # nothing was sold
        assert not sim._accepted  # nothing kept for a receipt

        sim.paper = False
        rc, out, _ = await run_cli("--url", url, "status")
        assert rc == 1 and "Нельзя пробить чек: В кассе закончилась бумага" in out
        rc, _, err = await run_cli("--url", url, "x-report")
        assert rc == 1 and "Нет бумаги" in err


async def test_register_away_is_a_clear_failure() -> None:
    sock = bind()
    url = url_of(sock)
    sock.close()
    rc, out, _ = await run_cli("--url", url, "--timeout", "2", "status")
    assert rc == 1 and "Связь: нет" in out and "веб-сервер драйвера АТОЛ" in out
    rc, _, err = await run_cli("--url", url, "--timeout", "2", "x-report")
    assert rc == 1 and "Касса не отвечает" in err
    rc, _, err = await run_cli("--url", "ftp://x", "status")
    assert rc == 2 and "http://" in err
