"""The pass/fail report: one line per scenario, its findings under it, a summary at the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """What one scenario found; it passed when it found nothing."""

    name: str
    findings: tuple[str, ...]
    seconds: float
    orders: tuple[str, ...] = field(default=())  # our numbers of the orders it made

    @property
    def passed(self) -> bool:
        return not self.findings


def format_result(result: ScenarioResult) -> str:
    verdict = "PASS" if result.passed else "FAIL"
    numbers = f" [{', '.join(result.orders)}]" if result.orders else ""
    lines = [f"{verdict}  {result.name:<40} {result.seconds:6.2f} s{numbers}"]
    lines.extend(f"      - {finding}" for finding in result.findings)
    return "\n".join(lines)


def format_summary(results: Sequence[ScenarioResult], wall_seconds: float | None = None) -> str:
    """``wall_seconds``: the run's duration (scenarios may have run at the same time)."""
    failed = [result.name for result in results if not result.passed]
    total = wall_seconds if wall_seconds is not None else sum(result.seconds for result in results)
    head = f"{len(results) - len(failed)}/{len(results)} scenarios passed in {total:.1f} s"
    return head if not failed else f"{head}; failed: {', '.join(failed)}"


def exit_code(results: Sequence[ScenarioResult]) -> int:
    """0 when every scenario passed (and at least one ran), else 1."""
    return 0 if results and all(result.passed for result in results) else 1
