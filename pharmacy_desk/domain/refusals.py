"""Why the lifecycle refuses an action: a stable code for programs, a Russian sentence for people."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class RefusalCode(StrEnum):
    WRONG_STATE = "wrong_state"
    ORDER_CANCELED = "order_canceled"
    ORDER_FINISHED = "order_finished"
    ACCEPT_FIRST = "accept_first"
    ACCEPT_NOT_USED = "accept_not_used"
    CLAIMED_BY_OTHER = "claimed_by_other"
    NOT_CLAIMED = "not_claimed"
    COMPOSITION_INVALID = "composition_invalid"
    COMPOSITION_EMPTY = "composition_empty"
    NOT_IN_ORDER = "not_in_order"
    MARKING_MISMATCH = "marking_mismatch"
    MARKING_DUPLICATE = "marking_duplicate"
    MARKING_IN_OTHER_ORDER = "marking_in_other_order"
    PICKUP_ONLY = "pickup_only"
    CODE_BEFORE_READY = "code_before_ready"
    CODE_ALREADY_ISSUED = "code_already_issued"
    CODE_SPACE_EXHAUSTED = "code_space_exhausted"
    CODE_NOT_ISSUED = "code_not_issued"
    CODE_WRONG = "code_wrong"
    CODE_LOCKED = "code_locked"
    CODE_NOT_VERIFIED = "code_not_verified"
    PAYMENT_MISSING = "payment_missing"
    PAYMENT_AMOUNT = "payment_amount"
    GOODS_LEFT = "goods_left"
    RECEIPT_MISSING = "receipt_missing"
    RECEIPT_MISMATCH = "receipt_mismatch"
    RECEIPT_NOT_RETURNED = "receipt_not_returned"
    RECEIPT_UNEXPECTED = "receipt_unexpected"
    UNKNOWN_REASON = "unknown_reason"
    DEADLINE_NOT_LATER = "deadline_not_later"
    COLD_BAG_REQUIRED = "cold_bag_required"
    DELIVERY_ONLY = "delivery_only"
    DEADLINE_TOO_FAR = "deadline_too_far"
    REMOTE_SALE_FORBIDDEN = "remote_sale_forbidden"


MESSAGES_RU: dict[RefusalCode, str] = {
    RefusalCode.WRONG_STATE: "Действие недоступно в текущем статусе заказа",
    RefusalCode.ORDER_CANCELED: "Заказ отменён",
    RefusalCode.ORDER_FINISHED: "Заказ уже выдан",
    RefusalCode.ACCEPT_FIRST: "Сначала примите заказ",
    RefusalCode.ACCEPT_NOT_USED: "Принятие заказа в этой аптеке не используется",
    RefusalCode.CLAIMED_BY_OTHER: "Заказ собирает другое рабочее место",
    RefusalCode.NOT_CLAIMED: "Сначала начните сборку",
    RefusalCode.COMPOSITION_INVALID: "Состав заказа указан неверно",
    RefusalCode.COMPOSITION_EMPTY: "В заказе не осталось ни одной упаковки: отмените заказ",
    RefusalCode.NOT_IN_ORDER: "Этого товара нет в заказе",
    RefusalCode.MARKING_MISMATCH: "Число кодов маркировки не совпадает с числом упаковок",
    RefusalCode.MARKING_DUPLICATE: "Этот код маркировки уже отсканирован в заказе",
    RefusalCode.MARKING_IN_OTHER_ORDER: "Этот код маркировки уже отдан в другом заказе",
    RefusalCode.PICKUP_ONLY: "Только для заказов самовывоза",
    RefusalCode.CODE_BEFORE_READY: "Код выдачи создаётся только после готовности заказа",
    RefusalCode.CODE_ALREADY_ISSUED: "Код выдачи уже создан",
    RefusalCode.CODE_SPACE_EXHAUSTED: "Не удалось подобрать уникальный код выдачи",
    RefusalCode.CODE_NOT_ISSUED: "Код выдачи ещё не создан",
    RefusalCode.CODE_WRONG: "Неверный код выдачи",
    RefusalCode.CODE_LOCKED: "Слишком много неверных попыток: проверка кода заблокирована",
    RefusalCode.CODE_NOT_VERIFIED: "Сначала проверьте код выдачи",
    RefusalCode.PAYMENT_MISSING: "Заказ не оплачен: выдача невозможна",
    RefusalCode.PAYMENT_AMOUNT: "Сумма оплаты не совпадает с суммой заказа",
    RefusalCode.GOODS_LEFT: "Товар уже передан: отмена невозможна",
    RefusalCode.RECEIPT_MISSING: "Нет фискального чека: сначала пробейте чек, потом выдавайте",
    RefusalCode.RECEIPT_MISMATCH: "Чек не совпадает с тем, что выдаётся",
    RefusalCode.RECEIPT_NOT_RETURNED: "Покупатель уже оплатил: сначала пробейте чек возврата",
    RefusalCode.RECEIPT_UNEXPECTED: "Чек сейчас не к месту",
    RefusalCode.UNKNOWN_REASON: "Неизвестная причина отмены",
    RefusalCode.DEADLINE_NOT_LATER: "Новый срок хранения должен быть позже нынешнего",
    RefusalCode.COLD_BAG_REQUIRED: "Товар холодовой цепи передают курьеру только в термосумке",
    RefusalCode.DELIVERY_ONLY: "Только для заказов с доставкой курьером",
    RefusalCode.DEADLINE_TOO_FAR: "Продлить хранение можно не больше чем на 7 дней",
    RefusalCode.REMOTE_SALE_FORBIDDEN: "Этот товар нельзя продать дистанционно: исключите позицию или отмените заказ",
}


class Refusal(BaseModel):
    """The lifecycle's "no": ``code`` is stable, ``message`` is for the screen."""

    model_config = ConfigDict(frozen=True)

    code: RefusalCode
    message: str
    detail: str | None = None
    tries_left: int | None = None

    @classmethod
    def of(cls, code: RefusalCode, *, detail: str | None = None, tries_left: int | None = None) -> Refusal:
        message = MESSAGES_RU[code]
        if detail:
            message = f"{message}: {detail}"
        return cls(code=code, message=message, detail=detail, tries_left=tries_left)
