"""Bugsnag Error Reporting API payload version 4, as Bugsnag's notify API documents it
(its OpenAPI file is tests/schemas/bugsnag-openapi.yml; what is sent: README.md, "What
each vendor receives")."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

from errorwire.core.config import VendorSettings
from errorwire.core.event import Breadcrumb, Event, ExceptionInfo, Frame, Person, Request
from errorwire.core.outcomes import DropReason
from errorwire.vendors import cap_minimal as m
from errorwire.vendors import fields as f
from errorwire.vendors.base import NOTIFIER_NAME, NOTIFIER_URL, NOTIFIER_VERSION
from errorwire.vendors.cap_layout import Layout, Path, Section, get, locals_in, omitted

PAYLOAD_VERSION = "4"
BREADCRUMB_NAME_MAX = 30
BREADCRUMB_TYPES = ("navigation", "request", "process", "log", "user", "state", "error", "manual")
SEVERITIES = {
    "critical": "error",
    "error": "error",
    "warning": "warning",
    "info": "info",
    "debug": "info",
}
SEVERITY_REASONS = (
    "unhandledException",
    "handledException",
    "log",
    "signal",
    "strictMode",
    "unhandledPromiseRejection",
    "userSpecifiedSeverity",
    "userCallbackSetSeverity",
    "handledError",
    "anrError",
)
MESSAGE_CLASS = "LogMessage"
"""errorClass of a captured message: Bugsnag requires one exception per event."""
NO_LINE = 0
"""lineNumber is required: 0 marks "not known"."""
URI_SAFE = "%:/?#[]@!$&'()*+,;=~"
"""Characters a URI keeps as they are (RFC 3986 reserved, plus ``%`` of existing escapes)."""


NAME = "bugsnag"
DEFAULT_ENDPOINT = "https://notify.bugsnag.com/"
LOCAL_PATH = "/bugsnag/"
ENV_KEY, ENV_ENDPOINT = "BUGSNAG_API_KEY", "BUGSNAG_ENDPOINT"
SUCCESS_STATUS = 200
KEY_HEADER = "Bugsnag-Api-Key"
KEY_FIELD: Optional[str] = "apiKey"
MISSING_KEY: Tuple[int, str] = (
    401,
    "no API key: send apiKey in the body or the Bugsnag-Api-Key header",
)


def attempt_headers() -> Dict[str, str]:
    """Headers made anew for each delivery attempt: when it was sent, as the notify
    API asks (ISO 8601 UTC with milliseconds)."""
    now = time.time()
    return {"Bugsnag-Sent-At": f.iso_utc(now, millis=True) or ""}


def refusal(event: Event, settings: VendorSettings) -> Optional[DropReason]:
    """``notify_release_stages`` refuses the other environments (as Bugsnag's notifiers do)."""
    stages = getattr(settings, "notify_release_stages", None)
    if stages is not None and event.environment not in stages:
        return DropReason.RELEASE_STAGE
    return None


def headers(settings: VendorSettings) -> Dict[str, str]:
    return {"Bugsnag-Api-Key": settings.key, "Bugsnag-Payload-Version": PAYLOAD_VERSION}


def encode(event: Event, settings: VendorSettings) -> Dict[str, Any]:
    exceptions = f.guarded("bugsnag exceptions", lambda: _exceptions(event))
    payload_event: Dict[str, Any] = {"exceptions": exceptions or [_message_exception(None)]}
    payload_event.update(f.guarded("bugsnag event", lambda: _event(event)) or {})
    return {
        "apiKey": settings.key,
        "payloadVersion": PAYLOAD_VERSION,
        "notifier": {"name": NOTIFIER_NAME, "version": NOTIFIER_VERSION, "url": NOTIFIER_URL},
        "events": [payload_event],
    }


def _event(event: Event) -> Dict[str, Any]:
    reason = event.severity_reason if event.severity_reason in SEVERITY_REASONS else None
    return f.compact(
        {
            "severity": SEVERITIES.get(event.level),
            "severityReason": {"type": reason} if reason else None,
            "unhandled": not event.handled,
            "context": f.text(event.context),
            "groupingHash": f.text(event.group),
            "user": f.guarded("bugsnag user", lambda: _user(event.person)),
            "app": f.compact(
                {
                    "version": f.text(event.code_version),
                    "releaseStage": f.text(event.environment),
                    "type": f.text(event.framework),
                    "duration": _duration(event),
                }
            ),
            "device": f.guarded("bugsnag device", lambda: _device(event)),
            "request": f.guarded("bugsnag request", lambda: _request(event.request)),
            "breadcrumbs": f.guarded(
                "bugsnag breadcrumbs", lambda: _breadcrumbs(event.breadcrumbs)
            ),
            "metaData": f.guarded("bugsnag metaData", lambda: _metadata(event)),
            "session": event.session,
        }
    )


def _duration(event: Event) -> Optional[int]:
    """Milliseconds since the process started, when known."""
    started = event.server.started
    if not isinstance(started, (int, float)) or not isinstance(event.timestamp, (int, float)):
        return None
    millis = int((event.timestamp - started) * 1000)
    return millis if millis >= 0 else None


def _exceptions(event: Event) -> List[Dict[str, Any]]:
    """Outermost first ("the first exception is the most significant")."""
    if not event.exceptions:
        return [_message_exception(event.message, event.message_frames)]
    return [_exception(info) for info in event.exceptions]


def _exception(info: ExceptionInfo) -> Dict[str, Any]:
    exception = f.compact(
        {
            "errorClass": f.text(info.type_name) or f.UNKNOWN,
            "message": f.safe_str(info.message) if info.message is not None else None,
            "type": "python",
        }
    )
    # "ordered from the frame where the error occurred to the entry point"
    exception["stacktrace"] = [_frame(frame) for frame in reversed(info.frames)]
    return exception


def _message_exception(message: Optional[str], frames: Sequence[Frame] = ()) -> Dict[str, Any]:
    stack = [_frame(frame) for frame in reversed(frames)]  # innermost first, as for errors
    exception: Dict[str, Any] = {"errorClass": MESSAGE_CLASS, "type": "python", "stacktrace": stack}
    text = f.safe_str(message) if message is not None else None
    if text:
        exception["message"] = text
    return exception


def _frame(frame: Frame) -> Dict[str, Any]:
    lineno = f.as_int(frame.lineno)
    return f.compact(
        {
            # The doc recommends stripping common path prefixes: the project-relative name.
            "file": f.text(frame.filename) or f.text(frame.abs_path) or f.UNKNOWN,
            "lineNumber": NO_LINE if lineno is None else lineno,
            "columnNumber": f.as_int(frame.colno),
            "method": f.text(frame.function) or f.UNKNOWN,
            "inProject": bool(frame.in_project),
            "code": f.context_lines(frame),
        }
    )


def _user(person: Optional[Person]) -> Optional[Dict[str, Any]]:
    if person is None:
        return None
    email = f.text(person.email)
    return f.compact(
        {
            "id": f.text(person.id),
            "name": f.text(person.name) or f.text(person.username),
            "email": email if email and "@" in email else None,  # format: email
        }
    )


def _device(event: Event) -> Dict[str, Any]:
    server = event.server
    python = f.text(server.python_version)
    return f.compact(
        {
            "hostname": f.text(server.host),
            "osName": f.text(server.os_name),
            "osVersion": f.text(server.os_version),
            "totalMemory": f.as_int(server.total_memory),
            "time": f.iso_utc(event.timestamp, millis=True),
            "runtimeVersions": {"python": python} if python else None,
        }
    )


def _request(request: Optional[Request]) -> Optional[Dict[str, Any]]:
    if request is None:
        return None
    return f.compact(
        {
            "url": _absolute_url(request.url),
            "httpMethod": f.text(request.method),
            "headers": f.str_dict(request.headers),
            "clientIp": f.text(request.client_ip),
            "referer": f.request_header(request, "referer"),
        }
    )


def _absolute_url(url: object) -> Optional[str]:
    """An absolute http(s) URL (the schema's ``format: uri``), non-ASCII percent-encoded."""
    value = f.text(url)
    if value is None:
        return None
    value = quote(value, safe=URI_SAFE)
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _metadata(event: Event) -> Dict[str, Any]:
    """Tabs: the user's extra data, what the request carried, the tags, frame locals, the
    exceptions' notes and attributes (``exception``), and each metadata section
    (``add_metadata``) as a tab of its own."""
    tabs = f.compact(
        {
            "extra": f.jsonable_dict(event.extra),
            "request": f.guarded("bugsnag request tab", lambda: _request_tab(event.request)),
            "tags": _tags_tab(event.tags),
            "locals": f.guarded("bugsnag locals", lambda: f.locals_tab(event.exceptions)),
            "exception": f.guarded("bugsnag exception", lambda: f.details_tab(event.exceptions)),
            "trace": f.str_dict(event.trace),
        }
    )
    return f.compact(f.with_sections(tabs, event.metadata))


def _request_tab(request: Optional[Request]) -> Optional[Dict[str, Any]]:
    if request is None:
        return None
    tab = f.compact(
        {
            "route": f.text(request.route),
            "routeParams": f.jsonable_dict(request.route_params),
            "query": f.jsonable_dict(request.query),
            "form": f.jsonable_dict(request.form),
            "json": f.jsonable(request.json) if request.has_json else None,
            "body": None if request.has_json else f.body_text(request),
            "bodyTruncated": True if request.body_truncated else None,
            "files": f.files(request),
        }
    )
    if request.has_json and request.json in ({}, []):  # an empty JSON body is still a body
        tab["json"] = f.jsonable(request.json)
    return tab


def _tags_tab(tags: List[str]) -> Dict[str, Any]:
    """``["region:eu", "beta"]`` -> ``{"region": "eu", "beta": True}``."""
    tab: Dict[str, Any] = {}
    for tag in tags:
        name, sep, value = (f.text(tag) or "").partition(":")
        if name:
            tab[name] = value if sep else True
    return tab


def _breadcrumbs(crumbs: List[Breadcrumb]) -> List[Dict[str, Any]]:
    result = []
    for crumb in crumbs:
        timestamp = f.iso_utc(crumb.timestamp, millis=True)
        if timestamp is None:
            continue  # required
        message = f.safe_str(crumb.message) or ""
        name = message or f.text(crumb.category) or f.text(crumb.type) or "manual"
        meta = f.jsonable_dict(crumb.data)
        if len(name) > BREADCRUMB_NAME_MAX:
            meta.setdefault("message", name)  # the whole text, since the name is cut
        category = f.text(crumb.category)
        if category:
            meta.setdefault("category", category)
        result.append(
            {
                "timestamp": timestamp,
                "name": name[:BREADCRUMB_NAME_MAX],
                "type": crumb.type if crumb.type in BREADCRUMB_TYPES else "manual",
                "metaData": meta,
            }
        )
    return result


# -- what the size cap may cut (vendors/cap.py), and in which order --------------

OWN_TABS = ("request", "locals", "extra", "tags")
"""metaData tabs the layout names itself (or, for ``locals``, leaves to cap_locals)."""


def _sections(payload: Dict[str, Any]) -> List[Section]:
    event: Path = ("events", 0)
    tab: Path = (*event, "metaData", "request")
    sections = [
        Section((*tab, "body"), "text"),
        Section((*tab, "json"), "body"),
        Section((*event, "breadcrumbs"), "tail"),
        Section((*event, "metaData", "extra"), "data"),
        Section((*event, "metaData", "tags"), "data"),
        *(Section((*tab, k), "data") for k in ("query", "form", "routeParams", "files")),
        Section((*event, "request", "headers"), "data"),
    ]
    try:
        tabs = get(payload, (*event, "metaData"))
    except KeyError:
        tabs = {}
    if isinstance(tabs, dict):  # the metadata sections: custom data too
        sections += [
            Section((*event, "metaData", name), "data") for name in tabs if name not in OWN_TABS
        ]
    try:
        exceptions = get(payload, (*event, "exceptions"))
    except KeyError:
        exceptions = []
    if isinstance(exceptions, list):
        sections += [
            Section((*event, "exceptions", i, "stacktrace"), "frames", innermost_first=True)
            for i in range(len(exceptions))
        ]
    return sections


LAYOUT = Layout(
    _sections,
    context_keys=("code",),
    keep_code_line=True,
    omitted_frame=omitted("method", file="[omitted]", lineNumber=0),
    locals=locals_in(("events", 0, "metaData", "locals")),
)


# -- the cap's last resort: the smallest payload still valid here ---------------

MINIMAL_KEEP = ("severity", "severityReason", "unhandled", "context", "groupingHash", "app")
MINIMAL_FRAME = ("file", "lineNumber", "columnNumber", "method", "inProject")


def minimal(payload: Dict[str, Any], frames: int, chars: int) -> Dict[str, Any]:
    event = m.first_dict(payload.get("events"))
    exception = m.first_dict(event.get("exceptions"))
    new_exception = m.with_message(
        {"errorClass": exception.get("errorClass") or m.UNKNOWN}, exception.get("message"), chars
    )
    if "type" in exception:
        new_exception["type"] = exception["type"]
    new_exception["stacktrace"] = m.innermost(
        exception.get("stacktrace"), frames, MINIMAL_FRAME, first=True
    )
    new_event = m.keep(event, MINIMAL_KEEP, chars)
    new_event["exceptions"] = [new_exception]
    smallest = m.keep(payload, ("apiKey", "payloadVersion", "notifier"))
    smallest["events"] = [new_event]
    return smallest
