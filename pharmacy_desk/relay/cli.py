"""Command line entry point (`pharmacy-desk-relay`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("pharmacy-desk-relay: not yet built (see the open issues)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
