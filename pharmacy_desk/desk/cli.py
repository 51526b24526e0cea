"""Command line entry point (``pharmacy-desk``): the counter app.

    pharmacy-desk                      # start (the first run asks for the server, the store and the token)
    pharmacy-desk --setup              # ask again (another server, a new token)
    pharmacy-desk --config FILE        # settings in FILE instead of <user config dir>/pharmacy-desk/desk.json
    pharmacy-desk --operator "Иванова" # who works at this PC (shown to the other PCs)
    pharmacy-desk --lang en            # English interface (default: Russian)
    pharmacy-desk --demo               # not built yet: says so and exits 2

The token is kept in the OS keyring; on a PC without one, ``PHARMACY_DESK_TOKEN_FILE=/path`` keeps it
in a file only the user can read (see :mod:`pharmacy_desk.desk.credentials`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

DEMO_NOT_YET = "pharmacy-desk --demo: the demo is not built yet (issue 7). Start without --demo to connect to a relay."


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pharmacy-desk", description="Counter app for Kuper orders.")
    p.add_argument("--demo", action="store_true", help="demo mode with a simulated Kuper (not built yet)")
    p.add_argument("--setup", action="store_true", help="ask for the server, the store and the token again")
    p.add_argument("--config", type=Path, help="settings file (default: the user config dir)")
    p.add_argument("--operator", help="the pharmacist at this PC, as the other PCs will see it")
    p.add_argument("--lang", choices=("ru", "en"), help="interface language (default: ru)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.demo:
        print(DEMO_NOT_YET, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from pharmacy_desk.ui.app import run  # Qt only when the app really starts

    return run([sys.argv[0]], settings_path=args.config, setup=args.setup, operator=args.operator, lang=args.lang)


if __name__ == "__main__":
    raise SystemExit(main())
