"""The worker's half of a report: an Event in, one capped payload per vendor out.

complete (frames, request block) -> source context -> scrub -> encode per vendor
-> vendor hook -> cap. The transport's worker calls ``Renderer.render``; it never
calls back into the client. Guarded: a failure is logged, counted and swallowed,
and a scrubbing failure drops the report (never sent unscrubbed).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from errorwire.core.config import Options, VendorSettings
from errorwire.core.counters import Counters
from errorwire.core.event import Event
from errorwire.core.hooks import run_payload_hook
from errorwire.core.outcomes import DropReason
from errorwire.core.request_copy import request_of
from errorwire.core.safety import let_request_threads_run, logger, swallow
from errorwire.core.scrub import scrub_event
from errorwire.core.source_context import add_source_context
from errorwire.core.stacktrace import build_frames
from errorwire.vendors import VENDORS
from errorwire.vendors.base import Outgoing
from errorwire.vendors.cap import cap

SMALL_RATIO = 16
"""A payload under 1/16 of its cap is "far under" it: vendors' payloads of one event
differ by a few hundred bytes of envelope, not by a factor of 16."""
EVENT_ID_HEADER = "X-Errorwire-Event-Id"
"""Sent with every report: the payloads of Raygun and Bugsnag have no field for it, and a
report resent from the spool after a crash carries the same one."""


def complete(event: Event) -> None:
    """What the request thread left for later: Frames and the request block. On the
    worker, or before ``before_send`` (a hook sees the whole event)."""
    build_frames(event.exceptions)
    copy, event.request_copy = event.request_copy, None
    if copy is not None:
        with swallow("read request"):
            event.request = request_of(copy)
        if event.context is None:
            event.context = request_context(event)


def request_context(event: Event) -> Optional[str]:
    """The route template, else ``METHOD /path``: the report's context."""
    request = event.request
    if request is None:
        return None
    if request.route:
        return request.route
    return f"{request.method} {request.path}".strip() or None


class Renderer:
    def __init__(self, options: Options, counters: Counters) -> None:
        self.options = options
        self.counters = counters
        self.vendors = options.vendors
        """The vendors encoded for (``errorwire.testing.capture`` may stand in for none)."""

    def render(self, event: Event) -> List[Outgoing]:
        """Encode ``event`` for every configured vendor. Runs on the worker."""
        complete(event)
        with swallow("source context"):
            for info in event.exceptions:
                add_source_context(info.frames)
            if event.message_frames:
                add_source_context(event.message_frames)
        let_request_threads_run()
        scrubbed = self._scrubbed(event)
        if scrubbed is None:
            return []
        outgoing: List[Outgoing] = []
        small = False  # the last payload was far under its cap
        for vendor in self.vendors:
            refused = VENDORS[vendor.name].refusal(scrubbed, vendor)
            if refused is not None:
                self.counters.drop(refused, vendor=vendor.name)
                continue
            let_request_threads_run()
            with swallow(f"encode {vendor.name}"):
                item = self._encode(vendor, scrubbed, small)
                if item is not None:
                    outgoing.append(item)
                    # Every vendor's payload carries the same event: one far under its
                    # cap says the next is too, which then skips the cap's walk.
                    hooked = vendor.before_send is not None
                    small = not hooked and len(item.body) * SMALL_RATIO <= vendor.max_bytes
        return outgoing

    def _scrubbed(self, event: Event) -> Optional[Event]:
        try:
            if self.options.scrub:
                event = scrub_event(event, self.options)
            if self.options.scrubber is not None:
                event = self.options.scrubber(event) or event
        except Exception as exc:  # fail closed: never send unscrubbed data
            self.counters.count(DropReason.SCRUB_FAILED.value)
            logger.error("errorwire: scrubbing failed (%r); the report was dropped", exc)
            return None
        return event

    def _encode(self, settings: VendorSettings, event: Event, small: bool) -> Optional[Outgoing]:
        vendor = VENDORS[settings.name]
        payload: Optional[Dict[str, Any]] = vendor.encode(event, settings)
        if settings.before_send is not None and payload is not None:
            payload = run_payload_hook(
                settings.before_send,
                settings.name,
                payload,
                lambda: vendor.encode(event, settings),
                self.counters.count,
            )
        if payload is None:
            self.counters.drop(DropReason.BEFORE_SEND, vendor=settings.name)
            return None
        small = small and settings.before_send is None
        body = cap(vendor, payload, settings.max_bytes, small=small)
        headers = {
            "Content-Type": "application/json",
            **vendor.headers(settings),
            EVENT_ID_HEADER: event.event_id,
        }
        return Outgoing(
            vendor=settings, payload=payload, body=body, headers=headers, event_id=event.event_id
        )
