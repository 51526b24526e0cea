"""The pickup code by e-mail (a real local SMTP server, aiosmtpd) and SMS (the strict fake SMS.ru),
through a relay on loopback that also sends its notifications to the fake Kuper."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from pharmacy_desk.relay.storage.schema import pickup_messages
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from pharmacy_desk.sim.sms_gateway import SmsGateway
from tests.relay.relay_support import Relay, RelayFactory

AS_ORDERED = {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}
TEMPLATE = "Аптека «{store}»: заказ {number} собран. Код получения {code}."
CUSTOMER = {"name": "Анна", "phone": "+7 (999) 000-11-22", "email": "anna@example.ru"}


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.original_content, policy=policy.default))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@pytest.fixture
async def sms() -> AsyncIterator[tuple[SmsGateway, str]]:
    gateway = SmsGateway()
    async with serve(gateway.app) as url:
        yield gateway, url


@pytest.fixture
async def kuper() -> AsyncIterator[tuple[KuperStub, str]]:
    fake = KuperStub()
    async with serve(fake.app) as url:
        yield fake, url


async def _relay(
    relay_factory: RelayFactory,
    mailbox: tuple[Mailbox, int],
    sms: tuple[SmsGateway, str],
    kuper: tuple[KuperStub, str],
    **messaging: Any,
) -> Relay:
    return await relay_factory(
        kuper={"base_url": kuper[1], "client_id": "sim-client", "client_secret": "sim-secret"},
        messaging={
            "smtp": {"host": "127.0.0.1", "port": mailbox[1], "from_address": "apteka12@example.ru"},
            "sms": {"api_id": sms[0].api_id, "base_url": sms[1], "sender": "APTEKA"},
            **messaging,
        },
        stores=[
            {
                "key": "apteka-12",
                "name": "Аптека №12",
                "number_prefix": "A12-",
                "pickup_messages": {"sms": True, "email": True, "template": TEMPLATE},
            }
        ],
    )


async def _ready(relay: Relay) -> tuple[str, str]:
    number = await relay.create_order("pickup", customer=CUSTOMER)
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, AS_ORDERED, pc)
    await relay.ok(number, {"kind": "ready"}, pc)
    code = await relay.code_for_kuper(number)
    return number, code


async def _rows(relay: Relay) -> list[dict[str, Any]]:
    async with relay.state.engine.connect() as conn:
        rows = await conn.execute(select(pickup_messages).order_by(pickup_messages.c.channel))
        return [dict(row._mapping) for row in rows]


async def test_the_code_reaches_the_smtp_server_and_the_sms_gateway_once_each(
    relay_factory: RelayFactory,
    mailbox: tuple[Mailbox, int],
    sms: tuple[SmsGateway, str],
    kuper: tuple[KuperStub, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    relay = await _relay(relay_factory, mailbox, sms, kuper)
    number, code = await _ready(relay)
    await relay.state.messages.idle()
    text = f"Аптека «Аптека №12»: заказ {number} собран. Код получения {code}."

    [(recipients, mail)] = mailbox[0].messages
    assert recipients == ["anna@example.ru"]
    assert mail["Subject"] == f"Код получения заказа {number}" and mail["From"] == "apteka12@example.ru"
    assert mail.get_content().strip() == text  # type: ignore[attr-defined]
    [sent] = sms[0].messages
    assert (sent.to, sent.text, sent.sender) == ("79990001122", text, "APTEKA")

    # once per code: a second "issued" for the same order sends nothing, a second issue is refused
    stored = relay.state.config.store("apteka-12")
    assert stored is not None
    order_id = (await _rows(relay))[0]["order_id"]
    order = (await relay.order(number, await relay.device()))["order"]
    from pharmacy_desk.domain import Order

    relay.state.messages.code_issued(stored, Order.model_validate(order), order_id, code)
    await relay.state.messages.idle()
    assert len(mailbox[0].messages) == 1 and len(sms[0].messages) == 1
    rows = await _rows(relay)
    assert [(r["channel"], r["status"], r["recipient"], r["attempts"]) for r in rows] == [
        ("email", "sent", "a***@example.ru", 1),
        ("sms", "sent", "+7 999 ***-**-22", 1),
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records if "messages" in record.name)
    assert "pickup code sent by sms to +7 999 ***-**-22" in logged
    assert text not in logged and f"Код получения {code}" not in logged

    # the Kuper notification went out as usual
    assert await kuper[0].wait_for(
        lambda k: any(r.event_type == "order.pickup_code_created" for r in k.received), timeout=10
    )


async def test_a_gateway_that_is_down_delays_nothing_else(
    relay_factory: RelayFactory,
    mailbox: tuple[Mailbox, int],
    sms: tuple[SmsGateway, str],
    kuper: tuple[KuperStub, str],
) -> None:
    gateway, _ = sms
    gateway.go_down(hang=2.0)  # it takes its time, then answers 503
    relay = await _relay(relay_factory, mailbox, sms, kuper, attempts=2, retry_seconds=0.1, timeout_seconds=1)
    number, _ = await _ready(relay)
    # while the SMS is still waiting for the gateway, the e-mail and Kuper's notification are through
    assert await kuper[0].wait_for(
        lambda k: any(r.event_type == "order.pickup_code_created" and r.number == number for r in k.received),
        timeout=10,
    )
    for _ in range(200):
        if mailbox[0].messages:
            break
        await asyncio.sleep(0.02)
    assert len(mailbox[0].messages) == 1
    statuses = {r["channel"]: r["status"] for r in await _rows(relay)}
    assert statuses == {"email": "sent", "sms": "sending"}

    await relay.state.messages.idle()
    [email, sms_row] = await _rows(relay)
    assert email["status"] == "sent"
    assert sms_row["status"] == "failed" and sms_row["attempts"] == 2
    assert sms_row["last_error"] == "no answer within 1 s"
    assert gateway.messages == []
