"""The last resort of cap.py: a minimal payload that is still valid for its vendor.

The exception that reached us (class, message) and its innermost frames, plus
the small fields that identify the report (environment, level, grouping key,
notifier...). Fewer frames and a shorter message are tried until it fits.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from errorwire.vendors.cap_fit import NOTHING, Fitter, cut_marker

SHRINKING: Tuple[Tuple[int, int], ...] = (
    (10, 1024),
    (5, 512),
    (2, 256),
    (1, 128),
    (0, 64),
    (0, 0),
)
"""(innermost frames, message characters), tried in turn."""
UNKNOWN = "<unknown>"

ROLLBAR_KEEP = (
    "environment", "level", "timestamp", "code_version", "platform", "language",
    "framework", "context", "fingerprint", "title", "uuid", "notifier",
)  # fmt: skip
ROLLBAR_FRAME = ("filename", "lineno", "colno", "method")
RAYGUN_KEEP = ("machineName", "groupingKey", "version", "client")
RAYGUN_FRAME = ("lineNumber", "columnNumber", "className", "fileName", "methodName")
BUGSNAG_KEEP = ("severity", "severityReason", "unhandled", "context", "groupingHash", "app")
BUGSNAG_FRAME = ("file", "lineNumber", "columnNumber", "method", "inProject")

Builder = Callable[[Dict[str, Any], int, int], Dict[str, Any]]


def minimal_payload(vendor: str, payload: Dict[str, Any], max_bytes: int) -> Dict[str, Any]:
    build = BUILDERS.get(vendor)
    copy: Any = NOTHING
    for frames, chars in SHRINKING:
        candidate = build(payload, frames, chars) if build else payload
        fitter = Fitter(1024)
        copy, _size = fitter.fit(candidate, max_bytes)
        if copy is not NOTHING and not fitter.budget_cuts:
            return dict(copy)
    # Not even the smallest form fits (a cap below ~1 KB): send that smallest form.
    fitted, _size = Fitter(1024).fit(candidate, 1 << 30)
    return dict(fitted)


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first(value: Any) -> Dict[str, Any]:
    return _dict(value[0]) if isinstance(value, list) and value else {}


def _keep(source: Dict[str, Any], keys: Tuple[str, ...], chars: int = 1 << 30) -> Dict[str, Any]:
    """The ``keys`` of ``source``; strings among them cut to ``chars`` (at least 40)."""
    limit = max(40, chars)
    return {
        k: _cut(source[k], limit) if isinstance(source[k], str) else source[k]
        for k in keys
        if k in source
    }


def _cut(text: Any, chars: int) -> Optional[str]:
    if not isinstance(text, str):
        return None
    if len(text) <= chars:
        return text
    return text[:chars] + cut_marker(len(text) - chars)


def _innermost(frames: Any, count: int, keys: Tuple[str, ...], first: bool) -> List[Any]:
    if not isinstance(frames, list) or count <= 0:
        return []
    chosen = frames[:count] if first else frames[-count:]
    return [_keep(frame, keys) for frame in chosen if isinstance(frame, dict)]


def _with_message(fields: Dict[str, Any], message: Any, chars: int) -> Dict[str, Any]:
    text = _cut(message, chars)
    if text:
        fields["message"] = text
    return fields


def _rollbar(payload: Dict[str, Any], frames: int, chars: int) -> Dict[str, Any]:
    data = _dict(payload.get("data"))
    body = _dict(data.get("body"))
    trace = _dict(body.get("trace")) or _first(body.get("trace_chain"))
    if trace:
        exception = _dict(trace.get("exception"))
        new_body: Dict[str, Any] = {
            "trace": {
                "exception": _with_message(
                    {"class": exception.get("class") or UNKNOWN}, exception.get("message"), chars
                ),
                "frames": _innermost(trace.get("frames"), frames, ROLLBAR_FRAME, first=False),
            }
        }
    else:
        message = _dict(body.get("message"))
        new_body = {"message": {"body": _cut(message.get("body"), chars) or ""}}
    new_data = _keep(data, ROLLBAR_KEEP, chars)
    new_data.setdefault("environment", "production")
    new_data["body"] = new_body
    return {"access_token": payload.get("access_token"), "data": new_data}


def _raygun(payload: Dict[str, Any], frames: int, chars: int) -> Dict[str, Any]:
    details = _dict(payload.get("details"))
    error = _dict(details.get("error"))
    stack = _innermost(error.get("stackTrace"), frames, RAYGUN_FRAME, first=True)
    new_error = _with_message(
        {"className": error.get("className") or UNKNOWN}, error.get("message"), chars
    )
    new_error["stackTrace"] = stack or [{"lineNumber": 0}]  # at least one frame
    new_details = _keep(details, RAYGUN_KEEP, chars)
    new_details["error"] = new_error
    return {"occurredOn": payload.get("occurredOn"), "details": new_details}


def _bugsnag(payload: Dict[str, Any], frames: int, chars: int) -> Dict[str, Any]:
    event = _first(payload.get("events"))
    exception = _first(event.get("exceptions"))
    new_exception = _with_message(
        {"errorClass": exception.get("errorClass") or UNKNOWN}, exception.get("message"), chars
    )
    if "type" in exception:
        new_exception["type"] = exception["type"]
    new_exception["stacktrace"] = _innermost(
        exception.get("stacktrace"), frames, BUGSNAG_FRAME, first=True
    )
    new_event = _keep(event, BUGSNAG_KEEP, chars)
    new_event["exceptions"] = [new_exception]
    minimal = _keep(payload, ("apiKey", "payloadVersion", "notifier"))
    minimal["events"] = [new_event]
    return minimal


BUILDERS: Dict[str, Builder] = {"rollbar": _rollbar, "raygun": _raygun, "bugsnag": _bugsnag}
