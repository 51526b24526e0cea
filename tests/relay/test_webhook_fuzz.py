"""A hypothesis fuzzer over Kuper's webhook door: every answer 200 or 4xx, nothing but ``invalid`` kept for a 4xx.

Bodies are the fixture webhooks with hostile values put in at random places (negative, huge and
non-finite numbers, NUL, lone surrogates, over-long ids, wrong types, nulls, deep nesting), or not
JSON at all. Each is posted over real HTTP to a relay on 127.0.0.1 (SQLite and PostgreSQL); after each
one the store's webhook log (``GET /stores/{store}/webhooks``) is read: a 200 kept at most one row,
a 4xx nothing or one ``invalid`` row. Afterwards ``/health`` and ``/ready`` answer 200.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pharmacy_desk.relay.app import create_app
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.devices import add_device
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import ThreadedServer
from tests.relay.relay_support import CLIENT_TOKEN, STORE, WEBHOOK_FIXTURES, RecordingStock, make_config, webhook

CASES = 500
pytestmark = pytest.mark.slow

_RAW = "@@raw:"  # a string value that is replaced by raw JSON text when the body is written

HOSTILE: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.sampled_from(["-1", "-0.01", "1e309", "NaN", "Infinity", "1" * 40, "12,50", "", " "]),
    st.sampled_from([f"{_RAW}1e309", f"{_RAW}-1e400", f"{_RAW}{'9' * 5000}", f"{_RAW}NaN"]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Cs", "Cc"]), min_size=1, max_size=5),  # lone surrogates, NUL
    st.sampled_from(["x" * 201, "x" * 5000, "a\x00b", "\ud800", "\udfff"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _set(body: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        body = body[part]
    body[path[-1]] = value


def _write(body: Any) -> bytes:
    text = json.dumps(body)  # ensure_ascii: a lone surrogate is written as its \\ud800 escape
    while f'"{_RAW}' in text:
        start = text.index(f'"{_RAW}')
        end = text.index('"', start + 1)
        text = text[:start] + text[start + len(_RAW) + 1 : end] + text[end + 1 :]
    return text.encode()


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mutated"] * 8 + ["deep", "garbage"]))
    if kind == "garbage":
        return draw(st.binary(max_size=200))
    body = webhook(draw(st.sampled_from(WEBHOOK_FIXTURES)))
    if draw(st.booleans()):
        body["payload"]["orderUUID"] = f"fuzz:{uuid.UUID(int=draw(st.integers(0, 2**32)))}"
    if kind == "deep":
        depth = draw(st.integers(10, 3000))
        _set(body, ("payload", "comment"), f"{_RAW}{'[' * depth}{']' * depth}")
        return _write(body)
    paths = _paths(body)
    for _ in range(draw(st.integers(1, 3))):
        _set(body, draw(st.sampled_from(paths)), draw(HOSTILE))
        paths = _paths(body)
        if not paths:
            break
    return _write(body)


async def _device_token(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        _, token = await add_device(engine, STORE, "Касса fuzz")
        return token
    finally:
        await engine.dispose()


def test_webhook_fuzzer_never_gets_a_5xx_and_keeps_only_invalid_for_a_4xx(database_url: str) -> None:
    token = asyncio.run(_device_token(database_url))
    stub = KuperStub(client_id="test-client", client_secret="test-secret")
    with ThreadedServer(stub.app, capture_signals=False) as kuper:
        kuper_config = {"base_url": kuper.url, "client_id": "test-client", "client_secret": "test-secret"}
        config = make_config(database_url, kuper=kuper_config)
        app = create_app(config.model_copy(update={"stores": config.stores[:1]}), stock_hook=RecordingStock())
        with ThreadedServer(app, capture_signals=False, lifespan="on", log_config=None) as relay:
            elapsed, seen = _fuzz(relay.url, token)
    print(f"webhook fuzzer: {sum(seen.values())} bodies in {elapsed:.1f} s, answers {dict(sorted(seen.items()))}")
    assert sum(seen.values()) >= CASES and seen.get(200, 0) > 0 and seen.get(400, 0) > 0


def _fuzz(url: str, token: str) -> tuple[float, dict[int, int]]:
    seen: dict[int, int] = {}
    device = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=20) as client:
        last = [0]

        def new_rows() -> list[dict[str, Any]]:
            listed = client.get(f"/stores/{STORE}/webhooks", params={"limit": 5}, headers=device)
            assert listed.status_code == 200, listed.text
            fresh = [w for w in listed.json() if w["id"] > last[0]]
            last[0] = max([last[0], *(w["id"] for w in fresh)])
            return fresh

        @settings(
            max_examples=CASES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(body=bodies())
        def post(body: bytes) -> None:
            answer = client.post(
                f"/kuper/webhooks/{STORE}",
                content=body,
                headers={"Client-Token": CLIENT_TOKEN, "Content-Type": "application/json"},
            )
            seen[answer.status_code] = seen.get(answer.status_code, 0) + 1
            assert answer.status_code == 200 or 400 <= answer.status_code < 500, (answer.status_code, answer.text)
            kept = new_rows()
            assert len(kept) <= 1, kept
            if answer.status_code != 200:
                assert all(w["status"] == "invalid" for w in kept), kept
                assert "message" in answer.json()

        started = time.monotonic()
        post()
        elapsed = time.monotonic() - started
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
    return elapsed, seen
