"""Crash durability: relay processes are SIGKILLed while webhooks and actions stream in.

One relay process killed three times (SQLite), and two relay processes behind a balancer on one
PostgreSQL database killed ten times between them (each kill is one process; the
other goes on serving, and the balancer sends new connections to whichever answers).

Orders keep coming (both flows, the whole life of each: Kuper's webhooks and the staff's actions)
while the relay is killed and started again on the same database. Kuper redelivers what was not
answered 200, the counter PCs repeat their requests with the same idempotency key. Afterwards,
through the public API and the fake Kuper only:

- every webhook answered 200 is in the log: its order exists with that event in its history;
- every number given for an ``order.created`` is stable: a redelivery now gets the same number;
- every notification due reached Kuper exactly once (its 202 for an exact repeat counts as once),
  in the order of docs/kuper-protocol.md §4.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pharmacy_desk.kuper import OrderCreatedAnswer, ShipmentMethod
from pharmacy_desk.sim.harness import OrderRun, ScenarioFailed, Sim, expected_total
from pharmacy_desk.sim.relay_process import RelayProcess, free_port
from pharmacy_desk.sim.staff import RelayUnreachable, Staff
from pharmacy_desk.sim.webhook_sender import WebhookSender
from tests.e2e.balancer import Balancer
from tests.e2e.e2e_support import Kuper, StartedRelay, run_async

pytestmark = pytest.mark.slow

KILLS = 3
KILLS_OF_TWO = 10  # two processes on PostgreSQL
NEW_ORDER_EVERY = 0.2  # seconds (about 5 orders a second, each some 10 requests)
UP_BETWEEN_KILLS = (1.0, 2.0)  # seconds the relay runs before the next SIGKILL
REDELIVER_FOR = 60.0  # seconds the fake Kuper redelivers a webhook, the staff retry, a notification is awaited


@dataclass
class CrashRun:
    runs: list[OrderRun] = field(default_factory=list)
    kills: int = 0
    findings: list[str] = field(default_factory=list)
    unanswered_webhooks: int = 0  # deliveries cut by a kill (Kuper delivered them again)
    repeats_at_kuper: int = 0  # notifications Kuper answered 202 (sent again after a kill)


async def _life(run: OrderRun, rng: random.Random) -> None:
    """One order from order.created to its end, as Kuper and the staff play it."""
    try:
        await run.create()
        packs = await run.assemble()
        await run.ready()
        if run.order.flow is ShipmentMethod.PICKUP:
            await run.collect_at_counter(rng.choice(("cash", "card")), packs)
            return
        for webhook in (run.order.paid(expected_total(packs)), run.order.received(), run.order.delivered()):
            await run.kuper(webhook)
    except (ScenarioFailed, RelayUnreachable) as exc:
        run.note(f"stopped: {exc}")


async def _storm_of_kills(
    kuper: Kuper, relay: StartedRelay, processes: list[RelayProcess] | None = None, kills: int = KILLS
) -> CrashRun:
    """Traffic while ``kills`` SIGKILLs hit ``processes`` in turn (default: the one relay process)."""
    processes = processes or [relay.process]
    if len(processes) == 1:
        return await _storm(kuper, relay, processes, kills, processes[0].url, NEW_ORDER_EVERY)
    async with Balancer([(p.settings.host, p.settings.port) for p in processes]) as balancer:
        # one process carries the traffic while the other restarts: a rate it can carry alone
        return await _storm(kuper, relay, processes, kills, balancer.url, NEW_ORDER_EVERY * 2.5)


async def _storm(
    kuper: Kuper, relay: StartedRelay, processes: list[RelayProcess], kills: int, url: str, every: float
) -> CrashRun:
    settings = relay.settings
    rng = random.Random(f"crash-{settings.database_url.split(':')[0]}-{len(processes)}")
    result = CrashRun()
    async with (
        # Kuper redelivers for hours; a machine busy with other work can take long to restart a relay
        WebhookSender(url, settings.store, settings.webhook_auth, redeliver_for=REDELIVER_FOR) as sender,
        Staff(url, settings.store, relay.device_token, patience=REDELIVER_FOR) as staff,
    ):
        sim = Sim(kuper.stub, sender, staff, settings.store, rng=rng, wait=REDELIVER_FOR)
        lives: list[asyncio.Task[None]] = []
        stop = asyncio.Event()

        async def feed() -> None:
            while not stop.is_set():
                flow = rng.choice((ShipmentMethod.PICKUP, ShipmentMethod.BY_COURIER))
                lives.append(asyncio.create_task(_life(sim.order(flow), rng)))
                await asyncio.sleep(every)

        feeder = asyncio.create_task(feed())
        for kill in range(kills):
            await asyncio.sleep(rng.uniform(*UP_BETWEEN_KILLS))
            process = processes[kill % len(processes)]
            process.kill()
            result.kills += 1
            process.spawn()
            await process.wait_ready_async()
        await asyncio.sleep(1.0)  # some traffic after the last restart too
        stop.set()
        await feeder
        await asyncio.gather(*lives)
        result.runs = sim.runs
        for run in sim.runs:
            await run.wait_for_due()
        for run in sim.runs:  # nothing left to send: anything sent twice has shown up
            await run.wait_until_sent()
        result.findings.extend(finding for run in sim.runs for finding in run.final_findings())
        result.findings.extend(await _log_findings(sim.runs, staff))
        result.findings.extend(await _number_findings(sim.runs, sender))
        result.unanswered_webhooks = sum(
            1 for answers in sender.answers.values() for answer in answers if answer.status is None
        )
        result.repeats_at_kuper = sum(1 for item in kuper.stub.received if item.is_repeat)
    return result


async def _log_findings(runs: list[OrderRun], staff: Staff) -> list[str]:
    """Every webhook answered 200 is in its order's history (public API)."""
    findings = []
    for run in runs:
        answered = {answer.event_type for answer in run.sim.sender.answers[run.order.uuid] if answer.status == 200}
        if not answered:
            continue
        if run.number is None:
            findings.append(f"{run.label}: webhooks answered 200 but no order.created was")
            continue
        detail = await staff.detail(run.number)
        if detail is None:
            findings.append(f"{run.label}: order.created was answered 200 but the relay has no such order")
            continue
        logged = {hook["event_type"] for hook in detail["history"]["webhooks"]}
        missing = sorted(answered - logged)
        if missing:
            findings.append(f"{run.label}: answered 200 but not in the order's history: {', '.join(missing)}")
    return findings


