"""Benchmark: the relay's webhook intake next to a bare uvicorn endpoint, and webhook → SSE latency.

::

    .venv/bin/python bench/relay_intake.py [--seconds 6] [--concurrency 32] [--rate 200] [--database-url URL]

What runs, all on 127.0.0.1, in one run of at most about a minute:

1. a relay process (``python -m pharmacy_desk.relay.cli serve``) on a temporary SQLite database
   (WAL, ``synchronous=FULL``: every answered webhook is on disk), or ``--database-url``;
2. a bare uvicorn process whose one endpoint reads the body and answers the same JSON as the relay's
   answer to ``order.created`` (``{"status": "created", "number": ...}``): the ceiling of Python +
   uvicorn + this load generator on this machine;
3. a load generator in a separate process (``bench/relay_intake.py load``: keep-alive HTTP/1.1 on
   asyncio streams; httpx could not push more than some 450 requests/s here, which would cap the bare
   endpoint), sending distinct ``order.created`` webhooks (a realistic order body, a fresh
   ``orderUUID`` each):

   - *throughput*: ``--concurrency`` requests in flight for ``--seconds``; answers/s, p50/p99;
   - *fixed rate*: ``--rate`` webhooks/s for ``--seconds`` (open loop: latency counted from when each
     request was due, so a server falling behind shows up); p50/p99; and, for the relay, the same at
     half the throughput it reached (its latency when it is not saturated);

4. *stream latency*: a counter PC's SSE client connected to ``/stores/{store}/events``; webhooks
   are sent one at a time at 20/s; for each, the time from its answer to its ``order`` event on the
   stream (both clocks in the same process).

Prints a table and the ratio relay/bare of the throughput, with the targets: ratio ≥ 0.5 with durable
commits; p99 ≤ 50 ms at 200 webhooks/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.orders import random_order
from pharmacy_desk.sim.relay_process import RelayProcess, RelaySettings, free_port
from pharmacy_desk.sim.serving import ThreadedServer

HERE = Path(__file__).resolve()
UUID_MARK = "00000000-0000-4000-8000-000000000000"
WARM_UP_SECONDS = 1.0
STREAM_WEBHOOKS = 100
STREAM_RATE = 20.0

# --- the bare endpoint (its own process) ---------------------------------------------------------------

_BARE_ANSWER = json.dumps({"status": "created", "number": "S000001"}).encode()


async def bare_app(scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]], send: Any) -> None:
    """Read the whole body, answer the relay's JSON: nothing else."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(_BARE_ANSWER)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _BARE_ANSWER})


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


# --- the load generator (its own process) --------------------------------------------------------------


