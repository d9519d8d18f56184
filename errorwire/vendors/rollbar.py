"""Rollbar Items API payload (POST /api/1/item/), as Rollbar's items API documents it
(https://docs.rollbar.com/reference/create-item; what is sent: README.md, "What each
vendor receives")."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from errorwire.core.config import VendorSettings
from errorwire.core.event import (
    LEVELS,
    Breadcrumb,
    Event,
    ExceptionInfo,
    Frame,
    FrameVariables,
    Person,
    Request,
)
from errorwire.core.outcomes import DropReason
from errorwire.core.safe_repr import render
from errorwire.core.text import utf8_clean
from errorwire.vendors import cap_minimal as m
from errorwire.vendors import fields as f
from errorwire.vendors.base import NOTIFIER_NAME, NOTIFIER_VERSION
from errorwire.vendors.cap_layout import Layout, Path, Section, exists, get, omitted

TITLE_MAX = 255
ENVIRONMENT_MAX = 255
CODE_VERSION_MAX = 40
PERSON_ID_MAX = 40
PERSON_TEXT_MAX = 255
FINGERPRINT_MAX = 40
"""A longer fingerprint is replaced by its SHA1, as Rollbar itself would do."""
UUID_MAX = 36
DEFAULT_ENVIRONMENT = "production"


NAME = "rollbar"
DEFAULT_ENDPOINT = "https://api.rollbar.com/api/1/item/"
LOCAL_PATH = "/api/1/item/"
ENV_KEY, ENV_ENDPOINT = "ROLLBAR_ACCESS_TOKEN", "ROLLBAR_ENDPOINT"
SUCCESS_STATUS = 200
KEY_HEADER = "X-Rollbar-Access-Token"
KEY_FIELD: Optional[str] = "access_token"
MISSING_KEY: Tuple[int, str] = (401, "no access token was found in the request")


def attempt_headers() -> Dict[str, str]:
    """Headers made anew for each delivery attempt: none."""
    return {}


def refusal(event: Event, settings: VendorSettings) -> Optional[DropReason]:
    """Its settings refuse no event."""
    return None


def headers(settings: VendorSettings) -> Dict[str, str]:
    return {"X-Rollbar-Access-Token": settings.key}


def encode(event: Event, settings: VendorSettings) -> Dict[str, Any]:
    body = f.guarded("rollbar body", lambda: _body(event)) or {"message": {"body": ""}}
    data: Dict[str, Any] = {
        "environment": f.cut(f.text(event.environment), ENVIRONMENT_MAX) or DEFAULT_ENVIRONMENT,
        "body": body,
    }
    data.update(f.guarded("rollbar data", lambda: _data(event)) or {})
    return {"access_token": settings.key, "data": data}


def _data(event: Event) -> Dict[str, Any]:
    return f.compact(
        {
            "level": event.level if event.level in LEVELS else None,
            "timestamp": f.unix_seconds(event.timestamp),
            "code_version": f.cut(f.text(event.code_version), CODE_VERSION_MAX),
            "platform": (f.text(event.server.os_name) or "").lower() or None,
            "language": "python",
            "framework": f.text(event.framework),
            "context": f.text(event.context),
            "request": f.guarded("rollbar request", lambda: _request(event.request)),
            "person": f.guarded("rollbar person", lambda: _person(event.person)),
            "server": f.guarded("rollbar server", lambda: _server(event)),
            "custom": f.guarded("rollbar custom", lambda: _custom(event)),
            "fingerprint": _fingerprint(event.group),
            "title": f.cut(f.text(event.title), TITLE_MAX),
            "uuid": _uuid(event.event_id),
            "notifier": {"name": NOTIFIER_NAME, "version": NOTIFIER_VERSION},
        }
    )


def _body(event: Event) -> Dict[str, Any]:
    """Exactly one of trace / trace_chain / message."""
    traces = [_trace(info, event) for info in event.exceptions]
    if len(traces) == 1:
        return {"trace": traces[0]}
    if traces:
        # Outermost (the exception that reached us) first, then its causes: the order
        # of Rollbar's own pyrollbar and of the Ruby gem's trace_chain.
        return {"trace_chain": traces}
    logger_name = f.text(event.logger_name)
    if event.message_frames:  # a message logged with its stack: a trace, the logger its class
        return {"trace": _message_trace(event, logger_name)}
    message: Dict[str, Any] = {"body": f.safe_str(event.message) or ""}
    if logger_name:
        message["logger"] = logger_name
    return {"message": message}


def _message_trace(event: Event, logger_name: Optional[str]) -> Dict[str, Any]:
    exception = {"class": logger_name or "Message", "message": f.safe_str(event.message) or ""}
    return {"frames": [_frame(frame) for frame in event.message_frames], "exception": exception}


def _trace(info: ExceptionInfo, event: Event) -> Dict[str, Any]:
    exception = f.compact(
        {
            "class": f.text(info.type_name) or f.UNKNOWN,
            "message": f.safe_str(info.message) if info.message is not None else None,
        }
    )
    lines = []
    if event.message is not None and info is event.exceptions[0]:
        # A logged exception: the log line describes it.
        lines.append(f.safe_str(event.message) or "")
    lines += [f.safe_str(note) or "" for note in info.notes]  # PEP 678 notes
    if lines:
        exception["description"] = "\n".join(lines)
    return {"frames": [_frame(frame) for frame in info.frames], "exception": exception}


def _frame(frame: Frame) -> Dict[str, Any]:
    """Rollbar wants the full path; ``server.root`` lets it collapse library frames."""
    context = f.compact({"pre": _lines(frame.pre_context), "post": _lines(frame.post_context)})
    encoded = f.compact(
        {
            "filename": f.text(frame.abs_path) or f.text(frame.filename) or f.UNKNOWN,
            "lineno": f.as_int(frame.lineno),
            "colno": f.as_int(frame.colno),
            "method": f.text(frame.function),
            "code": f.safe_str(frame.code) if frame.code is not None else None,
            "context": context if frame.code is not None else None,
        }
    )
    if frame.variables is not None:
        encoded.update(f.guarded("rollbar locals", lambda: _variables(frame.variables)) or {})
    return encoded


def _variables(variables: Optional[FrameVariables]) -> Dict[str, Any]:
    """``args`` (positional parameters, then ``*args``) named by ``argspec`` and
    ``varargspec`` as pyrollbar names them; ``kwargs`` (keyword-only parameters and
    ``**kwargs``); ``locals`` (the other variables)."""
    if variables is None:
        return {}
    args = [render(value) for value in variables.args.values()]
    args += [render(value) for value in variables.varargs]
    others = {utf8_clean(str(k)): render(v) for k, v in variables.locals.items()}
    if variables.omitted:
        others[f.OMITTED_VARIABLES] = f"{variables.omitted} more variables"
    return f.compact(
        {
            "args": args,
            "argspec": [utf8_clean(str(name)) for name in variables.args],
            "varargspec": f.text(variables.varargs_name) if variables.varargs else None,
            "kwargs": {utf8_clean(str(k)): render(v) for k, v in variables.kwargs.items()},
            "locals": others,
        }
    )


def _lines(lines: List[str]) -> List[str]:
    return [f.safe_str(line) or "" for line in lines]


def _request(request: Optional[Request]) -> Optional[Dict[str, Any]]:
    if request is None:
        return None
    return f.compact(
        {
            "url": f.text(request.url),
            "method": f.text(request.method),
            "headers": f.str_dict(request.headers),
            "params": f.jsonable_dict(request.route_params),
            "route": f.text(request.route),
            "GET": f.jsonable_dict(request.query),
            "query_string": f.text(request.query_string),
            "POST": f.jsonable_dict(request.form),
            "json": f.jsonable(request.json) if request.has_json else None,
            "body": f.body_text(request),
            "files": f.files(request),
            "user_ip": f.text(request.client_ip),
        }
    )


def _person(person: Optional[Person]) -> Optional[Dict[str, Any]]:
    person_id = f.cut(f.text(person.id), PERSON_ID_MAX) if person is not None else None
    if person is None or not person_id:
        return None  # Rollbar requires the id
    return f.compact(
        {
            "id": person_id,
            "username": f.cut(f.text(person.username), PERSON_TEXT_MAX),
            "email": f.cut(f.text(person.email), PERSON_TEXT_MAX),
        }
    )


def _server(event: Event) -> Dict[str, Any]:
    server = event.server
    root = f.text(server.root)
    return f.compact(
        {
            "host": f.text(server.host),
            "root": root.rstrip("/\\") if root else None,
            "branch": f.text(server.branch),
            "code_version": f.cut(f.text(server.code_version), CODE_VERSION_MAX),
        }
    )


def _custom(event: Event) -> Dict[str, Any]:
    """``extra`` and the metadata sections, plus the exceptions' notes and attributes, the
    OpenTelemetry trace, the breadcrumbs and tags (the Items API has no field of their own)."""
    custom = f.with_sections(f.jsonable_dict(event.extra), event.metadata)
    details = f.guarded("rollbar exception details", lambda: f.details_tab(event.exceptions))
    if details:
        custom.setdefault("exception", details)
    trace = f.str_dict(event.trace)
    if trace:
        custom.setdefault("trace", trace)
    if event.breadcrumbs:
        custom.setdefault("breadcrumbs", [_breadcrumb(crumb) for crumb in event.breadcrumbs])
    tags = [t for t in (f.text(tag) for tag in event.tags) if t]
    if tags:
        custom.setdefault("tags", tags)
    return custom


def _breadcrumb(crumb: Breadcrumb) -> Dict[str, Any]:
    return f.compact(
        {
            "timestamp": f.iso_utc(crumb.timestamp, millis=True),
            "message": f.safe_str(crumb.message),
            "category": f.text(crumb.category),
            "level": f.text(crumb.level),
            "type": f.text(crumb.type),
            "data": f.jsonable_dict(crumb.data),
        }
    )


def _fingerprint(group: Optional[str]) -> Optional[str]:
    value = f.text(group)
    if value is None:
        return None
    return value if len(value) <= FINGERPRINT_MAX else f.sha1_hex(value)


def _uuid(event_id: object) -> Optional[str]:
    value = f.text(event_id)
    if value is None or len(value) > UUID_MAX:
        return None
    try:
        value.encode("latin-1")  # the doc: "any latin1 string"
    except UnicodeEncodeError:
        return None
    return value


# -- what the size cap may cut (vendors/cap.py), and in which order --------------


def _sections(payload: Dict[str, Any]) -> List[Section]:
    sections = [
        Section(("data", "request", "body"), "text"),
        Section(("data", "request", "json"), "body"),
        Section(("data", "custom", "breadcrumbs"), "tail"),
        Section(("data", "custom"), "data"),
        *(Section(("data", "request", k), "data") for k in ("headers", "GET", "POST", "params")),
        Section(("data", "body", "trace", "frames"), "frames"),
    ]
    chain = payload.get("data", {}).get("body", {}).get("trace_chain")
    if isinstance(chain, list):
        sections += [
            Section(("data", "body", "trace_chain", i, "frames"), "frames")
            for i in range(len(chain))
        ]
    return sections


LOCALS_KEYS = ("args", "argspec", "varargspec", "kwargs", "locals")


def _locals(payload: Dict[str, Any]) -> List[Tuple[Path, str]]:
    """Frame variables sit in the frames themselves; innermost frames first."""
    body: Path = ("data", "body")
    traces: List[Path] = [(*body, "trace")] if exists(payload, (*body, "trace")) else []
    chain = get(payload, (*body, "trace_chain")) if exists(payload, (*body, "trace_chain")) else []
    count = len(chain) if isinstance(chain, list) else 0
    traces += [(*body, "trace_chain", i) for i in range(count)]
    found: List[Tuple[Path, str]] = []
    for trace in traces:
        frames = get(payload, (*trace, "frames")) if exists(payload, (*trace, "frames")) else []
        for index in range(len(frames) - 1, -1, -1) if isinstance(frames, list) else ():
            frame = frames[index]
            if isinstance(frame, dict):
                path: Path = (*trace, "frames", index)
                found += [(path, key) for key in LOCALS_KEYS if key in frame]
    return found


LAYOUT = Layout(
    _sections,
    context_keys=("context",),
    keep_code_line=False,
    omitted_frame=omitted("filename"),
    locals=_locals,
)


# -- the cap's last resort: the smallest payload still valid here ---------------

MINIMAL_KEEP = (
    "environment", "level", "timestamp", "code_version", "platform", "language",
    "framework", "context", "fingerprint", "title", "uuid", "notifier",
)  # fmt: skip
MINIMAL_FRAME = ("filename", "lineno", "colno", "method")


def minimal(payload: Dict[str, Any], frames: int, chars: int) -> Dict[str, Any]:
    data = m.as_dict(payload.get("data"))
    body = m.as_dict(data.get("body"))
    trace = m.as_dict(body.get("trace")) or m.first_dict(body.get("trace_chain"))
    if trace:
        exception = m.as_dict(trace.get("exception"))
        new_body: Dict[str, Any] = {
            "trace": {
                "exception": m.with_message(
                    {"class": exception.get("class") or m.UNKNOWN}, exception.get("message"), chars
                ),
                "frames": m.innermost(trace.get("frames"), frames, MINIMAL_FRAME, first=False),
            }
        }
    else:
        message = m.as_dict(body.get("message"))
        new_body = {"message": {"body": m.cut_text(message.get("body"), chars) or ""}}
    new_data = m.keep(data, MINIMAL_KEEP, chars)
    new_data.setdefault("environment", "production")
    new_data["body"] = new_body
    return {"access_token": payload.get("access_token"), "data": new_data}
