"""The labels' font: DejaVu Sans, shipped in ``resources/fonts`` so Cyrillic never depends on the PC.

Store PCs (Windows) and CI machines differ in their fonts; a label drawn with a font that lacks
Cyrillic prints empty boxes. :func:`label_family` registers the shipped TTFs with Qt once (a
``QGuiApplication`` must exist) and falls back to an installed DejaVu Sans, then to the system's
default font, logging which one it took.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QRawFont

from pharmacy_desk import resources

__all__ = ["FAMILY", "FONT_FILES", "fonts_dir", "label_family", "label_font", "missing_glyphs"]

log = logging.getLogger(__name__)

FAMILY = "DejaVu Sans"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

_loaded: dict[int, str] = {}  # id of the QGuiApplication → family: application fonts die with it


def fonts_dir() -> Path:
    """``resources/fonts`` of the source tree or of the PyInstaller bundle (:mod:`pharmacy_desk.resources`)."""
    return resources.fonts_dir()


def _register() -> str:
    families: set[str] = set()
    for name in FONT_FILES:
        path = fonts_dir() / name
        if not path.is_file():
            log.warning("label font %s is missing", path)
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("Qt could not load the label font %s", path)
            continue
        families.update(QFontDatabase.applicationFontFamilies(font_id))
    if FAMILY in families or FAMILY in QFontDatabase.families():
        return FAMILY
    fallback = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family()
    log.warning("label font %r not available, using %r: Cyrillic may not print", FAMILY, fallback)
    return fallback


def label_family() -> str:
    """The family labels are drawn with (registered on first use)."""
    app = QGuiApplication.instance()
    if app is None:
        raise RuntimeError("label fonts need a QGuiApplication")
    key = id(app)
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = _register()
    return _loaded[key]


def label_font(pixel_size: int, *, bold: bool = False) -> QFont:
    """The label font at ``pixel_size`` device pixels (em height)."""
    font = QFont(label_family())
    font.setPixelSize(max(1, pixel_size))
    font.setBold(bold)
    return font


def missing_glyphs(font: QFont, text: str) -> str:
    """The characters of ``text`` (whitespace aside) that ``font`` itself has no glyph for: tofu on paper."""
    raw = QRawFont.fromFont(font)
    # supportsCharacter(str) goes through QChar and misreports non-Latin letters: pass the code point.
    return "".join(sorted({ch for ch in text if not ch.isspace() and not raw.supportsCharacter(ord(ch))}))
