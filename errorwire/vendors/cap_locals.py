"""The cap's first step: frame variables (``include_locals``) go before anything else.

A payload over the cap loses its frame variables first: when the rest fits, as many
of them are put back as the room left allows (the innermost frames' first); when it
does not, the rest is shrunk by cap.py's steps without any of them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from errorwire.vendors.base import to_json
from errorwire.vendors.cap_fit import str_size
from errorwire.vendors.cap_layout import Layout, Path, exists, get

Unit = Tuple[Path, str]


def cut_locals(
    layout: Layout, payload: Dict[str, Any], max_bytes: int, may_fit: Any
) -> Tuple[Dict[str, Any], Optional[bytes]]:
    """(the payload without frame variables, the capped body when that is all it took).

    ``may_fit(payload, max_bytes)`` tells cheaply whether encoding it is worth trying.
    """
    units = [(path, key) for path, key in layout.locals(payload) if exists(payload, (*path, key))]
    if not units:
        return payload, None
    stripped = _copy_along(payload, {path for path, _key in units})
    taken: List[Tuple[Unit, Any]] = []
    for path, key in units:
        taken.append(((path, key), get(stripped, path).pop(key)))
    emptied = _drop_emptied(stripped, units)
    if not may_fit(stripped, max_bytes):
        return stripped, None
    return stripped, _body_with_some_back(stripped, taken, emptied, max_bytes)


def _body_with_some_back(
    stripped: Dict[str, Any], taken: List[Tuple[Unit, Any]], emptied: Set[Path], max_bytes: int
) -> Optional[bytes]:
    """The JSON of ``stripped`` with the frame variables that fit put back; None when even
    without any it is over ``max_bytes`` (or cannot be encoded)."""
    try:
        body = to_json(stripped)
    except (TypeError, ValueError, RecursionError):
        return None
    room = max_bytes - len(body)
    if room < 0:
        return None
    kept = _put_back(stripped, taken, emptied, room)
    if kept:
        whole = to_json(kept)
        if len(whole) <= max_bytes:
            return whole
    return body


def _put_back(
    stripped: Dict[str, Any], taken: List[Tuple[Unit, Any]], emptied: Set[Path], room: int
) -> Optional[Dict[str, Any]]:
    """A copy of ``stripped`` with the units that fit ``room`` back, in order; None if none."""
    chosen: List[Tuple[Unit, Any]] = []
    reopened: Set[Path] = set()
    for (path, key), value in taken:
        cost = str_size(key) + 2 + len(to_json(value))  # "key":value plus a comma
        if path in emptied and path not in reopened:
            cost += str_size(str(path[-1])) + 4  # the dict itself: ,"name":{}
        if cost > room:
            continue
        room -= cost
        reopened.add(path)
        chosen.append(((path, key), value))
    if not chosen:
        return None
    kept = _copy_along(stripped, {path[:-1] if path in emptied else path for path in reopened})
    for path in reopened & emptied:
        get(kept, path[:-1])[path[-1]] = {}
    for (path, key), value in chosen:
        get(kept, path)[key] = value
    return kept


def _drop_emptied(root: Dict[str, Any], units: List[Unit]) -> Set[Path]:
    """Remove the dicts the units left empty (a custom-data object of frame variables)."""
    emptied: Set[Path] = set()
    for path in {path for path, _key in units}:
        if path and not get(root, path):
            del get(root, path[:-1])[path[-1]]
            emptied.add(path)
    return emptied


def _copy_along(root: Dict[str, Any], paths: Set[Path]) -> Dict[str, Any]:
    """A copy of ``root`` where every container on ``paths`` (and at their ends) is a copy
    too; the rest is shared. The payload given to cap() is never mutated."""
    copies: Dict[Path, Any] = {(): dict(root)}
    for path in sorted(paths, key=len):
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix in copies:
                continue
            parent = copies[prefix[:-1]]
            node = parent[prefix[-1]]
            copy: Any = dict(node) if isinstance(node, dict) else list(node)
            parent[prefix[-1]] = copy
            copies[prefix] = copy
    result: Dict[str, Any] = copies[()]
    return result
