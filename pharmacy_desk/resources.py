"""Where the shipped files are: ``resources/`` of the source tree, or of the PyInstaller bundle.

The one place that knows; :mod:`pharmacy_desk.ui.paths` (sounds, translations) and
:mod:`pharmacy_desk.printing.fonts` (label fonts) ask here. No Qt import.

============  ==================================================  ============================================
running       ``resources_dir()``                                 how
============  ==================================================  ============================================
from source   ``<checkout>/resources``                            next to the ``pharmacy_desk`` package
installed     ``<prefix>/share/pharmacy-desk/resources``          the wheel's data files (``pyproject.toml``)
bundle        ``<bundle>/_internal/resources`` (``sys._MEIPASS``)  ``pyinstaller.spec`` copies ``resources/`` there
============  ==================================================  ============================================

``PHARMACY_DESK_RESOURCES=/path`` overrides them all.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_RESOURCES = "PHARMACY_DESK_RESOURCES"


def frozen() -> bool:
    """True inside the PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resources_dir() -> Path:
    """The ``resources/`` folder this run uses."""
    override = os.environ.get(ENV_RESOURCES, "").strip()
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "pharmacy-desk" / "resources"


def resource(*parts: str) -> Path:
    """A file or folder inside ``resources/`` (not checked: callers say what is missing)."""
    return resources_dir().joinpath(*parts)


def sounds_dir() -> Path:
    return resource("sounds")


def translations_dir() -> Path:
    return resource("translations")


def fonts_dir() -> Path:
    return resource("fonts")


def icons_dir() -> Path:
    return resource("icons")


def sample_stock() -> Path:
    """The demo's stock (``resources/stock/sample_stock.csv``)."""
    return resource("stock", "sample_stock.csv")
