"""Small field helpers the three vendor encoders share.

Every helper is total: it returns a usable value or None ("leave the field
out"), and never raises for odd input, so an encoder built on them cannot
fail on a strange event.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, TypeVar

from errorwire.core.event import ExceptionInfo, Frame, FrameVariables, Request
from errorwire.core.safe_repr import render
from errorwire.core.safety import swallowed_error
from errorwire.core.text import header, media_type, utf8_clean

UNKNOWN = "<unknown>"
"""Stands in only where a vendor *requires* a string we do not have."""
MAX_DEPTH = 8
"""Nesting kept when copying user data (extra, JSON bodies): deeper becomes a repr."""
MULTIPART = "multipart/form-data"

T = TypeVar("T")


def guarded(step: str, build: Callable[[], T]) -> Optional[T]:
    """``build()``, or None when it fails: the field is then left out (logged once, counted).
    What ``swallow(step)`` does, without its two calls on every pass (a dozen per vendor)."""
    try:
        return build()
    except Exception as exc:
        swallowed_error(step, exc)
        return None


def safe_str(value: object) -> Optional[str]:
    """``str(value)`` cleaned; None for None, or when ``__str__`` raises or returns a non-str."""
    if value is None:
        return None
    if isinstance(value, str):
        return utf8_clean(value)  # its ASCII check returns value itself, no copy
    try:
        text = str(value)
    except Exception:  # a broken __str__ belongs to the user
        return None
    return utf8_clean(text) if isinstance(text, str) else None


def text(value: object) -> Optional[str]:
    """A non-empty string for an optional field, else None (the field is left out)."""
    if value is None:
        return None
    if type(value) is str and value.isascii():  # the usual case, in one step
        return value or None
    result = safe_str(value)
    return result or None


def cut(value: Optional[str], max_chars: int) -> Optional[str]:
    return None if value is None else value[:max_chars]


def cut_utf8(value: str, max_bytes: int) -> str:
    """At most ``max_bytes`` of UTF-8, cut on a character boundary."""
    value = utf8_clean(value)
    data = value.encode("utf-8")
    if len(data) <= max_bytes:
        return value
    return data[:max_bytes].decode("utf-8", "ignore")


def sha1_hex(value: str) -> str:
    return hashlib.sha1(utf8_clean(value).encode("utf-8"), usedforsecurity=False).hexdigest()


def _utc(timestamp: object) -> Optional[datetime]:
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        return None
    if not math.isfinite(timestamp) or timestamp < 0:
        return None
    try:
        return datetime.fromtimestamp(timestamp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def iso_utc(timestamp: object, *, millis: bool = False) -> Optional[str]:
    """``2026-11-24T13:01:50Z`` (or ``...50.123Z``), or None for an unusable timestamp."""
    moment = _utc(timestamp)
    if moment is None:
        return None
    # isoformat writes what strftime did for the years a timestamp >= 0 reaches, faster;
    # milliseconds are cut, not rounded, as before.
    if millis:
        return moment.isoformat(timespec="milliseconds")[:-6] + "Z"  # less "+00:00"
    return moment.isoformat(timespec="seconds")[:-6] + "Z"


def unix_seconds(timestamp: object) -> Optional[int]:
    return None if _utc(timestamp) is None else int(timestamp)  # type: ignore[call-overload]


def unix_millis(timestamp: object) -> Optional[int]:
    return None if _utc(timestamp) is None else int(timestamp * 1000)  # type: ignore[operator]


def jsonable(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` that ``json.dumps`` accepts: plain types, str keys, finite
    floats, bounded depth (which also ends cycles); anything else becomes its str()."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return utf8_clean(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if depth >= MAX_DEPTH:
        return _repr(value)
    return _jsonable_container(value, depth)


def _jsonable_container(value: Any, depth: int) -> Any:
    """``jsonable`` of a mapping (str keys) or a sequence or set (a list); of anything
    else, its str()."""
    if isinstance(value, Mapping):
        try:
            items = list(value.items())
        except Exception:  # a user mapping whose items() raises
            return _repr(value)
        return {_key(k): jsonable(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item, depth + 1) for item in value]
    return _repr(value)


def _key(key: object) -> str:
    return safe_str(key) or UNKNOWN


def _repr(value: object) -> str:
    result = safe_str(value)
    if result is not None:
        return result
    return f"<{type(value).__name__} object>"


def jsonable_dict(value: object) -> Dict[str, Any]:
    """User data that must be a JSON object: a mapping copied, anything else wrapped."""
    data = jsonable(value)
    if isinstance(data, dict):
        return data
    return {} if data is None else {"value": data}


def with_sections(base: Dict[str, Any], metadata: object) -> Dict[str, Any]:
    """``base`` (custom data) with each metadata section (``add_metadata``) under its
    name; a section named like a key already there is merged into it (its keys win)."""
    if not isinstance(metadata, Mapping):
        return base
    for name, data in metadata.items():
        key = text(name)
        if key is None:
            continue
        section = jsonable_dict(data)
        existing = base.get(key)
        base[key] = {**existing, **section} if isinstance(existing, dict) else section
    return base


def first_name(name: Optional[str]) -> Optional[str]:
    """The first word of a full name (Raygun's ``firstName``)."""
    words = (name or "").split()
    return words[0] if words else None


def str_dict(mapping: object) -> Dict[str, str]:
    """String-to-string copy (headers): keys and values through ``safe_str``."""
    if not isinstance(mapping, Mapping):
        return {}
    result: Dict[str, str] = {}
    for key, value in mapping.items():
        name = safe_str(key)
        if name:
            result[name] = safe_str(value) or ""
    return result


def request_header(request: Request, name: str) -> Optional[str]:
    """A request header by case-insensitive name; None when absent or empty."""
    return header(str_dict(request.headers), name) or None


def request_media_type(request: Request) -> str:
    content_type = safe_str(request.content_type) or request_header(request, "content-type")
    return media_type(content_type)


def body_text(request: Request) -> Optional[str]:
    """The raw body the app read, as text; None when absent or a multipart upload
    (file bytes are not text, and its fields are in ``form``)."""
    body = request.body
    if not isinstance(body, (bytes, bytearray)) or not body:
        return None
    if request_media_type(request) == MULTIPART:
        return None
    return utf8_clean(bytes(body).decode("utf-8", "replace"))


def files(request: Request) -> List[Dict[str, Any]]:
    """Uploaded files described (never their content)."""
    return [
        compact(
            {
                "field": text(item.field),
                "filename": text(item.filename),
                "size": item.size if isinstance(item.size, int) else None,
                "contentType": text(item.content_type),
            }
        )
        for item in request.files
    ]


def compact(fields: Dict[str, Any]) -> Dict[str, Any]:
    """``fields`` without the ones left out: None, empty strings and empty containers."""
    return {
        key: value
        for key, value in fields.items()
        if value is not None and not (isinstance(value, (str, dict, list)) and not value)
    }


def context_lines(frame: Frame) -> Dict[str, str]:
    """``{"41": "line before", "42": "the line", ...}``; empty when the line is unknown."""
    if frame.lineno is None or frame.code is None:
        return {}
    pre = [safe_str(line) or "" for line in frame.pre_context]
    post = [safe_str(line) or "" for line in frame.post_context]
    first = frame.lineno - len(pre)
    lines = [*pre, safe_str(frame.code) or "", *post]
    return {str(first + offset): line for offset, line in enumerate(lines) if first + offset > 0}


def as_int(value: object) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def line_number(frame: Frame, unknown: int) -> int:
    """The frame's line, or ``unknown`` for a vendor that requires one."""
    lineno = as_int(frame.lineno)
    return unknown if lineno is None else lineno


def with_message(record: Dict[str, Any], message: Optional[str]) -> Dict[str, Any]:
    """``record`` with ``message`` as its "message" when it has any text (else left out)."""
    text = safe_str(message) if message is not None else None
    if text:
        record["message"] = text
    return record


OMITTED_VARIABLES = "[truncated]"
"""Key saying how many variables of a frame were left out (the bound per frame)."""


def variables_dict(variables: FrameVariables) -> Dict[str, Any]:
    """A frame's variables as one object, name -> rendered value (``*args`` as a list)."""
    out: Dict[str, Any] = {utf8_clean(str(name)): render(v) for name, v in variables.args.items()}
    if variables.varargs_name is not None and variables.varargs:
        out[f"*{utf8_clean(variables.varargs_name)}"] = [render(v) for v in variables.varargs]
    out.update((utf8_clean(str(name)), render(value)) for name, value in variables.kwargs.items())
    out.update((utf8_clean(str(name)), render(value)) for name, value in variables.locals.items())
    if variables.omitted:
        out[OMITTED_VARIABLES] = f"{variables.omitted} more variables"
    return out


def locals_tab(exceptions: List[ExceptionInfo]) -> Dict[str, Dict[str, Any]]:
    """Custom data for vendors without a place in frames: ``"file:line in function"`` ->
    that frame's variables, innermost frames of each exception first. A frame in several
    exceptions of a chain is shown once; recursion's frames get ``#2``, ``#3``..."""
    tab: Dict[str, Dict[str, Any]] = {}
    for info in exceptions:
        for frame in reversed(info.frames):
            if frame.variables is None:
                continue
            label = f"{text(frame.filename) or UNKNOWN}:{as_int(frame.lineno) or '?'}"
            label += f" in {text(frame.function) or UNKNOWN}"
            values = variables_dict(frame.variables)
            unique, count = label, 1
            while unique in tab and tab[unique] != values:
                count += 1
                unique = f"{label} #{count}"
            tab[unique] = values
    return tab


def exception_details(info: ExceptionInfo) -> Dict[str, Any]:
    """An exception's notes and own attributes (rendered), each left out when empty."""
    return compact(
        {
            "notes": [safe_str(note) or "" for note in info.notes],
            "attributes": {
                utf8_clean(str(name)): render(value) for name, value in info.attributes.items()
            },
        }
    )


def details_tab(exceptions: List[ExceptionInfo]) -> Dict[str, Dict[str, Any]]:
    """Custom data for vendors without a per-exception place: the class name (``#2``...
    for a class seen again in the chain) -> that exception's ``exception_details``."""
    tab: Dict[str, Dict[str, Any]] = {}
    for info in exceptions:
        details = exception_details(info)
        if not details:
            continue
        label = text(info.type_name) or UNKNOWN
        unique, count = label, 1
        while unique in tab:
            count += 1
            unique = f"{label} #{count}"
        tab[unique] = details
    return tab
