"""Raygun Crash Reporting payload (POST /entries), as Raygun's crash reporting API
documents it (https://raygun.com/documentation/product-guides/crash-reporting/api/;
what is sent: README.md, "What each vendor receives")."""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from errorwire.core.config import VendorSettings
from errorwire.core.event import Breadcrumb, Event, ExceptionInfo, Frame, Person, Request
from errorwire.core.outcomes import DropReason
from errorwire.vendors import cap_minimal as m
from errorwire.vendors import fields as f
from errorwire.vendors.base import NOTIFIER_NAME, NOTIFIER_URL, NOTIFIER_VERSION
from errorwire.vendors.cap_layout import Layout, Path, Section, exists, locals_in, omitted

GROUPING_KEY_MAX = 100
FORM_MAX = 256
"""The doc asks for form names and values cut to 256 characters each."""
RAW_DATA_MAX_BYTES = 4096
NO_RAW_DATA_TYPES = ("text/html", "application/x-www-form-urlencoded", f.MULTIPART)
"""rawData is for non-GET bodies that are not HTML or a form ("don't include form values")."""
MESSAGE_CLASS = "LogMessage"
"""className of a captured message, which has no exception class."""
NO_LINE = 0
"""Raygun rejects a stack frame without a lineNumber: 0 marks "not known"."""
BREADCRUMB_LEVELS = {
    "critical": "error",
    "error": "error",
    "warning": "warning",
    "info": "info",
    "debug": "debug",
}
BREADCRUMB_TYPES = {"manual": "manual", "navigation": "navigation", "request": "request"}
"""errorwire types Raygun knows; "log" becomes "console", any other "manual"."""
MEGABYTE = 1024 * 1024
MAX_CHAIN = 100
"""Exceptions followed through an ``innerError`` chain when capping (an event holds at most 25)."""


NAME = "raygun"
DEFAULT_ENDPOINT = "https://api.raygun.com/entries"
LOCAL_PATH = "/entries"
ENV_KEY, ENV_ENDPOINT = "RAYGUN_API_KEY", "RAYGUN_ENDPOINT"
SUCCESS_STATUS = 202
KEY_HEADER = "X-ApiKey"
KEY_FIELD: Optional[str] = None
MISSING_KEY: Tuple[int, str] = (403, "invalid API key: the X-ApiKey header is missing")


def attempt_headers() -> Dict[str, str]:
    """Headers made anew for each delivery attempt: none."""
    return {}


def refusal(event: Event, settings: VendorSettings) -> Optional[DropReason]:
    """Its settings refuse no event."""
    return None


def headers(settings: VendorSettings) -> Dict[str, str]:
    return {"X-ApiKey": settings.key}


def encode(event: Event, settings: VendorSettings) -> Dict[str, Any]:
    error = f.guarded("raygun error", lambda: _error_chain(event)) or _message_error(None)
    details: Dict[str, Any] = {"error": error}
    details.update(f.guarded("raygun details", lambda: _details(event)) or {})
    # occurredOn is required; a broken timestamp is replaced by the encoding time.
    occurred = f.iso_utc(event.timestamp) or f.iso_utc(time.time())
    return {"occurredOn": occurred, "details": details}


def _details(event: Event) -> Dict[str, Any]:
    return f.compact(
        {
            "machineName": f.text(event.server.host),
            "groupingKey": f.cut(f.text(event.group), GROUPING_KEY_MAX),
            "version": f.text(event.code_version),
            "client": {
                "name": NOTIFIER_NAME,
                "version": NOTIFIER_VERSION,
                "clientUrl": NOTIFIER_URL,
            },
            "environment": f.guarded("raygun environment", lambda: _environment(event)),
            "tags": _tags(event),
            "userCustomData": f.guarded("raygun userCustomData", lambda: _custom_data(event)),
            "request": f.guarded("raygun request", lambda: _request(event.request)),
            "response": (
                {"statusCode": event.response_status}
                if f.as_int(event.response_status) is not None
                else None
            ),
            "user": f.guarded("raygun user", lambda: _user(event.person)),
            "breadcrumbs": f.guarded("raygun breadcrumbs", lambda: _breadcrumbs(event.breadcrumbs)),
        }
    )


