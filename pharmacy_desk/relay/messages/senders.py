"""Senders of a short text to a customer: one interface, SMTP and SMS.ru behind it.

:meth:`MessageSender.send` never raises for the remote side's trouble: it returns a :class:`Delivery`
(``ok``; or ``retry`` for what may pass later — time-outs, 5xx, a full mailbox; or final). Neither
sender logs the text: it carries the pickup code.

SMS.ru (``https://sms.ru/sms/send``, form ``api_id``, ``to``, ``msg``, ``json=1``, optional ``from``)
answers ``{"status": "OK", "sms": {"7916…": {"status": "OK", "status_code": 100, "sms_id": "…"}}}``
or ``{"status": "ERROR", "status_code": 200, "status_text": "…"}``; per-number errors sit in
``sms.<number>``. Codes: 100 accepted; 200 wrong api_id, 201 no money, 202 bad number, 203 no text,
204 sender name not approved, 207 number not allowed, 220 service unavailable (retry), 230/231/232
limits (retry), 300–302 authorization.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from typing import Protocol

import aiosmtplib
import httpx

logger = logging.getLogger("pharmacy_desk.relay.messages")

_SMSRU_RETRY = frozenset({220, 230, 231, 232})


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class Delivery:
    ok: bool
    retry: bool = False
    detail: str = ""


class MessageSender(Protocol):
    channel: Channel

    async def send(self, recipient: str, text: str, *, subject: str = "") -> Delivery: ...

    async def aclose(self) -> None: ...


class SmtpSender:
    """E-mail through an SMTP server (STARTTLS or implicit TLS when configured)."""

    channel = Channel.EMAIL

    def __init__(
        self,
        host: str,
        port: int,
        from_address: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_tls: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.from_address = from_address
        self._username = username
        self._password = password
        self._starttls = starttls
        self._use_tls = use_tls
        self._timeout = timeout

    async def send(self, recipient: str, text: str, *, subject: str = "") -> Delivery:
        message = EmailMessage()
        message["From"] = self.from_address
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(text, charset="utf-8")
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self._username,
                password=self._password,
                start_tls=self._starttls,
                use_tls=self._use_tls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return Delivery(False, retry=False, detail=f"the mail server refused the address: {exc}"[:300])
        except aiosmtplib.SMTPResponseException as exc:
            return Delivery(
                False, retry=exc.code >= 400 and exc.code < 500, detail=f"SMTP {exc.code}: {exc.message}"[:300]
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return Delivery(False, retry=True, detail=f"the mail server is unreachable ({type(exc).__name__})")
        return Delivery(True, detail="accepted by the mail server")

    async def aclose(self) -> None:
        return None


class SmsRuSender:
    """SMS through SMS.ru's HTTP API."""

    channel = Channel.SMS

    def __init__(
        self,
        api_id: str,
        *,
        base_url: str = "https://sms.ru",
        sender: str | None = None,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_id = api_id
        self._sender = sender
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    async def send(self, recipient: str, text: str, *, subject: str = "") -> Delivery:
        form = {"api_id": self._api_id, "to": recipient, "msg": text, "json": "1"}
        if self._sender:
            form["from"] = self._sender
        try:
            response = await self._http.post("/sms/send", data=form)
        except httpx.TransportError as exc:
            return Delivery(False, retry=True, detail=f"SMS.ru is unreachable ({type(exc).__name__})")
        if response.status_code >= 500 or response.status_code == 429:
            return Delivery(False, retry=True, detail=f"SMS.ru answered HTTP {response.status_code}")
        try:
            body = response.json()
        except json.JSONDecodeError:
            return Delivery(
                False, retry=True, detail=f"SMS.ru answered something else than JSON ({response.status_code})"
            )
        if not isinstance(body, dict):
            return Delivery(False, retry=True, detail="SMS.ru's answer is not an object")
        if body.get("status") != "OK":
            return _smsru_error(body)
        per_number = body.get("sms", {}).get(recipient) if isinstance(body.get("sms"), dict) else None
        if not isinstance(per_number, dict):
            return Delivery(False, retry=True, detail="SMS.ru's answer does not name the number")
        if per_number.get("status") != "OK":
            return _smsru_error(per_number)
        return Delivery(True, detail=f"SMS.ru accepted it (sms_id {per_number.get('sms_id', '?')})")

    async def aclose(self) -> None:
        await self._http.aclose()


def _smsru_error(part: dict[str, object]) -> Delivery:
    code = part.get("status_code")
    text = str(part.get("status_text") or "")
    number = code if isinstance(code, int) else -1
    return Delivery(False, retry=number in _SMSRU_RETRY, detail=f"SMS.ru refused it ({number}: {text})"[:300])
