"""The feed's reader writing to a stream by itself (:class:`~pharmacy_desk.relay.http.sse.DirectWriter`).

uvicorn's ``send`` returns at once unless the socket's buffer is full; these fakes play both cases and a
connection that is gone, and check that chunks keep their order and that nothing is lost silently.
"""

from __future__ import annotations

import asyncio

from starlette.types import Message

from pharmacy_desk.relay.http.sse import DirectWriter


class FakeServerSend:
    """Records the bodies written; ``full`` set: the next write waits until ``drained`` is set."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.full = False
        self.drained = asyncio.Event()
        self.gone = False

    async def __call__(self, message: Message) -> None:
        assert message["type"] == "http.response.body" and message["more_body"] is True
        if self.gone:
            raise OSError("the connection is closed")
        if self.full:
            await self.drained.wait()
        self.written.append(message["body"])


async def test_a_write_that_does_not_wait_is_done_when_the_call_returns() -> None:
    send = FakeServerSend()
    writer = DirectWriter(send)
    assert writer(b"one") is True
    assert writer(b"two") is True
    assert send.written == [b"one", b"two"]  # no task ran in between: written synchronously
    await writer.settle()  # nothing under way: returns at once


async def test_a_write_to_a_full_socket_finishes_in_a_task_and_later_writes_wait_for_it() -> None:
    send = FakeServerSend()
    writer = DirectWriter(send)
    send.full = True
    assert writer(b"first") is True  # taken: it finishes once the socket drains
    assert send.written == []
    assert writer(b"second") is False  # one under way: the reader wakes the stream's task instead
    settling = asyncio.create_task(writer.settle())
    await asyncio.sleep(0.01)
    assert not settling.done()  # the stream's own next write waits for the first
    send.full = False
    send.drained.set()
    await asyncio.wait_for(settling, 1)
    assert send.written == [b"first"]
    assert writer(b"third") is True
    assert send.written == [b"first", b"third"]


async def test_a_write_to_a_closed_connection_is_refused_so_the_stream_finds_out() -> None:
    send = FakeServerSend()
    writer = DirectWriter(send)
    send.gone = True
    assert writer(b"lost?") is False  # not taken: the stream's task is woken and meets the error itself
    send.gone = False
    assert writer(b"later") is False  # a failed writer takes nothing more
    assert send.written == []


async def test_cancelling_the_stream_while_a_write_waits_cancels_that_write() -> None:
    send = FakeServerSend()
    writer = DirectWriter(send)
    send.full = True
    assert writer(b"stuck") is True
    settling = asyncio.create_task(writer.settle())
    await asyncio.sleep(0)
    settling.cancel()  # the stream ends (the client left) while its chunk waits for the socket
    await asyncio.gather(settling, return_exceptions=True)
    pending = writer._pending
    assert pending is not None and not pending.done()  # shielded: the write itself goes on
    pending.cancel()
    await asyncio.gather(pending, return_exceptions=True)
    assert pending.cancelled() and send.written == []
