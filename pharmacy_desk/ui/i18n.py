"""Translations: English source strings in the code (``self.tr("New order")``), Russian on screen.

``resources/translations/pharmacy_desk_ru.ts`` is the translators' file (``pyside6-lupdate``
keeps it in sync with the code); ``pharmacy_desk_ru.qm`` is its compiled form, shipped and loaded
here, next to Qt's own ``qtbase_ru.qm`` (standard buttons, context menus).

The language is Russian unless ``PHARMACY_DESK_LANG`` says otherwise (``en``: the source strings).

To update after changing a user-visible string::

    pyside6-lupdate -locations none pharmacy_desk/ui/*.py -ts resources/translations/pharmacy_desk_ru.ts
    # translate the new entries (Qt Linguist, or edit the .ts), then
    pyside6-lrelease resources/translations/pharmacy_desk_ru.ts -qm resources/translations/pharmacy_desk_ru.qm

``tests/ui/test_translations.py`` fails when the .ts misses a string of the code, has an unfinished
entry, or the .qm is older than the .ts.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from pharmacy_desk.ui.paths import translations_dir

log = logging.getLogger("pharmacy_desk.ui.i18n")

ENV_LANG = "PHARMACY_DESK_LANG"
CATALOGUE = "pharmacy_desk"


def language(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    value = env.get(ENV_LANG, "").strip().lower()
    return value or "ru"


def install_translators(app: QCoreApplication, lang: str | None = None) -> list[QTranslator]:
    """Load Qt's and our catalogue for ``lang`` into ``app``; returns them (keep them alive)."""
    lang = lang or language()
    QLocale.setDefault(QLocale(QLocale.Language.Russian if lang == "ru" else QLocale.Language.English))
    if lang == "en":
        return []
    installed: list[QTranslator] = []
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    ours = QTranslator(app)
    path = translations_dir() / f"{CATALOGUE}_{lang}.qm"
    if ours.load(str(path)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("translation %s not found: the interface stays in English", path)
    return installed


def remove_translators(app: QCoreApplication, translators: list[QTranslator]) -> None:
    for translator in translators:
        app.removeTranslator(translator)
