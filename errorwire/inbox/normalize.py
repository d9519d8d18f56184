"""Read an accepted vendor payload into the inbox's one report shape, for storage and pages.

A report is a plain dict (it is stored as JSON)::

    {"vendor", "title", "exception_class", "message", "grouping_key", "environment",
     "framework", "level", "occurred_at", "uuid",
     "exceptions": [{"class", "message", "frames": [frame, ...]}],   # outermost first
     "request": {"url", "method", "headers", "query", "form", "body", "client_ip"} | None,
     "person": {"id", "username", "email"} | None,
     "server": {name: value} | None}

Frames are ordered most recent call last (as Python prints them), whatever the
vendor's order: ``{"file", "line", "column", "method", "in_project",
"source": [[lineno, text, is_error_line], ...]}``. The payload was already
validated, but every reader here still tolerates missing or odd fields: the
inbox must show whatever arrived.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from errorwire.inbox.fields import (
    as_dict,
    as_list,
    find_framework,
    framework_from_modules,
    guess_in_project,
    opt_int,
    opt_str,
    tagged,
    without_empty,
)

Report = Dict[str, Any]


def reports_from(vendor: str, payload: Dict[str, Any], headers: Dict[str, str]) -> List[Report]:
    """The reports one accepted payload holds (a Bugsnag payload may hold several events)."""
    if vendor == "rollbar":
        return [_rollbar(payload)]
    if vendor == "raygun":
        return [_raygun(payload)]
    return [_bugsnag_event(payload, as_dict(event)) for event in as_list(payload.get("events"))]


def unreadable(vendor: str, error: Exception) -> Report:
    """A stand-in for a payload the schema accepted but this module could not read:
    the raw payload is still stored and shown."""
    message = f"the inbox could not read this payload ({type(error).__name__}: {error})"
    return _finish(
        {
            "vendor": vendor,
            "exceptions": [],
            "exception_class": None,
            "message": message,
            "request": None,
            "person": None,
            "server": None,
        }
    )


def _frame_row(
    filename: str,
    line: Optional[int],
    column: Optional[int],
    method: Optional[str],
    in_project: bool,
    source: List[List[Any]],
) -> Dict[str, Any]:
    """A frame in the inbox's shape (the module's docstring)."""
    return {
        "file": filename,
        "line": line,
        "column": column,
        "method": method,
        "in_project": in_project,
        "source": source,
    }


def _exception_row(exc: Dict[str, Any], class_key: str, frames: List[Any]) -> Dict[str, Any]:
    """An exception in the inbox's shape; every vendor names its message "message"."""
    return {
        "class": opt_str(exc.get(class_key)),
        "message": opt_str(exc.get("message")),
        "frames": frames,
    }


def _finish(report: Report) -> Report:
    first = report["exceptions"][0] if report["exceptions"] else {}
    report.setdefault("uuid", None)  # Rollbar's alone
    report.setdefault("exception_class", first.get("class"))
    report.setdefault("message", first.get("message"))
    cls, msg = report.get("exception_class"), report.get("message")
    report["title"] = f"{cls}: {msg}" if cls and msg else (cls or msg or "(no message)")
    if not report.get("grouping_key"):
        report["grouping_key"] = f"{cls or ''}|{msg or ''}"
    return report


# -- Rollbar ------------------------------------------------------------------------


def _rollbar(payload: Dict[str, Any]) -> Report:
    data = as_dict(payload.get("data"))
    body = as_dict(data.get("body"))
    root = opt_str(as_dict(data.get("server")).get("root"))
    traces = as_list(body.get("trace_chain")) or ([body["trace"]] if "trace" in body else [])
    exceptions = [_rollbar_trace(as_dict(t), root) for t in traces]
    report: Report = {
        "vendor": "rollbar",
        "uuid": opt_str(data.get("uuid")),
        "grouping_key": opt_str(data.get("fingerprint")),
        "environment": opt_str(data.get("environment")),
        "framework": opt_str(data.get("framework")) or find_framework(data.get("custom")),
        "level": opt_str(data.get("level")),
        "occurred_at": data.get("timestamp"),
        "exceptions": exceptions,
        "request": _rollbar_request(data.get("request")),
        "person": without_empty(as_dict(data.get("person")), ("id", "username", "email")),
        "server": without_empty(as_dict(data.get("server"))),
    }
    if not exceptions:
        message = as_dict(body.get("message"))
        report["exception_class"] = None
        report["message"] = opt_str(message.get("body")) or opt_str(
            as_dict(body.get("crash_report")).get("raw")
        )
    return _finish(report)