def _custom_data(event: Event) -> Dict[str, Any]:
    """``extra`` and the metadata sections, the report's ``context`` (Raygun has no field
    of its own), and frame variables (``include_locals``) under ``locals``."""
    custom = f.with_sections(f.jsonable_dict(event.extra), event.metadata)
    context = f.text(event.context)
    if context:
        custom.setdefault("context", context)
    trace = f.str_dict(event.trace)
    if trace:
        custom.setdefault("trace", trace)
    found = f.guarded("raygun locals", lambda: f.locals_tab(event.exceptions))
    if found:
        custom.setdefault("locals", found)
    return custom


def _error_chain(event: Event) -> Dict[str, Any]:
    """The outermost exception, each next one of the chain as the previous one's innerError."""
    if not event.exceptions:
        return _message_error(event.message, event.message_frames)
    errors = [_error(info) for info in event.exceptions]
    for outer, inner in zip(errors, errors[1:]):
        outer["innerError"] = inner
    return errors[0]


def _error(info: ExceptionInfo) -> Dict[str, Any]:
    # The doc: "The first one in the list should be the highest on the stack".
    frames = [_frame(frame) for frame in reversed(info.frames)]
    return f.compact(
        {
            "className": f.text(info.type_name) or f.UNKNOWN,
            "message": f.safe_str(info.message) if info.message is not None else None,
            "stackTrace": frames or [{"lineNumber": NO_LINE}],
            # "Data contained in the error object": its notes and attributes.
            "data": f.guarded("raygun error data", lambda: f.exception_details(info)),
        }
    )


def _message_error(message: Optional[str], frames: Sequence[Frame] = ()) -> Dict[str, Any]:
    stack = [_frame(frame) for frame in reversed(frames)] or [{"lineNumber": NO_LINE}]
    error: Dict[str, Any] = {"className": MESSAGE_CLASS, "stackTrace": stack}
    text = f.safe_str(message) if message is not None else None
    if text:
        error["message"] = text
    return error


def _frame(frame: Frame) -> Dict[str, Any]:
    lineno = f.as_int(frame.lineno)
    return f.compact(
        {
            "lineNumber": NO_LINE if lineno is None else lineno,
            "columnNumber": f.as_int(frame.colno),
            "className": f.text(frame.module),
            "fileName": f.text(frame.filename) or f.text(frame.abs_path),
            "methodName": f.text(frame.function),
        }
    )


def _environment(event: Event) -> Dict[str, Any]:
    server = event.server
    memory = f.as_int(server.total_memory)
    return f.compact(
        {
            "processorCount": f.as_int(server.processor_count),
            "osVersion": f.text(server.os_version),
            "platform": f.text(server.os_name),
            "architecture": f.text(server.architecture),
            "totalPhysicalMemory": memory // MEGABYTE if memory is not None else None,
        }
    )


def _tags(event: Event) -> List[str]:
    """The event's tags, plus ``env:<environment>``, ``framework:<name>`` and
    ``context:<context>`` (Raygun has none of these fields; the inbox reads the first
    two back)."""
    tags = [t for t in (f.text(tag) for tag in event.tags) if t]
    context = f.text(event.context)
    if context:
        tags.append(f"context:{context}")
    tags += [f"{name}:{value}" for name, value in f.str_dict(event.trace).items()]
    environment = f.text(event.environment)
    if environment:
        tags.append(f"env:{environment}")
    framework = f.text(event.framework)
    if framework:
        tags.append(f"framework:{framework}")
    return tags


def _request(request: Optional[Request]) -> Optional[Dict[str, Any]]:
    if request is None:
        return None
    url = f.text(request.url) or ""
    try:
        host = urlsplit(url).netloc or None
    except ValueError:
        host = None
    return f.compact(
        {
            "hostName": host or f.request_header(request, "host"),
            "url": f.text(request.path) if url else None,
            "httpMethod": f.text(request.method),
            "iPAddress": f.text(request.client_ip),
            "queryString": f.jsonable_dict(request.query),
            "form": _form(request.form),
            "headers": f.str_dict(request.headers),
            "rawData": _raw_data(request),
        }
    )


