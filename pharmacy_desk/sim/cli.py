"""Command line entry point (``pharmacy-desk-sim``): a fake Kuper that checks a relay end to end.

::

    pharmacy-desk-sim --start-relay --all                 # one command: relay + every scenario
    pharmacy-desk-sim --start-relay --scenario pickup_paid_cash --scenario kuper_storm_5xx
    pharmacy-desk-sim --relay http://127.0.0.1:8080 --store apteka-12 --device-token T \\
                      --webhook-token X --listen 127.0.0.1:8099 --all
    pharmacy-desk-sim --start-relay --generate --rate 6 [--play-staff] [--duration 600] [--storm 503:30@60]
    pharmacy-desk-sim --start-relay --stock resources/stock/sample_stock.csv --generate --play-staff
    pharmacy-desk-sim --list

With ``--relay`` the relay must already be configured with ``kuper.base_url`` = the ``--listen``
address and the ``--client-id``/``--client-secret`` given here. With ``--start-relay`` the simulator
starts ``pharmacy-desk-relay serve`` itself (temporary SQLite unless ``--database-url``), configured
that way, and creates a counter PC with ``pharmacy-desk-relay device add``; with ``--stock FILE`` its
store keeps an embedded stock loaded from that file (the simulator's products are the sample stock's,
``resources/stock/sample_stock.csv``, so that file serves its orders).

Exit codes: 0 every scenario passed; 1 a scenario failed (or the generator saw a protocol finding);
2 bad usage or the relay could not be started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pharmacy_desk.sim.generator import GeneratorSettings, OrderGenerator
from pharmacy_desk.sim.harness import Sim
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.relay_process import RelayFailed, RelayProcess, RelaySettings
from pharmacy_desk.sim.report import exit_code, format_result, format_summary
from pharmacy_desk.sim.runner import run_scenarios
from pharmacy_desk.sim.scenarios import SCENARIOS
from pharmacy_desk.sim.serving import parse_listen, serve
from pharmacy_desk.sim.staff import Staff
from pharmacy_desk.sim.webhook_sender import WebhookAuth, WebhookSender

DEFAULT_LISTEN = "127.0.0.1:8099"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pharmacy-desk-sim",
        description="Fake Kuper: sends webhooks to a relay, plays the staff, checks Kuper's notifications.",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--all", action="store_true", help="run every scenario")
    what.add_argument("--scenario", action="append", metavar="NAME", help="run this scenario (repeatable)")
    what.add_argument("--generate", action="store_true", help="generate orders continuously (demo)")
    what.add_argument("--list", action="store_true", help="list the scenarios and exit")

    relay = parser.add_argument_group("the relay")
    relay.add_argument("--start-relay", action="store_true", help="start a relay process configured for the sim")
    relay.add_argument("--database-url", help="with --start-relay: this database instead of a temporary SQLite")
    relay.add_argument("--workdir", type=Path, help="with --start-relay: keep its config, database and log here")
    relay.add_argument(
        "--stock",
        type=Path,
        metavar="CSV",
        help="with --start-relay: the store keeps this stock (e.g. resources/stock/sample_stock.csv)",
    )
    relay.add_argument("--relay", metavar="URL", help="a running relay, e.g. http://127.0.0.1:8080")
    relay.add_argument("--store", help="the store key (default with --start-relay: apteka-sim)")
    relay.add_argument("--kuper-store-id", help="storeID in order.created (default: the store key)")
    relay.add_argument("--device-token", help="a counter PC's token (pharmacy-desk-relay device add)")
    relay.add_argument("--webhook-token", help="the Client-Token the relay expects from Kuper")
    relay.add_argument("--webhook-basic", metavar="USER:PASSWORD", help="Basic credentials instead of a token")

    kuper = parser.add_argument_group("the fake Kuper")
    kuper.add_argument(
        "--listen", help=f"address to serve on (default {DEFAULT_LISTEN}; any free port with --start-relay)"
    )
    kuper.add_argument("--client-id", default="sim-client")
    kuper.add_argument("--client-secret", default="sim-secret")

    run = parser.add_argument_group("running")
    run.add_argument(
        "--parallel", action="store_true", help="run the scenarios at the same time (storms hit only their own orders)"
    )
    run.add_argument("--wait", type=float, default=30.0, help="seconds to wait for a due notification (30)")
    run.add_argument("--seed", type=int, help="random seed (orders, codes, names)")

    gen = parser.add_argument_group("--generate")
    gen.add_argument("--rate", type=float, default=4.0, help="new orders a minute (4)")
    gen.add_argument("--pickup-share", type=float, default=0.5, help="share of pickup orders (0.5)")
    gen.add_argument("--pace", type=float, default=4.0, help="seconds between one party's steps (4)")
    gen.add_argument("--duration", type=float, help="seconds of new orders (default: until Ctrl+C)")
    gen.add_argument("--play-staff", action="store_true", help="also play the pharmacy's staff")
    gen.add_argument(
        "--storm",
        type=_storm,
        metavar="STATUS:SECONDS[@AFTER]",
        help="Kuper answers STATUS (500, 503, 429, 401...) to every notification for SECONDS, AFTER s into the run",
    )
    return parser


@dataclass(frozen=True, slots=True)
class StormPlan:
    status: int
    seconds: float
    after: float


def _storm(text: str) -> StormPlan:
    head, _, after = text.partition("@")
    status, _, seconds = head.partition(":")
    try:
        return StormPlan(int(status), float(seconds), float(after or 0))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected STATUS:SECONDS[@AFTER], e.g. 503:30@60, not {text!r}") from None


@dataclass(frozen=True, slots=True)
class Target:
    """The relay under test and how to talk to it."""

    url: str
    store: str
    device_token: str
    webhook_auth: WebhookAuth


def _webhook_auth(args: argparse.Namespace) -> WebhookAuth | None:
    if args.webhook_basic:
        user, sep, password = args.webhook_basic.partition(":")
        return WebhookAuth(basic_user=user, basic_password=password) if sep else None
    return WebhookAuth(client_token=args.webhook_token) if args.webhook_token else None


def _usage_problem(args: argparse.Namespace) -> str | None:
    if not (args.all or args.scenario or args.generate):
        return "say what to do: --all, --scenario NAME, --generate or --list"
    unknown = [name for name in args.scenario or () if name not in SCENARIOS]
    if unknown:
        return f"unknown scenario(s): {', '.join(unknown)} (see --list)"
    if args.storm is not None and not args.generate:
        return "--storm goes with --generate (scenarios bring their own storms)"
    if args.stock is not None and not args.start_relay:
        return "--stock goes with --start-relay (load a running relay's stock with pharmacy-desk-relay stock import)"
    if args.start_relay:
        if args.relay:
            return "--relay and --start-relay exclude each other"
        return None
    missing = [
        flag
        for flag, value in (("--relay", args.relay), ("--store", args.store), ("--device-token", args.device_token))
        if not value
    ]
    if _webhook_auth(args) is None:
        missing.append("--webhook-token (or --webhook-basic USER:PASSWORD)")
    if missing:
        return f"without --start-relay these are needed: {', '.join(missing)}"
    return None


@contextlib.asynccontextmanager
async def _started_relay(args: argparse.Namespace, kuper_url: str) -> AsyncIterator[Target]:
    with contextlib.ExitStack() as stack:
        if args.workdir is not None:
            workdir = args.workdir
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pharmacy-desk-sim-")))
        settings = RelaySettings(
            kuper_url=kuper_url,
            database_url=args.database_url or f"sqlite+aiosqlite:///{workdir / 'relay.sqlite3'}",
            store=args.store or "apteka-sim",
            client_id=args.client_id,
            client_secret=args.client_secret,
            embedded_stock=args.stock is not None,
        )
        relay = RelayProcess(settings, workdir)
        stack.callback(relay.stop)
        relay.spawn()
        await relay.wait_ready_async()
        if args.stock is not None:
            print(await asyncio.to_thread(relay.import_stock, args.stock.resolve()))
        token = await asyncio.to_thread(relay.add_device)
        print(f"relay {relay.url} (pid {relay.pid}), store {settings.store}, log {relay.log_path}")
        print(f"counter PC token: {token}")
        print(f"Kuper webhook Client-Token: {settings.webhook_token}")
        yield Target(relay.url, settings.store, token, settings.webhook_auth)


@contextlib.asynccontextmanager
async def _given_relay(args: argparse.Namespace) -> AsyncIterator[Target]:
    auth = _webhook_auth(args)
    assert auth is not None
    yield Target(args.relay, args.store, args.device_token, auth)


async def _run(args: argparse.Namespace) -> int:
    stub = KuperStub(client_id=args.client_id, client_secret=args.client_secret)
    host, port = parse_listen(args.listen or ("127.0.0.1:0" if args.start_relay else DEFAULT_LISTEN))
    rng = random.Random(args.seed)
    async with serve(stub.app, host, port) as kuper_url:
        print(f"fake Kuper on {kuper_url} (client id {args.client_id})")
        relay = _started_relay(args, kuper_url) if args.start_relay else _given_relay(args)
        async with (
            relay as target,
            WebhookSender(target.url, target.store, target.webhook_auth) as sender,
            Staff(target.url, target.store, target.device_token) as staff,
        ):
            sim = Sim(stub, sender, staff, args.kuper_store_id or target.store, rng=rng, wait=args.wait)
            if args.generate:
                return await _generate(sim, args)
            names = list(SCENARIOS) if args.all else args.scenario
            started = time.monotonic()
            results = await run_scenarios(
                sim,
                [SCENARIOS[name] for name in names],
                parallel=args.parallel,
                on_result=lambda result: print(format_result(result), flush=True),
            )
            print(format_summary(results, time.monotonic() - started))
            return exit_code(results)


async def _generate(sim: Sim, args: argparse.Namespace) -> int:
    settings = GeneratorSettings(
        rate=args.rate,
        pickup_share=args.pickup_share,
        pace=args.pace,
        duration=args.duration,
        play_staff=args.play_staff,
    )
    generator = OrderGenerator(sim, settings, say=lambda text: print(text, flush=True))
    storm: asyncio.Task[None] | None = None
    if args.storm is not None:
        storm = asyncio.create_task(_storm_later(sim, args.storm, generator.say))
    who = "Kuper and the staff" if args.play_staff else "Kuper (the staff is up to you)"
    print(f"generating {args.rate:g} orders a minute, playing {who}; Ctrl+C stops")
    try:
        await generator.run()
    finally:
        if storm is not None:
            storm.cancel()
    print(f"{generator.created} orders created, {generator.finished} followed to the end")
    for finding in generator.findings:
        print(f"  - {finding}")
    return 1 if generator.findings else 0


async def _storm_later(sim: Sim, plan: StormPlan, say: Callable[[str], None]) -> None:
    await asyncio.sleep(plan.after)
    sim.stub.storm(plan.status, seconds=plan.seconds)
    say(f"Kuper answers {plan.status} to every notification for {plan.seconds:g} s (from the first one hit)")
    await sim.stub.wait_for(lambda stub: stub.storm_over(), timeout=plan.seconds + 3600, interval=0.2)
    say("Kuper is back")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:<40} {scenario.summary}")
        return 0
    problem = _usage_problem(args)
    if problem is not None:
        print(f"pharmacy-desk-sim: {problem}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args))
    except RelayFailed as exc:
        print(f"pharmacy-desk-sim: the relay could not be started: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
