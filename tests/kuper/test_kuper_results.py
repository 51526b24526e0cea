"""Classification of Kuper's answers, Retry-After, the token answer, redaction, package isolation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import pytest

from pharmacy_desk.kuper import SendOutcome, classify_response, parse_retry_after, redact
from pharmacy_desk.kuper.auth import DEFAULT_LIFETIME, TokenUnavailable, read_token_answer


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, SendOutcome.DONE),
        (202, SendOutcome.DUPLICATE),
        (400, SendOutcome.FAILED),
        (404, SendOutcome.FAILED),
        (409, SendOutcome.FAILED),
        (422, SendOutcome.FAILED),
        (302, SendOutcome.FAILED),
        (401, SendOutcome.AUTH_FAILED),
        (403, SendOutcome.AUTH_FAILED),
        (408, SendOutcome.RETRY),
        (429, SendOutcome.RETRY),
        (500, SendOutcome.RETRY),
        (502, SendOutcome.RETRY),
        (503, SendOutcome.RETRY),
        (504, SendOutcome.RETRY),
    ],
)
def test_classify_response(status: int, outcome: SendOutcome) -> None:
    result = classify_response(status, '{"error": "x"}')
    assert result.outcome is outcome
    assert result.status_code == status
    assert result.response_body == '{"error": "x"}'


def test_failed_message_carries_kupers_text_and_long_bodies_are_clipped() -> None:
    result = classify_response(422, "x" * 10_000, what="notification order.in_work for o-1")
    assert result.message.startswith("Kuper rejected the notification order.in_work for o-1 (422, refused: ")
    assert ": xxx" in result.message
    assert result.response_body is not None and len(result.response_body) == 4000


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 5 ", 5.0),
        ("-3", None),
        ("soon", None),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds


def test_retry_after_is_kept_on_retry_results() -> None:
    assert classify_response(429, "", "7").retry_after == 7.0
    assert classify_response(500, "").retry_after is None


def test_token_answer() -> None:
    issued = read_token_answer(200, json.dumps({"access_token": "abc", "token_type": "bearer", "expires_in": 3600}))
    assert (issued.value, issued.expires_in) == ("abc", 3600.0)
    assert read_token_answer(200, '{"access_token": "abc", "expires_in": "120"}').expires_in == 120.0
    for lifetime in ('"soon"', "0", "-5", "true", "null"):
        body = f'{{"access_token": "abc", "expires_in": {lifetime}}}'
        assert read_token_answer(200, body).expires_in == DEFAULT_LIFETIME
    with pytest.raises(TokenUnavailable) as caught:
        read_token_answer(200, '["abc"]')
    assert caught.value.result.outcome is SendOutcome.AUTH_FAILED
    with pytest.raises(TokenUnavailable) as caught:
        read_token_answer(503, "", "60")
    assert caught.value.result.outcome is SendOutcome.RETRY and caught.value.result.retry_after == 60.0


def test_redact_headers_form_and_json() -> None:
    headers = httpx.Headers({"Authorization": "Bearer abc.def", "Client-Token": "xyz", "Api-Version": "3.0"})
    assert redact(headers) == {"authorization": "Bearer ***", "client-token": "***", "api-version": "3.0"}
    form = b"grant_type=client_credentials&client_id=pharmacy-12&client_secret=p%40ss%26word"
    assert redact(form) == "grant_type=client_credentials&client_id=pharmacy-12&client_secret=***"
    token_answer = '{"access_token": "abc.def", "token_type": "bearer", "expires_in": 3600}'
    assert json.loads(redact(token_answer)) == {"access_token": "***", "token_type": "bearer", "expires_in": 3600}
    nested = {"payload": {"orderUUID": "o-1", "auth": [{"password": "p", "ok": 1}]}}
    assert redact(nested) == {"payload": {"orderUUID": "o-1", "auth": [{"password": "***", "ok": 1}]}}


def test_redact_free_text_and_known_secrets() -> None:
    text = "failed with Authorization: Bearer abc.def for client secret-value-123456"
    assert redact(text, secrets=["secret-value-123456", None]) == (
        "failed with Authorization: Bearer *** for client ***"
    )
    assert redact(b"\xff\x00") == "<2 bytes, not UTF-8>"
    assert redact('{"note": "token secret-value-123456"}', secrets=["secret-value-123456"]) == '{"note": "token ***"}'


def test_kuper_package_imports_no_app_layer() -> None:
    code = (
        "import sys, pharmacy_desk.kuper; "
        "bad = sorted(m for m in sys.modules if m.startswith(('pharmacy_desk.relay', 'pharmacy_desk.desk', "
        "'pharmacy_desk.ui', 'PySide6', 'fastapi', 'sqlalchemy'))); print(bad); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
