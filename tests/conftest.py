"""Shared test configuration: offscreen Qt, and the support layer's fixtures (:mod:`tests.support.fixtures`)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["tests.support.fixtures"]
