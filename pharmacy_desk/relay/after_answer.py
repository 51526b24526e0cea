"""Work that must wait until the current request's answer has left: :func:`after_answer`.

Kuper must have our order number (the answer to ``order.created``) before it gets a notification
about that order, so the automatic ``out_of_stock`` cancellation decided while the webhook is being
answered runs only once the answer's last byte was handed to the server. :class:`AfterAnswer` is the
ASGI middleware that knows when that is; outside a request (the stock retry loop), or when the answer
already left (a stock call that overran its budget), the work starts at once.

Work is started as a task owned by a :class:`BackgroundTasks` (awaited on shutdown), never awaited by
the request itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("pharmacy_desk.relay")

Work = Callable[[], Awaitable[None]]


class BackgroundTasks:
    """Tasks the relay started on its own; :meth:`aclose` lets them finish (or cancels them)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Work, name: str = "relay-background") -> None:
        task = asyncio.create_task(self._run(work), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(work: Work) -> None:
        try:
            await work()
        except Exception:
            log.exception("background work failed")

    async def aclose(self, timeout: float = 5.0) -> None:
        pending = set(self._tasks)
        if not pending:
            return
        _, still = await asyncio.wait(pending, timeout=timeout)
        for task in still:
            task.cancel()
        if still:
            await asyncio.gather(*still, return_exceptions=True)


class _Pending:
    def __init__(self) -> None:
        self.sent = False
        self.work: list[tuple[BackgroundTasks, Work]] = []

    def fire(self) -> None:
        if self.sent:
            return
        self.sent = True
        work, self.work = self.work, []
        for tasks, item in work:
            tasks.start(item, name="relay-after-answer")


_current: ContextVar[_Pending | None] = ContextVar("pharmacy_desk_relay_after_answer", default=None)


def after_answer(tasks: BackgroundTasks, work: Work) -> None:
    """Start ``work`` once the current request's answer is sent (now, outside a request or after it)."""
    pending = _current.get()
    if pending is None or pending.sent:
        tasks.start(work)
    else:
        pending.work.append((tasks, work))


class AfterAnswer:
    """ASGI middleware: runs what :func:`after_answer` queued once the answer's body is complete."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pending = _Pending()
        token = _current.set(pending)

        async def watched_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                pending.fire()

        try:
            await self.app(scope, receive, watched_send)
        finally:
            _current.reset(token)
            pending.fire()  # no answer (an error, a dropped connection): the work must not be lost
