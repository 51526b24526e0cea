"""The offline queue on its own: durable, ordered, per-order conflicts, stops when the relay is gone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pharmacy_desk.desk.offline_queue import OfflineQueue, QueueConflict
from pharmacy_desk.desk.relay_client import Accepted, ActionResult, Refused, Rejected, Unreachable
from pharmacy_desk.domain import Action, Cancel, CancelReason, LabelPrinted, StartAssembly
from tests.desk.book_support import order


@dataclass
class ScriptedRelay:
    """Answers actions from a script keyed by (number, kind); records what it was sent."""

    answers: dict[tuple[str, str], ActionResult] = field(default_factory=dict)
    sent: list[tuple[str, str, int, str]] = field(default_factory=list)
    version: dict[str, int] = field(default_factory=dict)

    async def post_action(
        self, number: str, action: Action, *, expected_version: int, idempotency_key: str, operator: str | None = None
    ) -> ActionResult:
        self.sent.append((number, action.kind, expected_version, idempotency_key))
        answer = self.answers.get((number, action.kind))
        if answer is not None:
            return answer
        self.version[number] = expected_version + 1
        return Accepted(order(number, version=expected_version + 1))


async def test_survives_a_restart_in_order(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    queue = await OfflineQueue.open(path, "apteka-12")
    await queue.add("1", StartAssembly(), expected_version=3, idempotency_key="k1", operator="Иванова")
    await queue.add("2", Cancel(reason=CancelReason.OUT_OF_STOCK, description="нет"), expected_version=1)
    await queue.close()

    again = await OfflineQueue.open(path, "apteka-12")
    items = await again.items()
    assert [(i.number, i.action.kind, i.expected_version) for i in items] == [
        ("1", "start_assembly", 3),
        ("2", "cancel", 1),
    ]
    assert items[0].idempotency_key == "k1" and items[0].operator == "Иванова"
    assert items[1].action == Cancel(reason=CancelReason.OUT_OF_STOCK, description="нет")
    other_store = await OfflineQueue.open(path, "apteka-7")
    assert await other_store.items() == []
    await other_store.close()
    await again.close()


async def test_chained_actions_follow_the_version_the_previous_one_produced(tmp_path: Path) -> None:
    queue = await OfflineQueue.open(tmp_path / "q.sqlite3", "apteka-12")
    await queue.add("1", StartAssembly(), expected_version=3)
    await queue.add("1", LabelPrinted(), expected_version=3)
    await queue.add("1", LabelPrinted(), expected_version=3)
    relay = ScriptedRelay()
    report = await queue.replay(relay)  # type: ignore[arg-type]
    assert report.sent == 3 and report.conflicts == 0
    assert [s[2] for s in relay.sent] == [3, 4, 5]
    assert await queue.count() == 0
    await queue.close()


async def test_conflict_stops_that_order_only(tmp_path: Path) -> None:
    queue = await OfflineQueue.open(tmp_path / "q.sqlite3", "apteka-12")
    await queue.add("1", StartAssembly(), expected_version=1)
    await queue.add("2", StartAssembly(), expected_version=1)
    await queue.add("1", LabelPrinted(), expected_version=1)
    await queue.add("2", LabelPrinted(), expected_version=1)
    refusal = Refused("claimed_by_other", "Заказ собирает другое рабочее место: Касса 2")
    relay = ScriptedRelay(answers={("1", "start_assembly"): refusal})
    conflicts: list[QueueConflict] = []
    accepted: list[Any] = []
    report = await queue.replay(relay, on_conflict=conflicts.append, on_accepted=lambda i, o: accepted.append(i))  # type: ignore[arg-type]
    assert report.sent == 2 and report.conflicts == 1
    assert [(s[0], s[1]) for s in relay.sent] == [
        ("1", "start_assembly"),
        ("2", "start_assembly"),
        ("2", "label_printed"),
    ]
    [conflict] = conflicts
    assert conflict.message.endswith("Касса 2") and conflict.code == "claimed_by_other"
    assert [i.action.kind for i in conflict.blocked] == ["label_printed"]
    assert [(i.number, i.status) for i in await queue.items()] == [("1", "conflict"), ("1", "conflict")]
    assert await queue.in_conflict("1") and not await queue.holds("2")
    again = await queue.replay(relay)  # type: ignore[arg-type]
    assert again.sent == 0 and len(relay.sent) == 3  # conflicts are not retried by themselves
    assert await queue.discard("1") == 2
    await queue.close()


async def test_unreachable_or_a_bad_token_stop_the_replay_and_keep_everything(tmp_path: Path) -> None:
    queue = await OfflineQueue.open(tmp_path / "q.sqlite3", "apteka-12")
    await queue.add("1", StartAssembly(), expected_version=1, idempotency_key="same-key")
    await queue.add("2", StartAssembly(), expected_version=1)
    gone = ScriptedRelay(answers={("1", "start_assembly"): Unreachable("Нет связи")})
    report = await queue.replay(gone)  # type: ignore[arg-type]
    assert report.stopped == "Нет связи" and len(gone.sent) == 1
    revoked = ScriptedRelay(answers={("1", "start_assembly"): Rejected(401, "unauthorized", "Токен")})
    assert (await queue.replay(revoked)).stopped == "Токен"  # type: ignore[arg-type]
    back = ScriptedRelay()
    assert (await queue.replay(back)).sent == 2  # type: ignore[arg-type]
    assert back.sent[0][3] == "same-key"  # a retry reuses the key: the relay applies it once
    await queue.close()


async def test_not_found_is_a_conflict_not_a_stop(tmp_path: Path) -> None:
    queue = await OfflineQueue.open(tmp_path / "q.sqlite3", "apteka-12")
    await queue.add("gone", StartAssembly(), expected_version=1)
    await queue.add("2", StartAssembly(), expected_version=1)
    relay = ScriptedRelay(answers={("gone", "start_assembly"): Rejected(404, "order_not_found", "Заказ не найден")})
    report = await queue.replay(relay)  # type: ignore[arg-type]
    assert (report.sent, report.conflicts, report.stopped) == (1, 1, None)
    await queue.close()
