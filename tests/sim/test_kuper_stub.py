"""The fake Kuper answers like the wire contract says, through the project's own Kuper client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from pharmacy_desk.kuper import (
    InWorkNotification,
    KuperClient,
    NotificationPosition,
    ReadyForDeliveryNotification,
    SendOutcome,
    names,
)
from pharmacy_desk.sim.kuper_stub import Endpoint, KuperStub
from pharmacy_desk.sim.serving import serve, serve_in_thread

UUID = "apteka-sim:1b7d2c2e-0000-4000-8000-000000000001"


@pytest.fixture
async def stub() -> AsyncIterator[tuple[KuperStub, str]]:
    kuper = KuperStub(client_id="cid", client_secret="secret")
    async with serve(kuper.app) as url:
        yield kuper, url


def _client(url: str, secret: str = "secret") -> KuperClient:
    return KuperClient(url, "cid", secret, timeout=5.0)


async def test_token_and_notification_then_repeat_is_202(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    note = InWorkNotification.build(UUID, "000001")
    async with _client(url) as client:
        first = await client.send_notification(note)
        again = await client.send_notification(note)
    assert first.outcome is SendOutcome.DONE
    assert again.outcome is SendOutcome.DUPLICATE
    assert [r.status for r in kuper.received_for(UUID)] == [200, 202]
    assert kuper.token_requests == 1


async def test_wrong_secret_is_refused(stub: tuple[KuperStub, str]) -> None:
    _, url = stub
    async with _client(url, secret="wrong") as client:
        result = await client.send_notification(InWorkNotification.build(UUID, "000001"))
    assert result.outcome is SendOutcome.AUTH_FAILED


async def test_missing_token_is_401_and_bad_body_422(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    async with httpx.AsyncClient(base_url=url) as http:
        anonymous = await http.post(names.NOTIFICATIONS_PATH, json={"event_type": "order.in_work"})
        token = (
            await http.post(
                names.TOKEN_PATH,
                data={"grant_type": "client_credentials", "client_id": "cid", "client_secret": "secret"},
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # order.ready_for_delivery without its composition: Kuper must never get it.
        bad = {"event_type": "order.ready_for_delivery", "payload": {"orderUUID": UUID, "number": "1"}}
        invalid = await http.post(names.NOTIFICATIONS_PATH, json=bad, headers=headers)
    assert anonymous.status_code == 401
    assert invalid.status_code == 422
    assert "positions" in invalid.json()["errors"][0]["message"]  # Kuper's errors[] shape
    assert [a.status for a in kuper.attempts] == [401, 422]
    assert kuper.received == []


async def test_storm_for_n_requests_with_retry_after(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    kuper.storm(429, requests=2, retry_after=1)
    note = InWorkNotification.build(UUID, "000001")
    async with _client(url) as client:
        results = [await client.send_notification(note) for _ in range(3)]
    assert [r.outcome for r in results] == [SendOutcome.RETRY, SendOutcome.RETRY, SendOutcome.DONE]
    assert results[0].retry_after == 1.0
    assert kuper.storm_over()


async def test_storm_for_seconds() -> None:
    now = [100.0]
    kuper = KuperStub(client_id="cid", client_secret="secret", clock=lambda: now[0])
    kuper.storm(503, seconds=5)
    now[0] += 60  # the seconds count from the first request hit, not from the order to storm
    async with serve(kuper.app) as url, _client(url) as client:
        note = InWorkNotification.build(UUID, "000001")
        stormy = await client.send_notification(note)
        now[0] += 4
        still = await client.send_notification(note)
        now[0] += 1
        fine = await client.send_notification(note)
    assert (stormy.outcome, still.outcome, fine.outcome) == (SendOutcome.RETRY, SendOutcome.RETRY, SendOutcome.DONE)


async def test_401_storm_makes_the_client_refresh_once(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    note = InWorkNotification.build(UUID, "000001")
    async with _client(url) as client:
        assert (await client.send_notification(note)).is_done
        kuper.revoke_tokens()
        result = await client.send_notification(note)
    assert result.outcome is SendOutcome.DUPLICATE
    assert kuper.token_requests == 2


async def test_token_endpoint_storm(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    kuper.storm(500, requests=1, endpoint=Endpoint.TOKEN)
    async with _client(url) as client:
        first = await client.send_notification(InWorkNotification.build(UUID, "000001"))
        second = await client.send_notification(InWorkNotification.build(UUID, "000001"))
    assert (first.outcome, second.outcome) == (SendOutcome.RETRY, SendOutcome.DONE)


async def test_unknown_order_is_404_once_orders_are_known(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    kuper.expect_order(UUID)
    async with _client(url) as client:
        known = await client.send_notification(InWorkNotification.build(UUID, "000001"))
        unknown = await client.send_notification(InWorkNotification.build(UUID + "x", "000002"))
    assert known.outcome is SendOutcome.DONE
    assert unknown.status_code == 404


async def test_same_event_different_body_is_recorded_as_new(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    one = NotificationPosition.build("100234", 1, "199.99", "189.99")
    two = NotificationPosition.build("100234", 2, "199.99", "189.99")
    async with _client(url) as client:
        await client.send_notification(ReadyForDeliveryNotification.build(UUID, "1", [one]))
        await client.send_notification(ReadyForDeliveryNotification.build(UUID, "1", [two]))
    assert [r.status for r in kuper.received_for(UUID)] == [200, 200]


def test_threaded_server_serves_and_stops() -> None:
    kuper = KuperStub(client_id="cid", client_secret="secret")
    with serve_in_thread(kuper.app) as url:
        answer = httpx.post(
            url + names.TOKEN_PATH,
            data={"grant_type": "client_credentials", "client_id": "cid", "client_secret": "secret"},
        )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer"
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + names.TOKEN_PATH, timeout=1.0)


async def test_wait_for_times_out() -> None:
    kuper = KuperStub()
    started = time.monotonic()
    assert not await kuper.wait_for(lambda k: bool(k.received), timeout=0.1)
    assert time.monotonic() - started >= 0.1


async def test_storm_limited_to_orders_spares_the_others(stub: tuple[KuperStub, str]) -> None:
    kuper, url = stub
    other = UUID.replace("0001", "0002")
    kuper.storm(500, orders=[UUID])
    async with _client(url) as client:
        hit = await client.send_notification(InWorkNotification.build(UUID, "000001"))
        spared = await client.send_notification(InWorkNotification.build(other, "000002"))
        kuper.calm(orders=[UUID])
        after = await client.send_notification(InWorkNotification.build(UUID, "000001"))
    assert (hit.outcome, spared.outcome, after.outcome) == (SendOutcome.RETRY, SendOutcome.DONE, SendOutcome.DONE)
