"""The message that repeats a pickup code to the customer (SMS / e-mail): template, phone, masking.

The template is the store's (``stores[].pickup_messages.template``), Russian, with the placeholders
``{code}``, ``{number}``, ``{store}`` and ``{until}`` (the pickup deadline, ``ДД.ММ ЧЧ:ММ``, or
«—» when the store keeps no deadline). :func:`check_template` refuses any other placeholder, so a
typo is a configuration error and never a message with a hole in it.
"""

from __future__ import annotations

import re
import string
from datetime import datetime, tzinfo

DEFAULT_TEMPLATE = "Заказ {number} ждёт вас в аптеке «{store}». Код получения: {code}. Хранится до {until}."
DEFAULT_SUBJECT = "Код получения заказа {number}"
PLACEHOLDERS = frozenset({"code", "number", "store", "until"})


def check_template(template: str) -> str:
    """``template`` if its placeholders are known ones; ``ValueError`` naming the unknown one otherwise."""
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"the template does not parse: {exc}") from None
    for name in fields:
        if name not in PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{name}}}: use {', '.join(sorted(PLACEHOLDERS))}")
    if "code" not in fields:
        raise ValueError("the template must contain {code}")
    return template


def render(
    template: str, *, code: str, number: str, store: str, until: datetime | None, tz: tzinfo | None = None
) -> str:
    shown = until.astimezone(tz).strftime("%d.%m %H:%M") if until is not None else "—"
    return check_template(template).format(code=code, number=number, store=store, until=shown)


def normalize_phone(phone: str | None) -> str | None:
    """A Russian mobile number as ``7XXXXXXXXXX`` (what SMS gateways take), or None when it is not one."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits[0] in "78":
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    return digits if len(digits) == 11 and digits[1] == "9" else None


def mask_phone(phone: str) -> str:
    """``79161234567`` → ``+7 916 ***-**-67`` (what logs and the history show)."""
    return f"+7 {phone[1:4]} ***-**-{phone[-2:]}" if len(phone) == 11 else "***"


def mask_email(address: str) -> str:
    """``anna.petrova@example.ru`` → ``a***@example.ru``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