def _rollbar_trace(trace: Dict[str, Any], root: Optional[str]) -> Dict[str, Any]:
    exc = as_dict(trace.get("exception"))
    frames: List[Dict[str, Any]] = []
    for raw in as_list(trace.get("frames")):
        frame = as_dict(raw)
        line = opt_int(frame.get("lineno"))
        context = as_dict(frame.get("context"))
        pre = [str(x) for x in as_list(context.get("pre"))]
        post = [str(x) for x in as_list(context.get("post"))]
        code = opt_str(frame.get("code"))
        source: List[List[Any]] = []
        if code is not None:
            start = line - len(pre) if line is not None else None
            lines = [*pre, code, *post]
            for i, text in enumerate(lines):
                number = start + i if start is not None else None
                source.append([number, text, i == len(pre)])
        filename = opt_str(frame.get("filename")) or "?"
        column, method = opt_int(frame.get("colno")), opt_str(frame.get("method"))
        in_project = guess_in_project(filename, root)
        frames.append(_frame_row(filename, line, column, method, in_project, source))
    return _exception_row(exc, "class", frames)


def _rollbar_request(value: Any) -> Optional[Dict[str, Any]]:
    request = as_dict(value)
    if not request:
        return None
    return {
        "url": opt_str(request.get("url")),
        "method": opt_str(request.get("method")),
        "headers": as_dict(request.get("headers")),
        "query": as_dict(request.get("GET")) or opt_str(request.get("query_string")),
        "form": as_dict(request.get("POST")),
        "body": request["json"] if "json" in request else (request.get("body") or None),
        "client_ip": opt_str(request.get("user_ip")),
    }


# -- Raygun -------------------------------------------------------------------------


def _raygun(payload: Dict[str, Any]) -> Report:
    details = as_dict(payload.get("details"))
    custom = as_dict(details.get("userCustomData"))
    tags = [str(t) for t in as_list(details.get("tags"))]
    exceptions: List[Dict[str, Any]] = []
    error: Dict[str, Any] = as_dict(details.get("error"))
    while error and len(exceptions) < 20:
        exceptions.append(_raygun_error(error))
        error = as_dict(error.get("innerError"))
    user = as_dict(details.get("user"))
    person = without_empty(
        {
            "id": opt_str(user.get("identifier")),
            "username": opt_str(user.get("fullName")) or opt_str(user.get("firstName")),
            "email": opt_str(user.get("email")),
        }
    )
    server = without_empty(
        {
            "host": details.get("machineName"),
            "version": details.get("version"),
            **as_dict(details.get("environment")),
        }
    )
    return _finish(
        {
            "vendor": "raygun",
            "grouping_key": opt_str(details.get("groupingKey")),
            "environment": tagged(tags, "environment", "env") or opt_str(custom.get("environment")),
            # Raygun has no framework field: a tag, custom data, else the frames' modules.
            "framework": tagged(tags, "framework")
            or find_framework(custom)
            or framework_from_modules(_raygun_modules(details.get("error"))),
            "level": None,
            "occurred_at": payload.get("occurredOn"),
            "exceptions": exceptions,
            "request": _raygun_request(details.get("request")),
            "person": person,
            "server": server,
        }
    )


def _raygun_modules(error: Any) -> List[str]:
    modules: List[str] = []
    for _ in range(20):
        if not isinstance(error, dict):
            break
        modules += [
            str(as_dict(f).get("className") or "") for f in as_list(error.get("stackTrace"))
        ]
        error = error.get("innerError")
    return modules


