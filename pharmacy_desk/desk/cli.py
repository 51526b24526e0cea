"""Command line entry point (``pharmacy-desk``): the counter app.

    pharmacy-desk                      # start (the first run asks for the server, the store and the token)
    pharmacy-desk --setup              # ask again (another server, a new token)
    pharmacy-desk --config FILE        # settings in FILE instead of <user config dir>/pharmacy-desk/desk.json
    pharmacy-desk --operator "Иванова" # who works at this PC (shown to the other PCs)
    pharmacy-desk --lang en            # English interface (default: Russian)
    pharmacy-desk --demo               # not built yet: says so and exits 2
    pharmacy-desk --self-test          # check this installation (bundle or source): exit 0 or 1

The token is kept in the OS keyring; on a PC without one, ``PHARMACY_DESK_TOKEN_FILE=/path`` keeps it
in a file only the user can read (see :mod:`pharmacy_desk.desk.credentials`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pharmacy_desk.desk.logs import setup_logging

DEMO_NOT_YET = "pharmacy-desk --demo: the demo is not built yet (issue 7). Start without --demo to connect to a relay."


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pharmacy-desk", description="Counter app for Kuper orders.")
    p.add_argument("--demo", action="store_true", help="demo mode with a simulated Kuper (not built yet)")
    p.add_argument("--setup", action="store_true", help="ask for the server, the store and the token again")
    p.add_argument("--config", type=Path, help="settings file (default: the user config dir)")
    p.add_argument("--operator", help="the pharmacist at this PC, as the other PCs will see it")
    p.add_argument("--lang", choices=("ru", "en"), help="interface language (default: ru)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("--self-test", action="store_true", help="check this installation and exit (0: it works)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from pharmacy_desk.selftest import run as self_test

        return self_test(verbose=args.verbose)
    if args.demo:
        print(DEMO_NOT_YET, file=sys.stderr)
        return 2
    setup_logging(verbose=args.verbose)  # <user log dir>/desk.log, rotating (pharmacy_desk.desk.logs)
    from pharmacy_desk.ui.app import run  # Qt only when the app really starts

    return run([sys.argv[0]], settings_path=args.config, setup=args.setup, operator=args.operator, lang=args.lang)


if __name__ == "__main__":
    raise SystemExit(main())
