"""Vendor encoders: the neutral Event in, each vendor's documented payload out.

One module per vendor; each is a ``Vendor`` (vendors/base.py), which mypy checks here.
"""

from __future__ import annotations

from typing import Dict

from errorwire.vendors import bugsnag, raygun, rollbar
from errorwire.vendors.base import Vendor

VENDORS: Dict[str, Vendor] = {
    rollbar.NAME: rollbar,
    raygun.NAME: raygun,
    bugsnag.NAME: bugsnag,
}
