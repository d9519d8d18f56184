"""What a report's page shows beyond the normalized report, read from the raw payload
at page time: breadcrumbs, tags, context, metadata sections, frame locals, notes.

Each vendor keeps them in its own place (errorwire's encoders: vendors/*.py):
Rollbar ``data.context`` and ``data.custom`` (breadcrumbs and tags live there, locals
in each frame); Raygun ``details.breadcrumbs``, ``details.tags``, ``userCustomData``
(locals under ``locals``); Bugsnag ``events[0].context``, ``breadcrumbs`` and the
``metaData`` tabs (``tags``, ``locals``). Notes are errorwire's own remarks about a
report (keys named ``errorwire...``: a storm summary, what the size cap left out).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from errorwire.inbox.fields import as_dict, as_list, opt_str

Details = Dict[str, Any]


def version_of(vendor: str, raw: Dict[str, Any]) -> Optional[str]:
    """The app version (code_version) a payload carries."""
    if vendor == "rollbar":
        data = as_dict(raw.get("data"))
        return opt_str(data.get("code_version")) or opt_str(
            as_dict(data.get("server")).get("code_version")
        )
    if vendor == "raygun":
        return opt_str(as_dict(raw.get("details")).get("version"))
    event = as_dict((as_list(raw.get("events")) or [{}])[0])
    return opt_str(as_dict(event.get("app")).get("version"))


def _crumb(message: Any, category: Any, level: Any, at: Any, data: Any) -> Dict[str, Any]:
    return {
        "message": opt_str(message) or "",
        "category": opt_str(category),
        "level": opt_str(level),
        "at": at,
        "data": as_dict(data),
    }


def _notes(sections: Dict[str, Any]) -> Dict[str, Any]:
    notes: Dict[str, Any] = {}
    for name, value in sections.items():
        if name.lower().startswith("errorwire"):
            notes[name] = value
        elif isinstance(value, dict):
            notes.update({k: v for k, v in value.items() if str(k).lower().startswith("errorwire")})
    return notes


def _rollbar(raw: Dict[str, Any]) -> Details:
    data = as_dict(raw.get("data"))
    custom = dict(as_dict(data.get("custom")))
    crumbs = [
        _crumb(
            c.get("message"), c.get("category"), c.get("level"), c.get("timestamp"), c.get("data")
        )
        for c in map(as_dict, as_list(custom.pop("breadcrumbs", None)))
    ]
    tags = [str(t) for t in as_list(custom.pop("tags", None))]
    notes = {
        **_notes(custom),
        **({"diagnostic": d} if (d := as_dict(data.get("notifier")).get("diagnostic")) else {}),
    }
    return {
        "context": opt_str(data.get("context")),
        "breadcrumbs": crumbs,
        "tags": tags,
        "metadata": {"custom": custom} if custom else {},
        "locals": _rollbar_locals(as_dict(data.get("body"))),
        "notes": notes,
    }


def _rollbar_locals(body: Dict[str, Any]) -> Dict[str, Any]:
    """Each frame's arguments and locals, by "file:line in function"."""
    traces = as_list(body.get("trace_chain")) or ([body["trace"]] if "trace" in body else [])
    frame_locals: Dict[str, Any] = {}
    for trace in map(as_dict, traces):
        for frame in map(as_dict, as_list(trace.get("frames"))):
            values = {**as_dict(frame.get("kwargs")), **as_dict(frame.get("locals"))}
            for position, value in enumerate(as_list(frame.get("args"))):
                values.setdefault(f"arg{position}", value)
            if values:
                label = f"{frame.get('filename')}:{frame.get('lineno')} in {frame.get('method')}"
                frame_locals[label] = values
    return frame_locals


def _raygun(raw: Dict[str, Any]) -> Details:
    details = as_dict(raw.get("details"))
    custom = dict(as_dict(details.get("userCustomData")))
    frame_locals = as_dict(custom.pop("locals", None))
    crumbs = [
        _crumb(
            c.get("message"),
            c.get("category"),
            c.get("level"),
            c.get("timestamp"),
            c.get("customData"),
        )
        for c in map(as_dict, as_list(details.get("breadcrumbs")))
    ]
    return {
        "context": None,
        "breadcrumbs": crumbs,
        "tags": [str(t) for t in as_list(details.get("tags"))],
        "metadata": {"userCustomData": custom} if custom else {},
        "locals": dict(frame_locals),
        "notes": _notes(custom),
    }


def _bugsnag(raw: Dict[str, Any]) -> Details:
    event = as_dict((as_list(raw.get("events")) or [{}])[0])
    meta = dict(as_dict(event.get("metaData")))
    tags_tab = as_dict(meta.pop("tags", None))
    frame_locals = as_dict(meta.pop("locals", None))
    tags = [name if value is True else f"{name}:{value}" for name, value in tags_tab.items()]
    crumbs = [
        _crumb(c.get("name"), c.get("type"), None, c.get("timestamp"), c.get("metaData"))
        for c in map(as_dict, as_list(event.get("breadcrumbs")))
    ]
    session = as_dict(event.get("session"))
    notes = _notes(meta)
    if session:
        notes["session"] = session
    return {
        "context": opt_str(event.get("context")),
        "breadcrumbs": crumbs,
        "tags": tags,
        "metadata": meta,
        "locals": dict(frame_locals),
        "notes": notes,
    }


def details_of(vendor: str, raw: Dict[str, Any]) -> Details:
    """Never raises for an odd payload: what cannot be read is left out."""
    try:
        reader = {"rollbar": _rollbar, "raygun": _raygun}.get(vendor, _bugsnag)
        return reader(raw)
    except Exception:  # the page must show whatever arrived
        return {
            "context": None,
            "breadcrumbs": [],
            "tags": [],
            "metadata": {},
            "locals": {},
            "notes": {},
        }
