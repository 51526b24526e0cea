"""Running scenarios: each plays, waits for what it made due at Kuper and for the relay to have
nothing left to send (deadline polls, never a fixed wait), and is judged.

Scenarios run one after another by default, or all at the same time with ``parallel``: each has its
own orders, and Kuper's error storms hit only the orders of the scenario that asked for them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Sequence

from pharmacy_desk.sim.harness import ScenarioFailed, Sim
from pharmacy_desk.sim.report import ScenarioResult
from pharmacy_desk.sim.scenarios import Scenario


async def run_scenario(sim: Sim, scenario: Scenario) -> ScenarioResult:
    """Play ``scenario`` on its own copy of ``sim`` and judge it."""
    own = dataclasses.replace(sim, runs=[])
    started = time.monotonic()
    problems: list[str] = []
    try:
        await scenario.play(own)
    except ScenarioFailed:
        pass  # the order's findings say why
    except Exception as exc:  # a scenario must report, not crash the run
        problems.append(f"stopped: {type(exc).__name__}: {exc}")
    finally:
        sim.stub.calm(orders=[run.order.uuid for run in own.runs])
    for run in own.runs:
        await run.wait_for_due()
    for run in own.runs:  # once the relay has nothing left to send, Kuper has all it will ever get
        await run.wait_until_sent()
    findings = problems + [finding for run in own.runs for finding in run.final_findings()]
    numbers = tuple(run.number for run in own.runs if run.number)
    return ScenarioResult(scenario.name, tuple(findings), time.monotonic() - started, numbers)


async def run_scenarios(
    sim: Sim,
    scenarios: Sequence[Scenario],
    *,
    parallel: bool = False,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Every scenario's result, in the order given; ``on_result`` hears of each as soon as it is judged."""
    results: dict[str, ScenarioResult] = {}

    async def one(scenario: Scenario) -> None:
        result = await run_scenario(sim, scenario)
        results[scenario.name] = result
        if on_result is not None:
            on_result(result)

    if parallel:
        await asyncio.gather(*(one(scenario) for scenario in scenarios))
    else:
        for scenario in scenarios:
            await one(scenario)
    return [results[scenario.name] for scenario in scenarios]