def template_body(store: str) -> str:
    """A realistic order.created whose orderUUID is :data:`UUID_MARK` (replaced per request)."""
    order = random_order(random.Random(7), store_id=store)
    order.uuid = f"apteka-sim:{UUID_MARK}"
    return order.created().to_json().decode()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Connection:
    """One keep-alive HTTP/1.1 connection: write a request, read the answer (status line, headers, body).

    A lean client on purpose: httpx tops out at a few hundred requests a second on this machine, which
    would make the bare endpoint look as slow as the client and the ratio meaningless.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        try:
            self._writer.write(raw)
            await self._writer.drain()
            head = await self._reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await self._reader.readexactly(length)
            return int(head.split(b" ", 2)[1])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.close()
            raise

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


def request_bytes(url: httpx.URL, headers: dict[str, str], body: str) -> bytes:
    content = body.encode()
    lines = [f"POST {url.raw_path.decode()} HTTP/1.1", f"Host: {url.host}:{url.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(content)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + content


async def _load(
    url: str, headers: dict[str, str], template: str, mode: str, concurrency: int, rate: float, seconds: float
) -> dict[str, Any]:
    target = httpx.URL(url)
    assert target.host and target.port
    latencies: list[float] = []
    errors = 0
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(concurrency):
        idle.put_nowait(Connection(target.host, target.port))

    async def one(due: float) -> None:
        nonlocal errors
        raw = request_bytes(target, headers, template.replace(UUID_MARK, str(uuid.uuid4())))
        connection = await idle.get()
        try:
            status = await connection.request(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
        finally:
            idle.put_nowait(connection)
        if status == 200:
            latencies.append(time.perf_counter() - due)
        else:
            errors += 1

    async def worker(until: float) -> None:
        while time.perf_counter() < until:
            await one(time.perf_counter())

    async def at_rate(started: float, count: int) -> None:
        tasks = []
        for i in range(count):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)

    # Warm up the connections and the server the way the measurement will load it (a fixed-rate test
    # warmed up at full speed would start with the server's catch-up work of that burst).
    if mode == "closed":
        warm_until = time.perf_counter() + WARM_UP_SECONDS
        await asyncio.gather(*(worker(warm_until) for _ in range(concurrency)))
    else:
        await at_rate(time.perf_counter(), max(1, int(rate * WARM_UP_SECONDS)))
    latencies.clear()
    errors = 0
    started = time.perf_counter()
    if mode == "closed":
        await asyncio.gather(*(worker(started + seconds) for _ in range(concurrency)))
    else:
        await at_rate(started, int(rate * seconds))
    elapsed = time.perf_counter() - started
    while not idle.empty():
        await idle.get_nowait().close()
    return {
        "answered": len(latencies),
        "errors": errors,
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def run_load(args: argparse.Namespace) -> None:
    headers = json.loads(args.headers)
    result = asyncio.run(
        _load(args.url, headers, template_body(args.store), args.mode, args.concurrency, args.rate, args.seconds)
    )
    print(json.dumps(result))


def load_in_process(
    url: str, headers: dict[str, str], store: str, *, mode: str, concurrency: int, rate: float, seconds: float
) -> dict[str, Any]:
    """Run the load generator as a separate process; its result."""
    command = [
        sys.executable,
        str(HERE),
        "load",
        "--url",
        url,
        "--headers",
        json.dumps(headers),
        "--store",
        store,
        "--mode",
        mode,
        "--concurrency",
        str(concurrency),
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- webhook answer → SSE event ------------------------------------------------------------------------


async def stream_latency(relay_url: str, store: str, device_token: str, webhook_headers: dict[str, str]) -> list[float]:
    """Seconds from each webhook's answer to its ``order`` event on a connected SSE client."""
    answered: dict[str, float] = {}
    arrived: dict[str, float] = {}
    ready = asyncio.Event()
    auth = {"Authorization": f"Bearer {device_token}"}
    template = template_body(store)

    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None)) as client:

        async def listen() -> None:
            async with aconnect_sse(client, "GET", f"{relay_url}/stores/{store}/events", headers=auth) as source:
                async for event in source.aiter_sse():
                    now = time.perf_counter()
                    if event.event == "ready":
                        ready.set()
                    elif event.event == "order":
                        kuper_id = json.loads(event.data)["order"]["kuper_id"]
                        arrived.setdefault(kuper_id, now)
                        if len(arrived) >= STREAM_WEBHOOKS:
                            return

        listener = asyncio.create_task(listen())
        await asyncio.wait_for(ready.wait(), 10)
        url = f"{relay_url}/kuper/webhooks/{store}"
        for _ in range(STREAM_WEBHOOKS):
            kuper_id = f"apteka-sim:{uuid.uuid4()}"
            response = await client.post(
                url, content=template.replace(f"apteka-sim:{UUID_MARK}", kuper_id), headers=webhook_headers
            )
            answered[kuper_id] = time.perf_counter()
            response.raise_for_status()
            await asyncio.sleep(1 / STREAM_RATE)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener, 10)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    return [arrived[key] - answered[key] for key in answered if key in arrived]


# --- the run -------------------------------------------------------------------------------------------


@dataclass
class Row:
    target: str
    test: str
    result: dict[str, Any]

    def line(self) -> str:
        r = self.result
        return (
            f"{self.target:<6} {self.test:<22} {r['per_second']:8.1f}/s {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}"
            f" {r['answered']:8d} {r['errors']:6d}"
        )


