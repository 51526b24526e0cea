"""Where the counter app's shipped files are: ``resources/`` of the source tree or of a bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """``resources/`` next to the package, or inside a PyInstaller bundle (``sys._MEIPASS``)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def sounds_dir() -> Path:
    return resources_dir() / "sounds"


def translations_dir() -> Path:
    return resources_dir() / "translations"
