"""A fake SMS.ru (``POST /sms/send``), strict like the real one, with a switch to make it fail.

Checks, in SMS.ru's order and with its status codes: ``api_id`` (200), ``msg`` present (203) and at
most 8 SMS parts long (the fake's limit), ``to`` a Russian mobile number ``79XXXXXXXXX`` (202),
``from`` an approved sender name when given (204); ``json=1`` is required (the relay always asks for
JSON). Accepted messages are kept in :attr:`SmsGateway.messages`. :meth:`SmsGateway.go_down` makes it
answer ``503`` (or hang for ``hang`` seconds first) until :meth:`SmsGateway.come_back`.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

_PHONE = re.compile(r"^79\d{9}$")
_MAX_CHARS = 8 * 67  # eight Cyrillic (UCS-2) parts


@dataclass(frozen=True, slots=True)
class Sms:
    sms_id: str
    to: str
    text: str
    sender: str | None


class SmsGateway:
    def __init__(self, api_id: str = "sim-sms-api-id", *, senders: frozenset[str] = frozenset({"APTEKA"})) -> None:
        self.api_id = api_id
        self.senders = senders
        self._lock = threading.Lock()
        self._messages: list[Sms] = []
        self._down = False
        self._hang = 0.0
        self.requests = 0
        self.app = Starlette(routes=[Route("/sms/send", self._send, methods=["POST"])])

    @property
    def messages(self) -> list[Sms]:
        with self._lock:
            return list(self._messages)

    def go_down(self, *, hang: float = 0.0) -> None:
        with self._lock:
            self._down, self._hang = True, hang

    def come_back(self) -> None:
        with self._lock:
            self._down, self._hang = False, 0.0

    async def _send(self, request: Request) -> Response:
        with self._lock:
            self.requests += 1
            down, hang = self._down, self._hang
        if down:
            if hang:
                await asyncio.sleep(hang)
            return PlainTextResponse("Service Unavailable", 503)
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _error(203, "Ожидается форма application/x-www-form-urlencoded")
        fields = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))
        if fields.get("json") != "1":
            return PlainTextResponse("100\n", 200)  # the plain-text answer the relay must never ask for
        if fields.get("api_id") != self.api_id:
            return _error(200, "Неправильный api_id")
        text = fields.get("msg", "")
        if not text:
            return _error(203, "Нет текста сообщения")
        if len(text) > _MAX_CHARS:
            return _error(203, "Слишком длинное сообщение")
        sender = fields.get("from")
        if sender is not None and sender not in self.senders:
            return _error(204, "Имя отправителя не согласовано")
        to = fields.get("to", "")
        if not _PHONE.match(to):
            return JSONResponse(
                {
                    "status": "OK",
                    "status_code": 100,
                    "sms": {to: {"status": "ERROR", "status_code": 202, "status_text": "Неправильно указан номер"}},
                    "balance": 100.0,
                }
            )
        sms = Sms(uuid.uuid4().hex[:12], to, text, sender)
        with self._lock:
            self._messages.append(sms)
        return JSONResponse(
            {
                "status": "OK",
                "status_code": 100,
                "sms": {to: {"status": "OK", "status_code": 100, "sms_id": sms.sms_id}},
                "balance": 99.0,
            }
        )


def _error(code: int, text: str) -> JSONResponse:
    return JSONResponse({"status": "ERROR", "status_code": code, "status_text": text})
