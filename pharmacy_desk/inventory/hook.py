"""The relay's stock hook over a :class:`~.protocol.StockSource`: the domain's stock effects applied.

The relay calls ``apply(store, order, effect)`` after an order change is stored
(``pharmacy_desk.relay.stock.runner.StockHook``). :func:`apply_effect` maps the effect to one source call
with the order key ``order.kuper_id`` (Kuper's ``orderUUID``):

==========  =========================================  =======================================
effect      call                                       outcome
==========  =========================================  =======================================
reserve     ``reserve(store, key, effect.lines)``      + :func:`~.policy.decide_on_reservation`
adjust      ``adjust(store, key, effect.lines)``       freed packs: back to the shelf
release     ``release(store, key)``                    freed packs: back to the shelf
commit      ``commit(store, key, effect.lines)``       the sale; unmatched packs: count the shelf
==========  =========================================  =======================================

A failing source gives an outcome with ``error`` (and, for a reserve, the "flag, never cancel blind"
decision) instead of raising, so the relay can show it on the order and repeat the call later: every
call is idempotent per order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.domain import Order, StockEffect, StockEffectKind
from pharmacy_desk.inventory.errors import InventoryError, StockUnavailable
from pharmacy_desk.inventory.models import AdjustResult, CommitResult, ReleaseResult, ReservationResult
from pharmacy_desk.inventory.policy import OutOfStockPolicy, StockDecision, decide_on_failure, decide_on_reservation
from pharmacy_desk.inventory.protocol import StockSource

Result = ReservationResult | AdjustResult | ReleaseResult | CommitResult


class StockOutcome(BaseModel):
    """What one stock effect did; ``error`` (Russian) when the source failed."""

    model_config = ConfigDict(frozen=True)

    store: str
    order_number: str
    order_key: str
    kind: StockEffectKind
    result: Result | None = None
    decision: StockDecision | None = None  # reserve only
    error: str | None = None
    maybe_applied: bool = False  # the failed call may have happened in the source: repeat it

    @property
    def failed(self) -> bool:
        return self.error is not None


async def apply_effect(
    source: StockSource, store: str, order: Order, effect: StockEffect, policy: OutOfStockPolicy
) -> StockOutcome:
    key = order.kuper_id
    base = {"store": store, "order_number": order.number, "order_key": key, "kind": effect.kind}
    try:
        result: Result
        if effect.kind is StockEffectKind.RESERVE:
            result = await source.reserve(store, key, effect.lines)
            names = {line.sku: line.name for line in effect.lines if line.name}
            decision = decide_on_reservation(result, policy, names=names)
            return StockOutcome(**base, result=result, decision=decision)
        if effect.kind is StockEffectKind.ADJUST:
            result = await source.adjust(store, key, effect.lines)
        elif effect.kind is StockEffectKind.RELEASE:
            result = await source.release(store, key)
        else:
            result = await source.commit(store, key, effect.lines)
        return StockOutcome(**base, result=result)
    except StockUnavailable as exc:
        decision_on_failure = decide_on_failure(exc) if effect.kind is StockEffectKind.RESERVE else None
        return StockOutcome(**base, decision=decision_on_failure, error=exc.message_ru, maybe_applied=exc.maybe_applied)


class InventoryStockHook:
    """``StockHook`` for the relay: applies effects and hands each outcome to ``on_outcome``.

    Without ``on_outcome`` a failure is raised as :class:`InventoryError` (the relay's runner logs it).
    """

    def __init__(
        self,
        source: StockSource,
        *,
        policy_for: Callable[[str], OutOfStockPolicy] = lambda _store: OutOfStockPolicy.FLAG,
        on_outcome: Callable[[StockOutcome], Awaitable[None]] | None = None,
    ) -> None:
        self.source = source
        self._policy_for = policy_for
        self._on_outcome = on_outcome

    async def apply(self, store: str, order: Order, effect: StockEffect) -> None:
        outcome = await apply_effect(self.source, store, order, effect, self._policy_for(store))
        if self._on_outcome is not None:
            await self._on_outcome(outcome)
        elif outcome.failed:
            raise InventoryError(f"{store}/{order.number}: {outcome.error}")
