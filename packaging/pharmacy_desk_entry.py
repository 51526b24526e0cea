"""The bundle's entry point: ``pharmacy-desk`` as PyInstaller freezes it (see ``pyinstaller.spec``).

``pharmacy-desk -m <module> [args]`` runs a module of the bundle the way ``python -m`` does, so code that
starts ``sys.executable -m pharmacy_desk.relay.cli …`` (the simulator's relay process, the demo) works
inside the bundle too, where ``sys.executable`` is this program and there is no Python.
"""

from __future__ import annotations

import runpy
import sys


def main() -> int:
    if getattr(sys, "frozen", False) and len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from pharmacy_desk.counter_cli import main as desk_main

    return desk_main()


if __name__ == "__main__":
    raise SystemExit(main())
