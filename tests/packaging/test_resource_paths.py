"""One resource helper for the source tree and the bundle: sounds, translations and fonts all follow it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pharmacy_desk import resources
from pharmacy_desk.printing import fonts
from pharmacy_desk.ui import paths, sounds

ROOT = Path(__file__).resolve().parents[2]


def test_from_source_the_checkout_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(resources.ENV_RESOURCES, raising=False)
    assert not resources.frozen()
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.sample_stock().is_file()
    assert (resources.icons_dir() / "pharmacy-desk.ico").is_file()


def test_frozen_the_bundle_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(resources.ENV_RESOURCES, raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.frozen()
    bundled = tmp_path / "resources"
    assert resources.resources_dir() == bundled
    assert paths.sounds_dir() == bundled / "sounds"
    assert paths.translations_dir() == bundled / "translations"
    assert fonts.fonts_dir() == bundled / "fonts"
    assert sounds.Sound.OK.path == bundled / "sounds" / "ok.wav"


def test_the_environment_overrides_both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(resources.ENV_RESOURCES, str(tmp_path))
    monkeypatch.setattr(sys, "_MEIPASS", "/nowhere", raising=False)
    assert resources.resources_dir() == tmp_path
    assert fonts.fonts_dir() == tmp_path / "fonts"
