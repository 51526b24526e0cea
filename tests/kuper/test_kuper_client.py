"""KuperClient over real HTTP against the stub Kuper on loopback."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

import httpx
import pytest

from pharmacy_desk.kuper import (
    InWorkNotification,
    KuperClient,
    SendOutcome,
    parse_notification,
)
from tests.kuper.kuper_support import CLIENT_ID, CLIENT_SECRET, ClientFactory, Reply, StubKuper, load_fixture

UUID = "retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f"
NUMBER = "MERCHANT_ORDER_12345"


def in_work() -> InWorkNotification:
    return InWorkNotification.build(UUID, NUMBER)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_200_is_done_with_token_headers_and_body(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    client = await make_client()
    notification = parse_notification(load_fixture("notifications/order_ready_for_delivery.json"))

    result = await client.send_notification(notification)

    assert result.outcome is SendOutcome.DONE
    assert result.is_done and not result.should_retry and not result.needs_attention
    assert result.status_code == 200
    [token_request] = stub_kuper.token_requests
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.body.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }
    [sent] = stub_kuper.notification_requests
    assert sent.headers["authorization"] == "Bearer tok-1"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["api-version"] == "3.0"
    assert json.loads(sent.body) == load_fixture("notifications/order_ready_for_delivery.json")


async def test_202_is_a_duplicate_that_counts_as_done(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    stub_kuper.notification_replies.append(Reply(202, {"status": "already processed"}))
    result = await (await make_client()).send_notification(in_work())
    assert result.outcome is SendOutcome.DUPLICATE
    assert result.is_done


async def test_401_once_refreshes_the_token_and_retries(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    stub_kuper.notification_replies.append(Reply(401, {"error": "invalid_token"}))
    result = await (await make_client()).send_notification(in_work())

    assert result.outcome is SendOutcome.DONE
    assert len(stub_kuper.token_requests) == 2
    assert [r.headers["authorization"] for r in stub_kuper.notification_requests] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]


async def test_401_twice_is_auth_failed(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    stub_kuper.notification_replies += [Reply(401, {"error": "invalid_token"}), Reply(401, {"error": "no"})]
    result = await (await make_client()).send_notification(in_work())

    assert result.outcome is SendOutcome.AUTH_FAILED
    assert result.status_code == 401
    assert result.should_retry and result.needs_attention
    assert "credentials" in result.message
    assert len(stub_kuper.token_requests) == 2
    assert len(stub_kuper.notification_requests) == 2


async def test_422_is_failed_and_keeps_kupers_error(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    error = {"errors": [{"field": "positions[0].totalPrice", "message": "не совпадает сумма"}]}
    stub_kuper.notification_replies.append(Reply(422, error))
    result = await (await make_client()).send_notification(in_work())

    assert result.outcome is SendOutcome.FAILED
    assert result.status_code == 422
    assert not result.should_retry and result.needs_attention
    assert result.response_body is not None
    assert json.loads(result.response_body) == error
    assert "не совпадает сумма" in result.message


@pytest.mark.parametrize("status", [400, 404])
async def test_other_client_errors_are_failed(stub_kuper: StubKuper, make_client: ClientFactory, status: int) -> None:
    stub_kuper.notification_replies.append(Reply(status, text="order not found"))
    result = await (await make_client()).send_notification(in_work())
    assert result.outcome is SendOutcome.FAILED
    assert result.response_body == "order not found"


@pytest.mark.parametrize(
    ("status", "retry_after", "expected_delay"),
    [(500, None, None), (502, None, None), (429, "7", 7.0), (503, "120", 120.0)],
)
async def test_overload_and_server_errors_are_retried(
    stub_kuper: StubKuper,
    make_client: ClientFactory,
    status: int,
    retry_after: str | None,
    expected_delay: float | None,
) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    stub_kuper.notification_replies.append(Reply(status, text="busy", headers=headers))
    result = await (await make_client()).send_notification(in_work())

    assert result.outcome is SendOutcome.RETRY
    assert result.status_code == status
    assert result.retry_after == expected_delay
    assert result.should_retry and not result.needs_attention


async def test_slow_kuper_is_a_time_out_to_retry(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    stub_kuper.notification_replies.append(Reply(hang=True))
    client = await make_client(timeout=httpx.Timeout(2.0, read=0.2))
    result = await client.send_notification(in_work())

    assert result.outcome is SendOutcome.RETRY
    assert result.status_code is None
    assert "in time" in result.message and "ReadTimeout" in result.message


async def test_connection_refused_is_retried(make_client: ClientFactory, closed_port: int) -> None:
    client = await make_client(base_url=f"http://127.0.0.1:{closed_port}")
    result = await client.send_notification(in_work())
    assert result.outcome is SendOutcome.RETRY
    assert "unreachable" in result.message


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (Reply(401, {"error": "invalid_client"}), SendOutcome.AUTH_FAILED),
        (Reply(403, text="forbidden"), SendOutcome.AUTH_FAILED),
        (Reply(400, {"error": "invalid_client"}), SendOutcome.AUTH_FAILED),
        (Reply(200, {"token": "not-the-assumed-format"}), SendOutcome.AUTH_FAILED),
        (Reply(200, text="<html>maintenance</html>"), SendOutcome.AUTH_FAILED),
        (Reply(503, text="down", headers={"Retry-After": "30"}), SendOutcome.RETRY),
        (Reply(429, text="slow down"), SendOutcome.RETRY),
    ],
)
async def test_token_endpoint_trouble(
    stub_kuper: StubKuper, make_client: ClientFactory, reply: Reply, outcome: SendOutcome
) -> None:
    stub_kuper.token_replies.append(reply)
    result = await (await make_client()).send_notification(in_work())

    assert result.outcome is outcome
    assert result.should_retry
    assert stub_kuper.notification_requests == []


async def test_token_endpoint_refusal_keeps_its_body(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    stub_kuper.token_replies.append(Reply(401, {"error": "invalid_client"}))
    result = await (await make_client()).send_notification(in_work())
    assert result.status_code == 401
    assert result.response_body is not None and "invalid_client" in result.response_body
    assert "client id and secret" in result.message


async def test_concurrent_sends_share_one_token_fetch(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    stub_kuper.token_delay = 0.05
    client = await make_client()
    results = await asyncio.gather(*(client.send_notification(in_work()) for _ in range(25)))

    assert all(result.outcome is SendOutcome.DONE for result in results)
    assert len(stub_kuper.token_requests) == 1
    assert len(stub_kuper.notification_requests) == 25


async def test_concurrent_401s_refresh_the_token_once(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    client = await make_client()
    assert (await client.send_notification(in_work())).is_done
    stub_kuper.revoked.add("tok-1")

    results = await asyncio.gather(*(client.send_notification(in_work()) for _ in range(10)))

    assert all(result.outcome is SendOutcome.DONE for result in results)
    assert stub_kuper.issued == ["tok-1", "tok-2"]


async def test_a_failed_token_fetch_is_shared_by_waiting_senders(
    stub_kuper: StubKuper, make_client: ClientFactory
) -> None:
    stub_kuper.token_delay = 0.05
    stub_kuper.token_replies.append(Reply(401, {"error": "invalid_client"}))
    client = await make_client()

    results = await asyncio.gather(*(client.send_notification(in_work()) for _ in range(10)))

    assert all(result.outcome is SendOutcome.AUTH_FAILED for result in results)
    assert len(stub_kuper.token_requests) == 1
    # the next send tries again (the operator may have fixed the credentials meanwhile)
    assert (await client.send_notification(in_work())).is_done
    assert len(stub_kuper.token_requests) == 2


async def test_token_is_refreshed_before_it_expires(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    stub_kuper.expires_in = 10  # margin = min(60, 10 / 2) = 5 s
    clock = FakeClock()
    client = await make_client(clock=clock)

    assert (await client.send_notification(in_work())).is_done
    clock.now += 4.9
    assert (await client.send_notification(in_work())).is_done
    assert len(stub_kuper.token_requests) == 1
    clock.now += 0.1  # 5 s before expiry
    assert (await client.send_notification(in_work())).is_done

    assert len(stub_kuper.token_requests) == 2
    assert [r.headers["authorization"] for r in stub_kuper.notification_requests] == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-2",
    ]


async def test_check_credentials(stub_kuper: StubKuper, make_client: ClientFactory) -> None:
    client = await make_client()
    assert (await client.check_credentials()).outcome is SendOutcome.DONE
    stub_kuper.token_replies.append(Reply(401, {"error": "invalid_client"}))
    assert (await client.check_credentials()).outcome is SendOutcome.AUTH_FAILED
    assert len(stub_kuper.token_requests) == 2


async def test_requests_and_responses_are_logged_without_secrets(
    stub_kuper: StubKuper, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pharmacy_desk.kuper")
    stub_kuper.notification_replies.append(Reply(401, {"error": "invalid_token"}))
    client = await make_client()

    assert (await client.send_notification(in_work())).is_done

    records = [r for r in caplog.records if r.name == "pharmacy_desk.kuper"]
    text = "\n".join(r.getMessage() for r in records)
    # two token exchanges and two notification attempts, each a request and a response line
    assert len(records) == 8
    assert "order.in_work" in text and "-> 401" in text and "-> 200" in text
    assert "Bearer ***" in text
    for secret in (CLIENT_SECRET, "tok-1", "tok-2"):
        assert secret not in text


async def test_a_custom_transport_is_used() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": "mock", "expires_in": 60})
        return httpx.Response(200, json={})

    async with KuperClient(
        "https://merchant-api.sbermarket.ru", CLIENT_ID, CLIENT_SECRET, transport=httpx.MockTransport(handler)
    ) as client:
        assert (await client.send_notification(in_work())).is_done
    assert seen == ["/auth/token", "/ofm/api/v1/notifications"]


@pytest.mark.parametrize(
    ("base_url", "client_id", "secret"),
    [
        ("merchant-api.sbermarket.ru", "id", "s"),
        ("ftp://x", "id", "s"),
        ("https://x", "", "s"),
        ("https://x", "id", ""),
    ],
)
def test_bad_configuration_is_refused(base_url: str, client_id: str, secret: str) -> None:
    with pytest.raises(ValueError):
        KuperClient(base_url, client_id, secret)
