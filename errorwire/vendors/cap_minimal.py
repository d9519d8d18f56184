"""The last resort of cap.py: a minimal payload that is still valid for its vendor.

Each vendor module builds its own (``minimal``); this is the loop that shrinks it
until it fits, and the helpers the builders share.

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


Builder = Callable[[Dict[str, Any], int, int], Dict[str, Any]]


def minimal_payload(build: Builder, payload: Dict[str, Any], max_bytes: int) -> Dict[str, Any]:
    """``build(payload, frames, chars)`` (a vendor's ``minimal``) with ever fewer frames
    and characters, until it fits."""
    copy: Any = NOTHING
    candidate = payload
    for frames, chars in SHRINKING:
        candidate = build(payload, frames, chars)
        fitter = Fitter(1024)
        copy, _size = fitter.fit(candidate, max_bytes)
        if copy is not NOTHING and not fitter.budget_cuts:
            return dict(copy)
    # Not even the smallest form fits (a cap below ~1 KB): send that smallest form.
    fitted, _size = Fitter(1024).fit(candidate, 1 << 30)
    return dict(fitted)


def as_dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def first_dict(value: Any) -> Dict[str, Any]:
    return as_dict(value[0]) if isinstance(value, list) and value else {}


def keep(source: Dict[str, Any], keys: Tuple[str, ...], chars: int = 1 << 30) -> Dict[str, Any]:
    """The ``keys`` of ``source``; strings among them cut to ``chars`` (at least 40)."""
    limit = max(40, chars)
    return {
        k: cut_text(source[k], limit) if isinstance(source[k], str) else source[k]
        for k in keys
        if k in source
    }


def cut_text(text: Any, chars: int) -> Optional[str]:
    if not isinstance(text, str):
        return None
    if len(text) <= chars:
        return text
    return text[:chars] + cut_marker(len(text) - chars)


def innermost(frames: Any, count: int, keys: Tuple[str, ...], first: bool) -> List[Any]:
    if not isinstance(frames, list) or count <= 0:
        return []
    chosen = frames[:count] if first else frames[-count:]
    return [keep(frame, keys) for frame in chosen if isinstance(frame, dict)]


def with_message(fields: Dict[str, Any], message: Any, chars: int) -> Dict[str, Any]:
    text = cut_text(message, chars)
    if text:
        fields["message"] = text
    return fields
