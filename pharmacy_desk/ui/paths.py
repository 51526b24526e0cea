"""Where the counter app's shipped files are: see :mod:`pharmacy_desk.resources` (source tree or bundle)."""

from __future__ import annotations

from pharmacy_desk.resources import resources_dir, sounds_dir, translations_dir

__all__ = ["resources_dir", "sounds_dir", "translations_dir"]
