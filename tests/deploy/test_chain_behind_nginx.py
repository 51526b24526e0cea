"""The chain layout run for real: two relay processes from ``deploy/``'s own files behind nginx.

Two ``pharmacy-desk-relay serve`` processes as ``pharmacy-desk-relay@<port>.service`` starts them
(``relay.toml.example``, ``relay.env.example`` with its PostgreSQL line switched on and pointed at
the test server, ``PHARMACY_DESK_RELAY__PORT`` per process), nginx with ``pharmacy-desk-relay.conf``
and ``pharmacy-desk-relay-upstream-chain.conf`` (TLS on a free port, a throw-away certificate). The
counter PCs' streams and Kuper's webhooks all go through nginx: every stream gets the event, whichever
process took the webhook and whichever holds the stream; then one process stops, nginx sends the
next webhook to the other, and the streams that were cut resume with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from httpx_sse import aconnect_sse
from sqlalchemy import make_url

from pharmacy_desk.sim.orders import random_order

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PG_URL = os.environ.get("PHARMACY_DESK_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
STORE = "apteka-12"  # relay.toml.example's first store
CLIENT_TOKEN = "CHANGE-ME-client-token"  # relay.env.example's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def env_from_example(database_url: str, kuper_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHARMACY_DESK_RELAY")}
    for line in (DEPLOY / "relay.env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#PHARMACY_DESK_RELAY__DATABASE_URL="):
            line = line[1:]  # the chain's step: "remove the # of the next line"
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    assert env["PHARMACY_DESK_RELAY__DATABASE_URL"].startswith("postgresql+asyncpg://")
    env["PHARMACY_DESK_RELAY__DATABASE_URL"] = database_url  # the test server instead of db.internal
    env["PHARMACY_DESK_RELAY__KUPER__BASE_URL"] = f"http://127.0.0.1:{kuper_port}"  # nobody: never Kuper itself
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def _admin(statement: str) -> None:
    url = make_url(PG_URL).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    name = f"pdesk_chain_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        if os.environ.get("PHARMACY_DESK_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL does not answer: {exc}")
        pytest.skip(f"PostgreSQL does not answer: {exc}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def nginx_site(tmp: Path, https_port: int, http_port: int, relay_ports: list[int]) -> Path:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    openssl = shutil.which("openssl")
    if nginx is None or openssl is None:
        pytest.skip("nginx or openssl is not installed")
    cert, key = tmp / "fullchain.pem", tmp / "privkey.pem"
    tls = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=relay.example.ru", *tls],
        capture_output=True,
        check=True,
        timeout=60,
    )
    site = (DEPLOY / "nginx" / "pharmacy-desk-relay.conf").read_text(encoding="utf-8")
    for old, new in {
        "/etc/letsencrypt/live/relay.example.ru/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/relay.example.ru/privkey.pem": str(key),
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
    }.items():
        assert old in site
        site = site.replace(old, new)
    upstream = (DEPLOY / "nginx" / "pharmacy-desk-relay-upstream-chain.conf").read_text(encoding="utf-8")
    for old, port in zip(("127.0.0.1:8081", "127.0.0.1:8082"), relay_ports, strict=True):
        assert old in upstream
        upstream = upstream.replace(old, f"127.0.0.1:{port}")
    conf_d = tmp / "conf.d"
    conf_d.mkdir()
    (conf_d / "pharmacy-desk-relay.conf").write_text(site, encoding="utf-8")
    (conf_d / "pharmacy-desk-relay-upstream-chain.conf").write_text(upstream, encoding="utf-8")
    (tmp / "logs").mkdir()
    main = tmp / "nginx.conf"
    main.write_text(
        f"daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp}/body;\n  proxy_temp_path {tmp}/proxy;\n"
        f"  include {conf_d}/*.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


def wait_http(url: str, deadline: float = 40.0, process: subprocess.Popen[bytes] | None = None) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1.0, verify=False)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {deadline:g} s")


def webhook_body() -> bytes:
    import random

    return random_order(random.Random(), store_id=STORE).created().to_json()


async def test_two_relay_processes_behind_nginx_share_webhooks_and_streams(database_url: str, tmp_path: Path) -> None:
    relay_ports = [free_port(), free_port()]
    https_port, http_port = free_port(), free_port()
    main = nginx_site(tmp_path, https_port, http_port, relay_ports)
    env = env_from_example(database_url, kuper_port=free_port())
    relay_bin = str(Path(sys.executable).with_name("pharmacy-desk-relay"))
    command = [relay_bin, "--config", str(DEPLOY / "relay.toml.example")]
    processes: list[subprocess.Popen[bytes]] = []
    nginx: subprocess.Popen[bytes] | None = None
    logs = [(tmp_path / f"relay-{port}.log").open("wb") for port in relay_ports]
    try:
        for port, log in zip(relay_ports, logs, strict=True):  # started together: migrations take turns
            processes.append(
                subprocess.Popen(
                    [*command, "serve"], env={**env, "PHARMACY_DESK_RELAY__PORT": str(port)}, stdout=log, stderr=log
                )
            )
        for port, process in zip(relay_ports, processes, strict=True):
            await asyncio.to_thread(wait_http, f"http://127.0.0.1:{port}/health", 60.0, process)
        added = subprocess.run(
            [*command, "device", "add", "--store", STORE, "--name", "Касса 1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        token = added.stdout.strip().splitlines()[-1]
        nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
        nginx = subprocess.Popen([nginx_bin, "-p", str(tmp_path), "-c", str(main)])
        base = f"https://127.0.0.1:{https_port}"
        await asyncio.to_thread(wait_http, base + "/health", 20.0, nginx)

        async with httpx.AsyncClient(base_url=base, verify=False, timeout=15) as client:
            for port in relay_ports:
                health = (await client.get(f"http://127.0.0.1:{port}/health")).json()
                assert health["events"] == "listening"
            pc = {"Authorization": f"Bearer {token}"}
            hooks = {"Content-Type": "application/json", "Client-Token": CLIENT_TOKEN}
            seen: list[list[str]] = [[] for _ in range(4)]

            async def follow(i: int, count: int, last: str | None = None) -> None:
                headers = dict(pc) | ({"Last-Event-ID": last} if last else {})
                async with aconnect_sse(client, "GET", f"/stores/{STORE}/events", headers=headers) as source:
                    assert source.response.status_code == 200
                    async for event in source.aiter_sse():
                        if event.event == "message" and not event.data:
                            continue
                        seen[i].append(f"{event.event}:{event.id}")
                        if len(seen[i]) >= count:
                            return

            streams = [asyncio.create_task(follow(i, 3)) for i in range(4)]  # ready, order, alert
            async with asyncio.timeout(15):
                while not all(seen):
                    await asyncio.sleep(0.02)
            answer = await client.post(f"/kuper/webhooks/{STORE}", content=webhook_body(), headers=hooks)
            assert answer.status_code == 200, answer.text
            async with asyncio.timeout(15):
                await asyncio.gather(*streams)
            assert all(s == ["ready:0", "order:1", "alert:2"] for s in seen), seen

            processes[0].send_signal(signal.SIGTERM)  # one process restarts: nginx takes the next
            processes[0].wait(timeout=30)
            answer = await client.post(f"/kuper/webhooks/{STORE}", content=webhook_body(), headers=hooks)
            assert answer.status_code == 200, answer.text
            for i in range(4):  # every PC (re)connects through nginx and gets what it missed
                seen[i] = []
                async with asyncio.timeout(15):
                    await follow(i, 2, last="2")
            assert all(s == ["order:3", "alert:4"] for s in seen), seen
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        for log in logs:
            log.close()
