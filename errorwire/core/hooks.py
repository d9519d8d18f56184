"""The user's hooks, run so that a broken hook never costs a report.

``before_send(event, hint)`` runs on the request thread over the neutral Event;
a vendor's ``before_send(payload)`` runs on the worker over its encoded payload.
Either may return None to drop the report. If one raises (or returns something
else), that is logged once, counted, and the report goes out as it was before
the hook ran, even if the hook changed it in place before failing.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple, TypeVar, cast

from errorwire.core.config import EventHook, PayloadHook
from errorwire.core.event import Event
from errorwire.core.safety import log_once

Count = Callable[[str], None]


def run_event_hook(
    hook: EventHook, event: Event, hint: Dict[str, Any], count: Count
) -> Optional[Event]:
    """The event to send, or None to drop it."""
    original = snapshot(event)
    result, problem = _call_hook(hook, (event, hint), Event, "an Event")
    if problem is None:
        return cast(Optional[Event], result)
    count("before_send_errors")
    log_once(
        "before_send-failed", "errorwire: before_send %s; the report is sent unmodified", problem
    )
    return original


def run_payload_hook(
    hook: PayloadHook,
    vendor: str,
    payload: Dict[str, Any],
    encode_again: Callable[[], Dict[str, Any]],
    count: Count,
) -> Optional[Dict[str, Any]]:
    """The payload to send, or None to drop it. ``encode_again`` rebuilds the original
    (cheaper than copying every payload in case a hook fails)."""
    result, problem = _call_hook(hook, (payload,), dict, "a dict")
    if problem is None:
        return cast(Optional[Dict[str, Any]], result)
    count(f"{vendor}.before_send_errors")
    log_once(
        f"{vendor}-before_send-failed",
        "errorwire: %s.before_send %s; the payload is sent unmodified",
        vendor,
        problem,
    )
    return encode_again()


def _call_hook(
    hook: Callable[..., Any], args: Tuple[Any, ...], wanted: type, wanted_name: str
) -> Tuple[Any, Optional[str]]:
    """What the hook returned and None when it is ``wanted`` or None, else what went wrong."""
    try:
        result = hook(*args)
    except Exception as exc:  # the user's hook must not stop the report
        return None, f"raised {exc!r}"
    if result is None or isinstance(result, wanted):
        return result, None
    return None, f"returned {type(result).__name__}, not {wanted_name} or None"


def snapshot(event: Event) -> Event:
    """A copy of everything a hook may change in place (values inside ``extra`` are shared).

    Much cheaper than ``copy.deepcopy`` (about 0.13 ms for 30 frames and 100
    breadcrumbs), which also fails on uncopyable user extras.
    """
    new = _clone(event)
    new.exceptions = [
        _clone(info, frames=list(map(_clone, info.frames))) for info in event.exceptions
    ]
    new.breadcrumbs = [_clone(crumb, data=dict(crumb.data)) for crumb in event.breadcrumbs]
    new.tags = list(event.tags)
    new.extra = dict(event.extra)
    new.server = _clone(event.server)
    if event.person is not None:
        new.person = _clone(event.person)
    if event.request is not None:
        request = event.request
        new.request = _clone(
            request,
            headers=dict(request.headers),
            cookies=dict(request.cookies),
            query=dict(request.query),
            form=dict(request.form),
            route_params=dict(request.route_params),
            files=list(request.files),
        )
    return new


_T = TypeVar("_T")


def _clone(obj: _T, **changes: Any) -> _T:
    """A shallow copy of a plain dataclass instance (``copy.copy`` is several times slower)."""
    new: _T = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__, **changes)
    return new
