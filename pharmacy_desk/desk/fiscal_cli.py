"""``pharmacy-desk fiscal ...``: the register for a store's IT person. Never creates a sale.

    pharmacy-desk fiscal status                    # device, paper, shift and its age, ОФД, ФН
    pharmacy-desk fiscal x-report                  # print an X-report (no fiscal effect)
    pharmacy-desk fiscal check-code 'CODE'         # permit-mode check of one pack's code, nothing kept
    ... --url http://127.0.0.1:16732               # the ATOL Web Server (default: this PC's setting)
    ... --permit-source local_module|chz_api|register --permit-url URL

A code's GS separators may be typed as ``\\x1d``, ``\\u001d`` or ``<GS>``. Exit 0: done (for status:
the register can print a receipt now); 1: the register refused, is away or is not ready; 2: usage.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from pharmacy_desk.fiscal.atol import AtolWebServer
from pharmacy_desk.fiscal.errors import FiscalError
from pharmacy_desk.fiscal.models import RegisterStatus, ShiftState
from pharmacy_desk.fiscal.permit import PermitSource
from pharmacy_desk.fiscal.settings import FiscalKind, FiscalSettings

_GS_SPELLINGS = ("\\x1d", "\\x1D", "\\u001d", "\\u001D", "<GS>", "<gs>")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pharmacy-desk fiscal", description="Касса (ККТ) этого рабочего места.")
    p.add_argument("--url", help="адрес веб-сервера АТОЛ (по умолчанию из настроек ПК, иначе http://127.0.0.1:16732)")
    p.add_argument("--config", type=Path, help="файл настроек рабочего места")
    p.add_argument("--permit-source", choices=[s.value for s in PermitSource], help="кто проверяет коды в ЧЗ")
    p.add_argument("--permit-url", help="адрес ЛМ ЧЗ или API Честного знака")
    p.add_argument("--timeout", type=float, default=None, help="сколько ждать кассу, секунд")
    p.add_argument("--operator", default="Администратор", help="кассир в отчёте")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="состояние кассы и смены")
    sub.add_parser("x-report", help="напечатать X-отчёт")
    check = sub.add_parser("check-code", help="проверить код маркировки в разрешительном режиме")
    check.add_argument("code")
    return p


def _settings(args: argparse.Namespace) -> FiscalSettings:
    base = FiscalSettings()
    if args.config is not None or args.url is None:
        from pharmacy_desk.desk.settings import SettingsError, SettingsFile

        file = SettingsFile(args.config) if args.config is not None else SettingsFile.default()
        try:
            base = file.load().fiscal
        except SettingsError as exc:
            print(f"Настройки не прочитаны: {exc}", file=sys.stderr)
    update: dict[str, object] = {"kind": FiscalKind.ATOL}
    if args.url:
        update["url"] = args.url
    if args.permit_source:
        update["permit_source"] = PermitSource(args.permit_source)
    if args.permit_url:
        update["permit_url"] = args.permit_url
    if args.timeout:
        update["timeout_seconds"] = args.timeout
        update["receipt_timeout_seconds"] = args.timeout
    return FiscalSettings.model_validate({**base.model_dump(), **update})


def _code(raw: str) -> str:
    for spelling in _GS_SPELLINGS:
        raw = raw.replace(spelling, "\x1d")
    return raw.strip()


def describe_status(status: RegisterStatus, now: dt.datetime) -> list[str]:
    lines = [f"Касса: {status.name}", f"Связь: {'есть' if status.online else 'нет'}"]
    if not status.online:
        return [*lines, "Касса не отвечает: проверьте, что запущен веб-сервер драйвера АТОЛ и касса включена"]
    lines.append(f"Бумага: {'есть' if status.paper else 'нет'}")
    if status.shift is ShiftState.CLOSED:
        lines.append("Смена: закрыта")
    else:
        age = status.shift_age(now)
        hours = (
            f", открыта {int(age.total_seconds() // 3600)} ч {int(age.total_seconds() % 3600 // 60)} мин" if age else ""
        )
        state = "больше 24 часов" if status.shift_over_24h(now) else "открыта"
        lines.append(f"Смена: № {status.shift_number} {state}{hours}")
    lines.append(f"Не отправлено в ОФД: {status.unsent_documents}")
    if status.fn_serial:
        lines.append(f"ФН: {status.fn_serial}{' — скоро заполнится' if status.fn_nearly_full else ''}")
    lines += [f"Внимание: {w}" for w in status.warnings(now)]
    problems = status.problems(now)
    lines += [f"Нельзя пробить чек: {p}" for p in problems]
    if not problems:
        lines.append("Касса готова пробивать чеки")
    return lines


async def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    register = AtolWebServer(
        settings.url,
        permit=settings.permit_client(),
        timeout=settings.timeout_seconds,
        task_timeout=settings.receipt_timeout_seconds,
        close_permit=True,
    )
    try:
        if args.command == "status":
            status = await register.status()
            now = dt.datetime.now(dt.UTC)
            print("\n".join(describe_status(status, now)))
            return 0 if status.online and not status.problems(now) else 1
        if args.command == "x-report":
            await register.x_report(args.operator)
            print("X-отчёт напечатан")
            return 0
        code = _code(args.code)
        (check,) = await register.check_codes([code], for_sale=False)
        print(f"Код: {code.replace(chr(29), '<GS>')}")
        print(f"Результат: {check.reason}")
        print(f"Проверка кассой (тег 2106): {'пройдена' if check.imc_check_result else 'не пройдена'}")
        if check.permit is not None:
            print(f"Разрешительный режим: запрос {check.permit.req_id}, время {check.permit.req_timestamp}")
            print(f"Тег 1260: {check.permit.industry_attribute}")
        elif settings.permit_source is PermitSource.REGISTER:
            print("Разрешительный режим: запрос делает драйвер кассы")
        return 0 if check.allowed else 1
    except FiscalError as exc:
        print(f"Ошибка: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await register.aclose()


def main(argv: Sequence[str]) -> int:
    p = parser()
    args = p.parse_args(list(argv))
    try:
        return asyncio.run(_run(args))
    except ValueError as exc:  # a setting that does not validate (a URL without http://)
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