def _form(form: object) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    for name, value in f.jsonable_dict(form).items():
        if isinstance(value, list):  # a repeated field
            value = ",".join(f.safe_str(item) or "" for item in value)
        if not (value is None or isinstance(value, (bool, int, float, str))):
            value = f.safe_str(value) or ""
        result[name[:FORM_MAX]] = value[:FORM_MAX] if isinstance(value, str) else value
    return result


def _raw_data(request: Request) -> Optional[str]:
    method = (f.text(request.method) or "").upper()
    if method in ("", "GET") or f.request_media_type(request) in NO_RAW_DATA_TYPES:
        return None
    body = f.body_text(request)
    return f.cut_utf8(body, RAW_DATA_MAX_BYTES) if body else None


def _user(person: Optional[Person]) -> Optional[Dict[str, Any]]:
    if person is None:
        return None
    # The identifier is required; a username or email identifies the user as well.
    identifier = f.text(person.id) or f.text(person.username) or f.text(person.email)
    if identifier is None:
        return None
    name = f.text(person.name)
    username = f.text(person.username)
    return f.compact(
        {
            "identifier": identifier,
            "isAnonymous": person.anonymous if isinstance(person.anonymous, bool) else None,
            "email": f.text(person.email),
            # No username field: with an id as the identifier, the username is the name
            # shown when no full name was given.
            "fullName": name or (username if username != identifier else None),
            "firstName": f.first_name(name),
        }
    )


def _breadcrumbs(crumbs: List[Breadcrumb]) -> List[Dict[str, Any]]:
    result = []
    for crumb in crumbs:
        millis = f.unix_millis(crumb.timestamp)
        if millis is None:
            continue  # timeStamp is required
        kind = "console" if crumb.type == "log" else BREADCRUMB_TYPES.get(crumb.type, "manual")
        result.append(
            f.compact(
                {
                    "timeStamp": millis,
                    "level": BREADCRUMB_LEVELS.get(crumb.level),
                    "type": kind,
                    "category": f.text(crumb.category),
                    "message": f.safe_str(crumb.message),
                    "customData": f.jsonable_dict(crumb.data),
                }
            )
        )
    return result


# -- what the size cap may cut (vendors/cap.py), and in which order --------------


def _raygun_errors(payload: Dict[str, Any]) -> Iterator[Path]:
    path: Path = ("details", "error")
    for _ in range(MAX_CHAIN):
        if not exists(payload, path):
            return
        yield path
        path = (*path, "innerError")


def _sections(payload: Dict[str, Any]) -> List[Section]:
    request = ("details", "request")
    return [
        Section((*request, "rawData"), "text"),
        Section(("details", "breadcrumbs"), "tail"),
        Section(("details", "userCustomData"), "data"),
        Section(("details", "tags"), "data"),
        *(Section((*request, k), "data") for k in ("headers", "queryString", "form")),
        *(Section((*error, "data"), "data") for error in _raygun_errors(payload)),
        *(
            Section((*error, "stackTrace"), "frames", innermost_first=True)
            for error in _raygun_errors(payload)
        ),
    ]


LAYOUT = Layout(
    _sections,
    context_keys=(),
    keep_code_line=False,
    omitted_frame=omitted("methodName", lineNumber=0),
    locals=locals_in(("details", "userCustomData", "locals")),
)


# -- the cap's last resort: the smallest payload still valid here ---------------

MINIMAL_KEEP = ("machineName", "groupingKey", "version", "client")
MINIMAL_FRAME = ("lineNumber", "columnNumber", "className", "fileName", "methodName")


def minimal(payload: Dict[str, Any], frames: int, chars: int) -> Dict[str, Any]:
    details = m.as_dict(payload.get("details"))
    error = m.as_dict(details.get("error"))
    stack = m.innermost(error.get("stackTrace"), frames, MINIMAL_FRAME, first=True)
    new_error = m.with_message(
        {"className": error.get("className") or m.UNKNOWN}, error.get("message"), chars
    )
    new_error["stackTrace"] = stack or [{"lineNumber": 0}]  # at least one frame
    new_details = m.keep(details, MINIMAL_KEEP, chars)
    new_details["error"] = new_error
    return {"occurredOn": payload.get("occurredOn"), "details": new_details}
