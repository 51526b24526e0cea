"""Every simulator scenario against a relay running as a real process, on SQLite and PostgreSQL.

The scenarios without error storms run at the same time (each has its own orders), the storm
scenarios alone afterwards; each scenario is then one test that shows its findings.
"""

from __future__ import annotations

import random

import pytest

from pharmacy_desk.sim.harness import Sim
from pharmacy_desk.sim.report import ScenarioResult, format_result
from pharmacy_desk.sim.runner import run_scenarios
from pharmacy_desk.sim.scenarios import SCENARIOS
from pharmacy_desk.sim.staff import Staff
from pharmacy_desk.sim.webhook_sender import WebhookSender
from tests.e2e.e2e_support import Kuper, StartedRelay, run_async


async def _play_all(kuper: Kuper, relay: StartedRelay) -> dict[str, ScenarioResult]:
    settings = relay.settings
    async with (
        WebhookSender(relay.process.url, settings.store, settings.webhook_auth) as sender,
        Staff(relay.process.url, settings.store, relay.device_token) as staff,
    ):
        sim = Sim(
            kuper.stub,
            sender,
            staff,
            settings.store,
            rng=random.Random(f"e2e-{relay.settings.database_url.split(':')[0]}"),
            wait=20.0,
        )
        results = await run_scenarios(sim, list(SCENARIOS.values()), parallel=True)
    return {result.name: result for result in results}


@pytest.fixture(scope="module")
def results(kuper: Kuper, relay: StartedRelay) -> dict[str, ScenarioResult]:
    return run_async(_play_all(kuper, relay))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(results: dict[str, ScenarioResult], relay: StartedRelay, name: str) -> None:
    result = results[name]
    assert result.passed, f"{format_result(result)}\n--- relay log ---\n{relay.process.log_tail()}"


def test_kuper_never_heard_of_an_unknown_order(results: dict[str, ScenarioResult], kuper: Kuper) -> None:
    unknown = [attempt for attempt in kuper.stub.attempts if attempt.status == 404]
    assert unknown == []
