"""Benchmark: N counter-PC event streams over two relay processes on one PostgreSQL.

::

    .venv/bin/python bench/stream_fanout.py [--streams 100,1000,5000,10000] [--idle-seconds 20]
        [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--relay-src DIR]

For each N, all on 127.0.0.1, bounded in time (every wait has a deadline) and stopping by itself:

1. a fresh PostgreSQL database (dropped afterwards) and two relay processes A and B on it
   (``python -m pharmacy_desk.relay.cli serve``, Kuper pointing at the simulator's stub);
2. a load process (``bench/stream_fanout.py load``: raw HTTP/1.1 on asyncio, no SSE parsing beyond
   finding the ``id:`` lines) holding N streams, half on A and half on B, connected in batches;
3. **idle**: nothing happens for ``--idle-seconds``; the database's transactions per second
   (``xact_commit + xact_rollback`` of ``pg_stat_database``, read from another database so the reading
   does not count) and each relay process's CPU (``/proc/<pid>/stat``: user + system time), after 12 s
   of settling (PostgreSQL flushes an idle backend's counters up to 10 s late); the machine's load
   average is printed with each row (other work on the same cores inflates the latencies);
4. **latency**: ``--events`` single webhooks (``order.created``: 2 stream events each), one at a time,
   posted to A; for each event, the time from just before the POST until each of the N streams had it
   (both clocks are the machine's ``CLOCK_MONOTONIC``), p50 / p99 / max over every (stream, event),
   and the same for streams on A and on B apart; the database transactions those webhooks cost; the
   CPU time per webhook of A, B and the load process (together they bound the latency from below on
   two cores: the socket writes and reads of every stream, most of it in the kernel), the writes per
   stream per webhook (1.00: a webhook's two events go out in one write), and the share of the
   machine's CPU time the hypervisor stole meanwhile (``steal`` of ``/proc/stat``);
5. **sustained**: ``--burst`` webhooks posted to A as fast as 8 connections go; events per second
   until every stream had the last one.

``--relay-src DIR`` runs the relays from another source tree (e.g. ``git archive main | tar -x -C DIR``)
to measure the code before a change; the database is then migrated by that code.
Prints the figures and the targets of issue 17; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy import make_url

from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.orders import random_order
from pharmacy_desk.sim.relay_process import RelayProcess, RelaySettings, free_port
from pharmacy_desk.sim.serving import ThreadedServer

HERE = Path(__file__).resolve()
CONNECT_BATCH = 250
DEVICES = 20
TICKS = os.sysconf("SC_CLK_TCK")

_BOOT = """
import runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__ + getattr(f, "__name__", "")]
sys.path.insert(0, {src!r})
module = sys.argv[2]
sys.argv = [module, *sys.argv[3:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- the load process --------------------------------------------------------------------------------


class StreamClient(asyncio.Protocol):
    """One SSE stream: keeps (monotonic time, highest id so far) each time the highest id grows."""

    def __init__(self, connected: asyncio.Future[None]) -> None:
        self.connected = connected
        self.seen: list[tuple[float, int]] = []
        self.top = -1
        self.tail = b""
        self.closed = False

    def data_received(self, data: bytes) -> None:
        chunk = self.tail + data
        end = chunk.rfind(b"\nid: ")
        if end < 0 and chunk.startswith(b"id: "):
            end = -1
        if end >= -1:
            start = end + 5
            stop = chunk.find(b"\r", start)
            if stop < 0:
                self.tail = chunk[end + 1 :]  # the id line is cut: wait for the rest
                return
            try:
                top = int(chunk[start:stop])
            except ValueError:
                top = self.top
            if top > self.top:
                self.top = top
                self.seen.append((time.monotonic(), top))
                if not self.connected.done():
                    self.connected.set_result(None)
        self.tail = chunk[-64:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.connected.done():
            self.connected.set_exception(ConnectionError("stream closed before its first event"))

    def arrival(self, event_id: int) -> float | None:
        for at, top in self.seen:
            if top >= event_id:
                return at
        return None


class Load:
    def __init__(self, ports: list[int], store: str, tokens: list[str]) -> None:
        self.ports = ports
        self.store = store
        self.tokens = tokens
        self.streams: list[tuple[int, StreamClient]] = []

    async def connect(self, count: int) -> None:
        loop = asyncio.get_running_loop()

        async def one(i: int) -> None:
            port = self.ports[i % len(self.ports)]
            connected: asyncio.Future[None] = loop.create_future()
            transport, client = await loop.create_connection(lambda: StreamClient(connected), "127.0.0.1", port)
            token = self.tokens[i % len(self.tokens)]
            transport.write(
                f"GET /stores/{self.store}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
            )
            async with asyncio.timeout(120):
                await connected
            self.streams.append((port, client))

        for start in range(0, count, CONNECT_BATCH):
            await asyncio.gather(*(one(i) for i in range(start, min(count, start + CONNECT_BATCH))))

    def report(self, marks: list[tuple[int, float]], last_id: int | None) -> dict[str, Any]:
        by_port: dict[int, list[float]] = {port: [] for port in self.ports}
        missing = 0
        per_event_max: list[float] = []
        for event_id, t0 in marks:
            worst = 0.0
            for port, client in self.streams:
                at = client.arrival(event_id)
                if at is None:
                    missing += 1
                    continue
                by_port[port].append(at - t0)
                worst = max(worst, at - t0)
            per_event_max.append(worst)
        done_at = None
        if last_id is not None:
            arrivals = [client.arrival(last_id) for _, client in self.streams]
            if all(a is not None for a in arrivals):
                done_at = max(a for a in arrivals if a is not None)
        # reads that brought new events of the marked ones (a chunk the relay wrote carries one or more)
        chunks = 0
        if marks:
            first, last = min(m[0] for m in marks), max(m[0] for m in marks)
            chunks = sum(1 for _, c in self.streams for _, top in c.seen if first <= top <= last)
        return {
            "chunks": chunks,
            "by_port": {str(p): v for p, v in by_port.items()},
            "per_event_max": per_event_max,
            "missing": missing,
            "closed": sum(client.closed for _, client in self.streams),
            "last_at": done_at,
        }

    async def wait_for(self, event_id: int, deadline: float) -> bool:
        until = time.monotonic() + deadline
        while time.monotonic() < until:
            if all(client.top >= event_id for _, client in self.streams):
                return True
            await asyncio.sleep(0.02)
        return False


async def _load_main(args: argparse.Namespace) -> None:
    ports = [int(p) for p in args.ports.split(",")]
    load = Load(ports, args.store, args.tokens.split(","))
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    started = time.monotonic()
    await load.connect(args.streams)
    say({"connected": len(load.streams), "seconds": time.monotonic() - started})
    while True:
        line = await reader.readline()
        if not line:
            return
        command = json.loads(line)
        if command["do"] == "wait":
            say({"arrived": await load.wait_for(command["id"], command["deadline"])})
        elif command["do"] == "report":
            say(load.report([tuple(m) for m in command["marks"]], command.get("last_id")))
        elif command["do"] == "quit":
            return


def run_load(args: argparse.Namespace) -> None:
    try:
        import uvloop

        uvloop.run(_load_main(args))
    except ImportError:
        asyncio.run(_load_main(args))


# --- the benchmark -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Figures:
    streams: int
    connect_s: float = float("nan")
    idle_tx_per_s: float = float("nan")
    idle_cpu: tuple[float, float] = (float("nan"), float("nan"))
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    p99_a_ms: float = float("nan")
    p99_b_ms: float = float("nan")
    tx_per_webhook: float = float("nan")
    events_per_s: float = float("nan")
    missing: int = 0
    load: float = float("nan")  # the machine's 1-minute load average after the idle phase
    # CPU ms per webhook during the latency phase: relay A, relay B, the load process (the PCs' side)
    event_cpu_ms: tuple[float, float, float] = (float("nan"), float("nan"), float("nan"))
    chunks_per_webhook: float = float("nan")  # writes that reached a stream per webhook (its 2 events)
    steal_pct: float = float("nan")  # CPU time stolen by the hypervisor during the latency phase
    note: str = ""


def _machine_ticks() -> tuple[int, int]:
    """(steal, total) jiffies of the machine's CPUs (/proc/stat): time the hypervisor gave to others."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return fields[7], sum(fields)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def _xacts(admin: Any, database: str) -> int:
    value = await admin.fetchval(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", database
    )
    return int(value)


def _python_for(src: str | None, workdir: Path) -> str:
    if src is None:
        return sys.executable
    boot = workdir / "boot.py"
    boot.write_text(_BOOT.format(src=str(Path(src).resolve())), encoding="utf-8")
    wrapper = workdir / "python-from-src"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {boot} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return str(wrapper)


class Session:
    """The load process, spoken to over its stdin/stdout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def ask(self, command: dict[str, Any], timeout: float = 180.0) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read(timeout)

    def read(self, timeout: float = 180.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise TimeoutError("the load process did not answer")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the load process ended ({self.process.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer


_RNG = random.Random(17)


def _webhook_body(store: str) -> bytes:
    """A realistic ``order.created`` (a new order each time: 2 stream events)."""
    return random_order(_RNG, store_id=store).created().to_json()


async def _post(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes) -> None:
    response = await client.post(url, content=body, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:200]}")


async def _measure(
    args: argparse.Namespace,
    figures: Figures,
    database: str,
    admin_url: str,
    relays: list[RelayProcess],
    session: Session,
    settings: RelaySettings,
    load_pid: int,
) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        url = f"{relays[0].url}/kuper/webhooks/{settings.store}"
        headers = {"Content-Type": "application/json", "Client-Token": settings.webhook_token}
        # let the connection burst settle; PostgreSQL 15 flushes an idle backend's counters up to 10 s
        # late (PGSTAT_IDLE_INTERVAL), so the connect phase's reads would otherwise count as idle
        await asyncio.sleep(12.0)
        x0, c0, t0 = await _xacts(admin, database), [_cpu_seconds(r.pid or 0) for r in relays], time.monotonic()
        await asyncio.sleep(args.idle_seconds)
        x1, c1, t1 = await _xacts(admin, database), [_cpu_seconds(r.pid or 0) for r in relays], time.monotonic()
        figures.idle_tx_per_s = (x1 - x0) / (t1 - t0)
        cpu = [(b - a) / (t1 - t0) * 100 for a, b in zip(c0, c1, strict=True)]
        figures.idle_cpu = (cpu[0], cpu[1])
        figures.load = os.getloadavg()[0]

        bodies = [_webhook_body(settings.store) for _ in range(args.events + args.burst)]
        latest = 0
        marks: list[tuple[int, float]] = []
        async with httpx.AsyncClient(timeout=60) as client:
            x_before = await _xacts(admin, database)
            pids = [r.pid or 0 for r in relays] + [load_pid]
            cpu_before = [_cpu_seconds(pid) for pid in pids]
            steal0, total0 = _machine_ticks()
            for body in bodies[: args.events]:
                started = time.monotonic()
                await _post(client, url, headers, body)
                marks += [(latest + 1, started), (latest + 2, started)]
                latest += 2
                arrived = await asyncio.to_thread(session.ask, {"do": "wait", "id": latest, "deadline": 30})
                if not arrived["arrived"]:
                    figures.note = f"event {latest} did not reach every stream within 30 s"
                    break
            spent = [
                (_cpu_seconds(pid) - c) * 1000 / max(1, args.events) for pid, c in zip(pids, cpu_before, strict=True)
            ]
            figures.event_cpu_ms = (spent[0], spent[1], spent[2])
            steal1, total1 = _machine_ticks()
            figures.steal_pct = (steal1 - steal0) * 100 / max(1, total1 - total0)
            await asyncio.sleep(11.0)  # PostgreSQL's counters of idle backends come up to 10 s late
            figures.tx_per_webhook = (await _xacts(admin, database) - x_before) / max(1, args.events)
            report = await asyncio.to_thread(session.ask, {"do": "report", "marks": marks})
            values = [v for vs in report["by_port"].values() for v in vs]
            figures.p50_ms = percentile(values, 0.5) * 1000
            figures.p99_ms = percentile(values, 0.99) * 1000
            figures.max_ms = max(values) * 1000 if values else float("nan")
            ports = [str(r.settings.port) for r in relays]
            figures.p99_a_ms = percentile(report["by_port"][ports[0]], 0.99) * 1000
            figures.p99_b_ms = percentile(report["by_port"][ports[1]], 0.99) * 1000
            figures.missing = report["missing"]
            figures.chunks_per_webhook = report["chunks"] / figures.streams / max(1, args.events)

            burst = bodies[args.events :]
            queue: asyncio.Queue[bytes] = asyncio.Queue()
            for body in burst:
                queue.put_nowait(body)

            async def sender() -> None:
                while not queue.empty():
                    await _post(client, url, headers, queue.get_nowait())

            burst_start = time.monotonic()
            await asyncio.gather(*(sender() for _ in range(8)))
            last = latest + 2 * len(burst)
            arrived = await asyncio.to_thread(session.ask, {"do": "wait", "id": last, "deadline": 120}, 150)
            report = await asyncio.to_thread(session.ask, {"do": "report", "marks": [], "last_id": last})
            if arrived["arrived"] and report["last_at"] is not None:
                figures.events_per_s = 2 * len(burst) / (report["last_at"] - burst_start)
            else:
                figures.note += " burst not delivered to every stream within 120 s"
    finally:
        await admin.close()


def run_one(args: argparse.Namespace, streams: int) -> Figures:
    figures = Figures(streams)
    database = f"pdesk_fanout_{uuid.uuid4().hex[:10]}"
    base = make_url(args.pg_url)
    admin_url = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    relay_url = base.set(database=database).render_as_string(hide_password=False)
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{database}"'))
    stub = KuperStub()
    relays: list[RelayProcess] = []
    load: subprocess.Popen[str] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="pharmacy-desk-fanout-") as tmp, ThreadedServer(stub.app) as kuper:
            work = Path(tmp)
            python = _python_for(args.relay_src, work)
            settings = RelaySettings(kuper_url=kuper.url, database_url=relay_url)
            for name in ("a", "b"):
                (work / name).mkdir()
                mine = dataclasses.replace(settings, port=free_port())
                relays.append(RelayProcess(mine, work / name, python=python))
            relays[0].start()  # migrates the database
            relays[1].start()
            tokens = [relays[0].add_device(f"Касса {i}") for i in range(DEVICES)]
            command = [
                sys.executable,
                str(HERE),
                "load",
                "--ports",
                ",".join(str(r.settings.port) for r in relays),
                "--store",
                settings.store,
                "--tokens",
                ",".join(tokens),
                "--streams",
                str(streams),
            ]
            load = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            session = Session(load)
            hello = session.read(timeout=300)
            figures.connect_s = float(hello["seconds"])
            asyncio.run(_measure(args, figures, database, admin_url, relays, session, settings, load.pid))
            with contextlib.suppress(Exception):
                assert load.stdin is not None
                load.stdin.write(json.dumps({"do": "quit"}) + "\n")
                load.stdin.flush()
            load.wait(timeout=30)
    finally:
        if load is not None and load.poll() is None:
            load.kill()
        for relay in relays:
            relay.stop()
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    return figures


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _print(rows: list[Figures], label: str) -> None:
    print(f"pharmacy_desk stream fan-out benchmark ({os.cpu_count()} CPUs, 2 relay processes, {label})")
    head = (
        f"{'streams':>7} {'connect s':>9} {'idle tx/s':>9} {'idle CPU A/B %':>15} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'p99 A/B ms':>13} {'tx/webhook':>10} {'events/s':>8} {'load':>5}"
        f" {'CPU ms/webhook A/B/load':>23} {'writes/stream/webhook':>21} {'steal %':>7}"
    )
    print(head)
    for f in rows:
        print(
            f"{f.streams:>7} {f.connect_s:>9.1f} {f.idle_tx_per_s:>9.1f} "
            f"{f.idle_cpu[0]:>7.1f}/{f.idle_cpu[1]:<7.1f} {f.p50_ms:>7.1f} {f.p99_ms:>7.1f} {f.max_ms:>7.1f} "
            f"{f.p99_a_ms:>6.1f}/{f.p99_b_ms:<6.1f} {f.tx_per_webhook:>10.1f} {f.events_per_s:>8.0f} {f.load:>5.1f} "
            f"{'/'.join(f'{ms:.0f}' for ms in f.event_cpu_ms):>23} {f.chunks_per_webhook:>21.2f} {f.steal_pct:>7.1f}"
            + (f"  missing {f.missing}" if f.missing else "")
            + (f"  ({f.note.strip()})" if f.note else "")
        )
    print(
        "targets: idle ≤ 1 tx/s per relay process whatever N, ≤ 5 % CPU per process at 10,000 idle streams; "
        "p99 ≤ 100 ms at 1,000 streams, ≤ 250 ms at 10,000; transactions per event independent of N"
    )


def run_bench(args: argparse.Namespace) -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    rows = []
    for streams in [int(n) for n in args.streams.split(",")]:
        started = time.monotonic()
        rows.append(run_one(args, streams))
        print(f"  N={streams}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    label = f"relays from {args.relay_src}" if args.relay_src else "relays from this tree"
    _print(rows, label)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    load = sub.add_parser("load")
    load.add_argument("--ports", required=True)
    load.add_argument("--store", required=True)
    load.add_argument("--tokens", required=True)
    load.add_argument("--streams", type=int, required=True)
    parser.add_argument("--streams", default="100,1000,5000,10000")
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--events", type=int, default=20, help="single webhooks for the latency (2 events each)")
    parser.add_argument("--burst", type=int, default=100, help="webhooks of the sustained phase")
    parser.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--relay-src", default=None, help="run the relays from this source tree")
    args = parser.parse_args(argv)
    if args.command == "load":
        run_load(args)
        return 0
    return run_bench(args)


if __name__ == "__main__":
    sys.exit(main())
