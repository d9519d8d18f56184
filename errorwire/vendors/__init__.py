"""Vendor encoders: the neutral Event in, each vendor's documented payload out."""

from __future__ import annotations

from types import ModuleType
from typing import Dict

from errorwire.vendors import bugsnag, raygun, rollbar

MODULES: Dict[str, ModuleType] = {
    "rollbar": rollbar,
    "raygun": raygun,
    "bugsnag": bugsnag,
}