def _raygun_error(error: Dict[str, Any]) -> Dict[str, Any]:
    frames: List[Dict[str, Any]] = []
    # Raygun lists the highest frame of the stack first; show most recent call last.
    for raw in reversed(as_list(error.get("stackTrace"))):
        frame = as_dict(raw)
        filename = opt_str(frame.get("fileName")) or opt_str(frame.get("className")) or "?"
        line, column = opt_int(frame.get("lineNumber")), opt_int(frame.get("columnNumber"))
        method, in_project = opt_str(frame.get("methodName")), guess_in_project(filename, None)
        frames.append(_frame_row(filename, line, column, method, in_project, []))
    return _exception_row(error, "className", frames)


def _raygun_request(value: Any) -> Optional[Dict[str, Any]]:
    request = as_dict(value)
    if not request:
        return None
    host = opt_str(request.get("hostName")) or ""
    path = opt_str(request.get("url")) or ""
    if host and "://" not in host:
        host = f"http://{host}"
    return {
        "url": (host + path) if not path.startswith(("http://", "https://")) else path,
        "method": opt_str(request.get("httpMethod")),
        "headers": as_dict(request.get("headers")),
        "query": as_dict(request.get("queryString")),
        "form": as_dict(request.get("form")),
        "body": request.get("rawData"),
        "client_ip": opt_str(request.get("iPAddress")),
    }


# -- Bugsnag ------------------------------------------------------------------------


def _bugsnag_event(payload: Dict[str, Any], event: Dict[str, Any]) -> Report:
    app, device = as_dict(event.get("app")), as_dict(event.get("device"))
    user = as_dict(event.get("user"))
    request = as_dict(event.get("request"))
    meta = as_dict(event.get("metaData"))
    runtimes = as_dict(device.get("runtimeVersions"))
    server = without_empty(
        {
            "host": device.get("hostname"),
            "version": app.get("version"),
            "os": device.get("osName"),
            "os_version": device.get("osVersion"),
            **runtimes,
        }
    )
    return _finish(
        {
            "vendor": "bugsnag",
            "grouping_key": opt_str(event.get("groupingHash")),
            "environment": opt_str(app.get("releaseStage")),
            "framework": opt_str(app.get("type")) or find_framework(meta),
            "level": opt_str(event.get("severity")),
            "occurred_at": device.get("time"),
            "context": opt_str(event.get("context")),
            "exceptions": [
                _bugsnag_exception(as_dict(e)) for e in as_list(event.get("exceptions"))
            ],
            "request": {
                "url": opt_str(request.get("url")),
                "method": opt_str(request.get("httpMethod")),
                "headers": as_dict(request.get("headers")),
                "query": as_dict(as_dict(meta.get("request")).get("query")),
                "form": as_dict(as_dict(meta.get("request")).get("form")),
                "body": _bugsnag_body(as_dict(meta.get("request"))),
                "client_ip": opt_str(request.get("clientIp")),
            }
            if request
            else None,
            "person": without_empty(
                {
                    "id": opt_str(user.get("id")) or opt_str(event.get("userId")),
                    "username": opt_str(user.get("name")),
                    "email": opt_str(user.get("email")),
                }
            ),
            "server": server,
        }
    )


def _bugsnag_exception(exc: Dict[str, Any]) -> Dict[str, Any]:
    frames: List[Dict[str, Any]] = []
    # Bugsnag lists the frame where the error occurred first; show most recent call last.
    for raw in reversed(as_list(exc.get("stacktrace"))):
        frame = as_dict(raw)
        line = opt_int(frame.get("lineNumber"))
        code = as_dict(frame.get("code"))
        source = []
        for number, text in sorted(code.items(), key=lambda kv: opt_int(kv[0]) or 0):
            n = opt_int(number)
            source.append([n, str(text), n is not None and n == line])
        filename = opt_str(frame.get("file")) or "?"
        column, method = opt_int(frame.get("columnNumber")), opt_str(frame.get("method"))
        in_project = frame.get("inProject") is True
        frames.append(_frame_row(filename, line, column, method, in_project, source))
    return _exception_row(exc, "errorClass", frames)


def _bugsnag_body(tab: Dict[str, Any]) -> Any:
    return tab["json"] if "json" in tab else tab.get("body")