async def _number_findings(runs: list[OrderRun], sender: WebhookSender) -> list[str]:
    """A redelivered order.created, after every restart, gets the number first given."""
    findings = []
    for run in runs:
        if run.number is None:
            continue
        answer = await sender.deliver(run.order.created())
        number = OrderCreatedAnswer.parse(answer.body).number if answer.status == 200 else None
        if number != run.number:
            findings.append(f"{run.label}: order.created redelivered after the crashes got {number}")
    return findings


def test_sigkill_loses_no_webhook_number_or_notification(kuper: Kuper, relay: StartedRelay) -> None:
    if relay.settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: the two-process run below (ten kills) covers one process's kills too")
    started = time.monotonic()
    result = run_async(_storm_of_kills(kuper, relay))
    elapsed = time.monotonic() - started
    summary = (
        f"{len(result.runs)} orders, {result.kills} kills in {elapsed:.1f} s; "
        f"webhook deliveries cut by a kill: {result.unanswered_webhooks}, repeats Kuper answered 202: "
        f"{result.repeats_at_kuper}"
    )
    print(summary)
    assert result.kills == KILLS
    assert result.unanswered_webhooks > 0, f"the kills hit no traffic: {summary}"
    assert len(result.runs) > 20, summary
    assert result.findings == [], f"{summary}\n" + "\n".join(result.findings) + f"\n{relay.process.log_tail()}"


def test_two_relay_processes_on_postgresql_killed_ten_times(kuper: Kuper, relay: StartedRelay, tmp_path: Path) -> None:
    if not relay.settings.database_url.startswith("postgresql"):
        pytest.skip("two relay processes share a PostgreSQL database (SQLite serves one process)")
    second = RelayProcess(dataclasses.replace(relay.settings, port=free_port()), tmp_path)
    try:
        second.start()
        started = time.monotonic()
        result = run_async(_storm_of_kills(kuper, relay, [relay.process, second], KILLS_OF_TWO))
        elapsed = time.monotonic() - started
    finally:
        second.stop()
    summary = (
        f"two processes: {len(result.runs)} orders, {result.kills} kills in {elapsed:.1f} s; webhook deliveries"
        f" cut by a kill: {result.unanswered_webhooks}, repeats Kuper answered 202: {result.repeats_at_kuper}"
    )
    print(summary)
    assert result.kills == KILLS_OF_TWO
    assert len(result.runs) > 40, summary
    logs = f"{relay.process.log_tail()}\n{second.log_tail()}"
    assert result.findings == [], f"{summary}\n" + "\n".join(result.findings) + f"\n{logs}"
