"""The app's lifespan and the HTTP log: schema checks, the outbox worker, secrets kept out of logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from pharmacy_desk.relay.app import create_app
from pharmacy_desk.relay.errors import SchemaOutOfDate
from pharmacy_desk.relay.http.access_log import LoggingTransport, redact_headers, redact_query
from tests.relay.relay_support import (
    BASIC_PASSWORD,
    CLIENT_TOKEN,
    STORE,
    Relay,
    RelayFactory,
    basic_headers,
    make_config,
    new_uuid,
    webhook,
)
from tests.support import eventually


async def test_without_migrating_an_empty_database_is_refused(tmp_path: object) -> None:
    app = create_app(make_config(f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3"), migrate_schema=False)
    with pytest.raises(SchemaOutOfDate):
        async with app.router.lifespan_context(app):
            pass


async def test_requests_are_logged_without_secrets(relay: Relay, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pharmacy_desk.relay.http")
    pc = await relay.device()
    token = pc["Authorization"].split()[1]
    await relay.post_webhook(webhook("order_created_delivery", new_uuid()))
    await relay.post_webhook(webhook("order_created_delivery", new_uuid()), headers=basic_headers())
    await relay.client.get(f"/stores/{STORE}/orders?token=abc123&state=new", headers=pc)
    lines = [r.getMessage() for r in caplog.records if r.name == "pharmacy_desk.relay.http"]
    text = "\n".join(lines)
    assert "POST /kuper/webhooks from 127.0.0.1:" in text and "-> 200 in " in text
    assert f"/stores/{STORE}/orders?token=***&state=new" in text
    for secret in (CLIENT_TOKEN, BASIC_PASSWORD, token, basic_headers()["Authorization"].split()[1], "abc123"):
        assert secret not in text
    assert "'client-token': '***'" in text and "'authorization': 'Bearer ***'" in text


def test_redaction_helpers() -> None:
    headers = redact_headers({"Authorization": "Basic abc", "X-Api-Key": "k", "Accept": "json", "Cookie": "s=1"})
    assert headers == {"authorization": "Basic ***", "x-api-key": "***", "accept": "json", "cookie": "***"}
    assert redact_query("client_secret=x&a=1&access_token=y") == "client_secret=***&a=1&access_token=***"


async def test_outgoing_requests_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pharmacy_desk.relay.http")
    inner = httpx.MockTransport(lambda request: httpx.Response(202, json={}))
    async with httpx.AsyncClient(transport=LoggingTransport(inner)) as client:
        await client.post("https://kuper.example/ofm/api/v1/notifications", headers={"Authorization": "Bearer t0k"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "send POST https://kuper.example/ofm/api/v1/notifications" in text and "-> 202" in text
    assert "t0k" not in text


async def test_outbox_worker_runs_when_kuper_is_configured(relay_factory: RelayFactory) -> None:
    outbox_module = pytest.importorskip("pharmacy_desk.relay.outbox.worker")
    if not hasattr(outbox_module, "OutboxWorker"):
        pytest.skip("the outbox worker is not there yet")
    # Nothing listens on port 9 of 127.0.0.1: every send fails and the row is retried later.
    kuper = {
        "base_url": "http://127.0.0.1:9",
        "client_id": "pharmacy-12",
        "client_secret": "s3cret",
        "timeout_seconds": 1,
    }
    relay = await relay_factory(kuper=kuper)
    assert relay.state.outbox_worker is not None and relay.state.outbox_worker.running
    number = await relay.create_order()
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)

    async def attempted() -> bool:
        return bool((await relay.outbox_rows())[0]["attempts"])

    await eventually(attempted, timeout=5, interval=0.05, what="a first attempt to send the notification")
    row = (await relay.outbox_rows())[0]
    assert row["status"] == "retrying" and row["last_error"]


async def test_no_outbox_worker_without_kuper_credentials(relay: Relay) -> None:
    assert relay.state.outbox_worker is None
