"""Writing a stream's body chunk straight to the server's connection, without a task's turn.

Why: fanning one event out to 5,000 streams of a process by waking each stream's task costs the process
about 30 µs per stream (measured on the benchmark's 2-core machine): every task's coroutine chain
(the response, the feed's ``take``, six ASGI ``send`` wrappers, uvicorn's ``send``) is resumed cold,
and resuming thousands of them in a row is mostly waiting for memory. Writing the chunk from the feed's
reader, one loop over the streams, costs a third of that; the ``write`` system call is then most of it.

How: the relay's application (:class:`pharmacy_desk.relay.app.RelayApp`, the FastAPI app itself, outside
Starlette's error middleware) calls :func:`remember_server_send` first: the server's own ``send`` goes
into the scope under :data:`SERVER_SEND`. :func:`direct_writer` turns it into a :class:`ChunkWriter` when the
server is uvicorn's ``httptools`` protocol (the relay's server, ``uvicorn[standard]``) and the response
is being sent with chunked transfer encoding, exactly what uvicorn's ``send`` does for a body chunk with
more to come: ``<length in hex>\\r\\n<body>\\r\\n`` to the transport. For anything else (uvicorn's ``h11``
protocol on Windows, another server, an in-process test client, a uvicorn whose internals moved) it
returns None, and the stream's task writes through the ordinary ``send``: same bytes, slower.

What the bypassed ``send`` wrappers miss: only body chunks in the middle of a stream. The response
start, the first frames, heartbeats, and the final empty chunk still go through them, so the access log
sees the status and the end, ``after_answer`` sees the answer complete, and the error middlewares know
the response started. A chunk is written directly only while the connection takes it
(:meth:`ChunkWriter.writable`: not disconnected, not paused by flow control); otherwise the stream's
task is woken and uvicorn's ``send`` waits for the client as before.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Scope, Send

SERVER_SEND = "pharmacy_desk.server_send"
"""The scope key of the server's own ``send`` (set by :func:`remember_server_send`)."""

_HttptoolsCycle: type | None
try:  # httptools is in uvicorn[standard]; without it uvicorn speaks h11 and nothing is written directly
    from uvicorn.protocols.http.httptools_impl import RequestResponseCycle as _HttptoolsCycle
except ImportError:  # pragma: no cover - the relay is installed with uvicorn[standard]
    _HttptoolsCycle = None


def remember_server_send(scope: Scope, send: Send) -> None:
    """Called by the outermost layer of the application with the server's own ``send``."""
    if scope["type"] == "http":
        scope[SERVER_SEND] = send


class ChunkWriter:
    """One response's body chunks written to uvicorn's transport (httptools protocol, chunked encoding)."""

    __slots__ = ("_cycle",)

    def __init__(self, cycle: Any) -> None:
        self._cycle = cycle

    def writable(self) -> bool:
        """Whether a chunk can go now: the client is there and its connection is not paused by flow control."""
        cycle = self._cycle
        return not (cycle.disconnected or cycle.flow.write_paused or cycle.response_complete)

    def write(self, body: bytes) -> None:
        """One chunk (``body`` not empty), as uvicorn's ``send`` frames it."""
        self._cycle.transport.write(b"%x\r\n%b\r\n" % (len(body), body))


def direct_writer(scope: Scope) -> ChunkWriter | None:
    """The writer for this request's response once its start was sent, or None (write through ``send``)."""
    found = getattr(scope.get(SERVER_SEND), "__self__", None)
    if _HttptoolsCycle is None or not isinstance(found, _HttptoolsCycle):
        return None
    cycle: Any = found
    try:
        usable = (
            cycle.response_started is True
            and cycle.chunked_encoding is True
            and cycle.response_complete is False
            and isinstance(cycle.disconnected, bool)
            and isinstance(cycle.flow.write_paused, bool)
            and callable(cycle.transport.write)
        )
    except AttributeError:  # uvicorn's internals changed: the ordinary send still works
        return None
    return ChunkWriter(cycle) if usable else None
