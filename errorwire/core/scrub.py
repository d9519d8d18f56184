"""Scrub secrets out of an Event before any vendor sees it (placeholder)."""

from __future__ import annotations

from errorwire.core.config import Options
from errorwire.core.event import Event


def scrub_event(event: Event, options: Options) -> Event:
    return event
