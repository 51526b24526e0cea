"""What the pharmacist does next on the assembly screen, and why a key does not apply now.

Plain rules over the order's state and the assembly session (no Qt): the screen shows
:attr:`Step.prompt` in the same place after every scan and every key, disables each key of
:attr:`Step.refusals` with that reason on hover, and says the reason when the key is pressed anyway
(«Сначала F8 — собрано»). Russian texts: they go on screen as they are.

The first scan of a new order starts the assembly (Kuper is told ``in_work``): F5 is only needed to
start without scanning. (:func:`starts_on_scan`)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pharmacy_desk.desk.assembly import AssemblySession
from pharmacy_desk.domain import OrderState
from pharmacy_desk.domain.states import TERMINAL_STATES

ASSEMBLY_KEYS = ("F5", "F6", "F7", "F4", "Del", "F8", "F9", "Esc")
NOT_STARTED = frozenset({OrderState.NEW, OrderState.ACCEPTED})
READY_OR_LATER = frozenset(
    {OrderState.READY_TO_SHIP, OrderState.AWAITING_PICKUP, OrderState.PAID, OrderState.SHIPPING, OrderState.SHIPPED}
)

FIRST_F5 = "Сначала начните сборку: отсканируйте первую упаковку или нажмите F5"
FIRST_F8 = "Сначала F8 — собрано"
ALREADY_STARTED = "Сборка уже идёт"
ALREADY_ASSEMBLED = "Заказ уже собран: осталось F9 — готов"
ALREADY_READY = "Заказ уже готов и ждёт выдачи"
CLOSED = "Заказ закрыт"
WAIT = "Подождите: действие отправляется"
NO_PACKS = "В выбранной позиции нет упаковок"


@dataclass(frozen=True, slots=True)
class Step:
    prompt: str  # the next thing to do, with its key
    refusals: dict[str, str] = field(default_factory=dict)  # key → why it does not apply now

    def allows(self, key: str) -> bool:
        return key not in self.refusals


def starts_on_scan(state: OrderState) -> bool:
    """A scan on an order in this state first starts the assembly (``start_assembly``)."""
    return state in NOT_STARTED


def assembly_step(
    state: OrderState,
    session: AssemblySession | None,
    *,
    busy: bool = False,
    selected_has_packs: bool = True,
    series_pending: bool = False,
    shelf_cell: str | None = None,
    assembled_elsewhere_by: str | None = None,
) -> Step:
    """The prompt and the keys that do not apply, for an order in ``state`` on the assembly screen."""
    if busy:
        return Step(WAIT, {key: WAIT for key in ASSEMBLY_KEYS if key != "Esc"})
    if state in TERMINAL_STATES:
        return Step(f"{CLOSED}. Esc — к очереди", {key: CLOSED for key in ASSEMBLY_KEYS if key != "Esc"})
    if state in READY_OR_LATER:
        where = f" на полку {shelf_cell}" if shelf_cell else " на полку выдачи"
        prompt = f"Готов. Положите пакет{where}. Esc — к очереди; покупатель пришёл — сканируйте этикетку пакета"
        return Step(prompt, {key: ALREADY_READY for key in ASSEMBLY_KEYS if key != "Esc"})
    if state is OrderState.ASSEMBLED:
        refusals = {key: ALREADY_ASSEMBLED for key in ("F5", "F6", "F7", "F4", "Del", "F8")}
        bags = session.bags if session is not None else 1
        labels = "этикетка пакета печатается" if bags == 1 else f"этикетка на каждый пакет ({bags})"
        prompt = f"Собрано. Пакетов: {bags} (+ / − — изменить). F9 — готов: Купер получит состав, {labels}"
        return Step(prompt, refusals)
    if state in NOT_STARTED:
        refusals = {key: FIRST_F5 for key in ("F6", "F7", "F4", "Del")}
        refusals["F8"] = FIRST_F5
        refusals["F9"] = FIRST_F8
        return Step("Сканируйте первую упаковку — сборка начнётся (или F5 — начать сборку)", refusals)
    # collecting
    if assembled_elsewhere_by is not None:  # not started here: F5 asks the relay (which names who has it)
        refusals = {key: f"Заказ собирает {assembled_elsewhere_by}" for key in ("F6", "F7", "F4", "Del", "F8")}
        refusals["F9"] = FIRST_F8
        return Step(f"Заказ собирает {assembled_elsewhere_by}. Esc — к очереди", refusals)
    refusals = {"F5": ALREADY_STARTED, "F9": FIRST_F8}
    if not selected_has_packs:
        refusals["Del"] = NO_PACKS
    if session is None:
        return Step("Сканируйте упаковки заказа", refusals)
    blockers = session.blockers()
    if series_pending:
        refusals["F8"] = blockers[0] if blockers else "Выберите серию упаковки"
        return Step("Какая серия на упаковке? Нажмите её номер: 1…9", refusals)
    if blockers:
        refusals["F8"] = blockers[0]
        left = max(0, session.required - session.picked)
        if left:
            prompt = f"Сканируйте упаковки: осталось {left}. Нет товара — F7, меньше — F6, замена — F4"
        else:
            prompt = blockers[0]
        return Step(prompt, refusals)
    return Step("Всё собрано: F8 — собрано", refusals)
