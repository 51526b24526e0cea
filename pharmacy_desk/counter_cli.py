"""Command line entry point (``pharmacy-desk``): the counter app.

    pharmacy-desk                      # start (the first run asks for the server, the store and the token)
    pharmacy-desk --setup              # ask again (another server, a new token)
    pharmacy-desk --config FILE        # settings in FILE instead of <user config dir>/pharmacy-desk/desk.json
    pharmacy-desk --operator "Иванова" # who works at this PC (shown to the other PCs)
    pharmacy-desk --lang en            # English interface (default: Russian)
    pharmacy-desk --demo               # demo: embedded relay, simulated Kuper, virtual scanner; no setup
    pharmacy-desk --demo --demo-rate 6 # ... with 6 new orders a minute (default 3)
    pharmacy-desk --self-test          # check this installation (bundle or source): exit 0 or 1
    pharmacy-desk fiscal status|x-report|check-code CODE [--url URL]   # the register, for IT (no sale)

The token is kept in the OS keyring; on a PC without one, ``PHARMACY_DESK_TOKEN_FILE=/path`` keeps it
in a file only the user can read (see :mod:`pharmacy_desk.desk.credentials`).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from pharmacy_desk.desk.logs import setup_logging

DEMO_UNAVAILABLE = (
    "Демо-режим есть только в полной установке (встроенный сервер и симулятор Купера): "
    'pip install "pharmacy-desk[demo]". Программа для кассы его не содержит.'
)


def demo_available() -> bool:
    """The demo runs the relay and the simulator in this process: the counter app's install (and its
    bundle) has neither."""
    return all(importlib.util.find_spec(name) is not None for name in ("pharmacy_desk.relay", "fastapi", "uvicorn"))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pharmacy-desk", description="Counter app for Kuper orders.")
    p.add_argument(
        "--demo", action="store_true", help="demo: an embedded relay, a simulated Kuper and a virtual scanner"
    )
    p.add_argument("--demo-rate", type=float, default=3.0, metavar="N", help="demo: new orders a minute (3)")
    p.add_argument("--demo-seed", type=int, metavar="N", help="demo: random seed of the orders")
    p.add_argument("--demo-exit-after", type=float, metavar="SECONDS", help="demo: quit by itself (headless checks)")
    p.add_argument("--setup", action="store_true", help="ask for the server, the store and the token again")
    p.add_argument("--config", type=Path, help="settings file (default: the user config dir)")
    p.add_argument("--operator", help="the pharmacist at this PC, as the other PCs will see it")
    p.add_argument("--lang", choices=("ru", "en"), help="interface language (default: ru)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("--self-test", action="store_true", help="check this installation and exit (0: it works)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["fiscal"]:
        from pharmacy_desk.desk.fiscal_cli import main as fiscal_main

        return fiscal_main(argv[1:])
    p = parser()
    args = p.parse_args(argv)
    if not args.demo and (args.demo_exit_after is not None or args.demo_seed is not None):
        p.error("--demo-exit-after and --demo-seed go with --demo")
    if args.self_test:
        from pharmacy_desk.selftest import run as self_test

        return self_test(verbose=args.verbose)
    setup_logging(verbose=args.verbose)  # <user log dir>/desk.log, rotating (pharmacy_desk.desk.logs)
    if args.demo:
        if not demo_available():
            print(DEMO_UNAVAILABLE, file=sys.stderr)
            return 2
        from pharmacy_desk.demo.app import run_demo  # Qt only when the app really starts
        from pharmacy_desk.demo.environment import DemoSettings

        settings = DemoSettings(rate=args.demo_rate, seed=args.demo_seed)
        return run_demo(
            [sys.argv[0]], settings=settings, exit_after=args.demo_exit_after, lang=args.lang, operator=args.operator
        )
    from pharmacy_desk.ui.app import run  # Qt only when the app really starts

    return run([sys.argv[0]], settings_path=args.config, setup=args.setup, operator=args.operator, lang=args.lang)


if __name__ == "__main__":
    raise SystemExit(main())