def _wait_port(port: int, deadline: float = 15.0) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def run_bench(args: argparse.Namespace) -> int:
    started = time.monotonic()
    stub = KuperStub()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="pharmacy-desk-bench-") as tmp, ThreadedServer(stub.app) as kuper:
        workdir = Path(tmp)
        database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'relay.sqlite3'}"
        settings = RelaySettings(kuper_url=kuper.url, database_url=database_url)
        bare_port = free_port()
        bare = subprocess.Popen([sys.executable, str(HERE), "bare", "--port", str(bare_port)])
        relay = RelayProcess(settings, workdir)
        try:
            relay.start()
            token = relay.add_device("Бенчмарк")
            _wait_port(bare_port)
            targets = {
                "relay": f"{relay.url}/kuper/webhooks/{settings.store}",
                "bare": f"http://127.0.0.1:{bare_port}/kuper/webhooks/{settings.store}",
            }
            headers = {"Content-Type": "application/json", "Client-Token": settings.webhook_token}

            def measure(target: str, test: str, mode: str, rate: float) -> dict[str, Any]:
                result = load_in_process(
                    targets[target],
                    headers,
                    settings.store,
                    mode=mode,
                    concurrency=args.concurrency,
                    rate=rate,
                    seconds=args.seconds,
                )
                rows.append(Row(target, test, result))
                return result

            relay_tp = measure("relay", f"throughput c={args.concurrency}", "closed", args.rate)["per_second"]
            bare_tp = measure("bare", f"throughput c={args.concurrency}", "closed", args.rate)["per_second"]
            fixed = measure("relay", f"fixed {args.rate:g}/s", "rate", args.rate)
            measure("bare", f"fixed {args.rate:g}/s", "rate", args.rate)
            sustainable = max(1.0, round(relay_tp / 2))
            measure("relay", f"fixed {sustainable:g}/s (half)", "rate", sustainable)
            lags = asyncio.run(stream_latency(relay.url, settings.store, token, headers))
        finally:
            relay.stop()
            bare.terminate()
            bare.wait(timeout=10)
    print(
        f"pharmacy_desk relay intake benchmark ({os.cpu_count()} CPUs, {database_url.split(':')[0]}, "
        f"{time.monotonic() - started:.0f} s)"
    )
    print(f"{'target':<6} {'test':<22} {'answers':>10} {'p50 ms':>8} {'p99 ms':>8} {'answered':>8} {'errors':>6}")
    for row in rows:
        print(row.line())
    ratio = relay_tp / bare_tp if bare_tp else float("nan")
    print(f"throughput ratio relay/bare: {ratio:.3f} (target ≥ 0.5 with durable commits)")
    print(
        f"p99 at {args.rate:g} webhooks/s: {fixed['p99_ms']:.1f} ms (target ≤ 50 ms); "
        f"sent {fixed['answered'] + fixed['errors']}, errors {fixed['errors']}"
    )
    if lags:
        print(
            f"webhook answer → SSE event: p50 {percentile(lags, 0.5) * 1000:.2f} ms, "
            f"p99 {percentile(lags, 0.99) * 1000:.2f} ms, max {max(lags) * 1000:.2f} ms "
            f"({len(lags)}/{STREAM_WEBHOOKS} events, mean {statistics.mean(lags) * 1000:.2f} ms)"
        )
    else:
        print("webhook answer → SSE event: no event arrived")
    met = ratio >= 0.5 and fixed["p99_ms"] <= 50 and fixed["errors"] == 0
    print("targets met" if met else "targets NOT met")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each measurement (6)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight for throughput (32)")
    parser.add_argument("--rate", type=float, default=200.0, help="webhooks/s of the fixed-rate test (200)")
    parser.add_argument("--database-url", help="relay database (default: a temporary SQLite file)")
    sub = parser.add_subparsers(dest="role")
    bare = sub.add_parser("bare", help="(internal) serve the bare endpoint")
    bare.add_argument("--port", type=int, required=True)
    load = sub.add_parser("load", help="(internal) generate load, print JSON")
    load.add_argument("--url", required=True)
    load.add_argument("--headers", required=True)
    load.add_argument("--store", required=True)
    load.add_argument("--mode", choices=("closed", "rate"), required=True)
    load.add_argument("--concurrency", type=int, default=32)
    load.add_argument("--rate", type=float, default=200.0)
    load.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args(argv)
    if args.role == "bare":
        serve_bare(args.port)
        return 0
    if args.role == "load":
        run_load(args)
        return 0
    return run_bench(args)


if __name__ == "__main__":
    raise SystemExit(main())
