"""Safe, bounded snapshots of frame variables (request thread) and their text (worker).

``snapshot(value)`` runs on the request thread while the frame still lives: builtin
containers become ``Snapshot`` trees (so the scrubber can filter their keys by name
later), anything else its ``repr()`` cut to REPR_MAX characters. It never raises: a
``__repr__`` that raises or recurses gives a placeholder. Objects that would be
evaluated by ``repr()`` (a Django QuerySet runs its query, a lazy object or a proxy
resolves) are named, never looked into. Values are told apart by ``type()`` only:
``isinstance`` reads ``__class__``, which a lazy object resolves.

``render(snapshot)`` runs on the worker, after scrubbing: the repr text again, at
most REPR_MAX characters.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Dict, List, Optional, Tuple

from errorwire.core.event import Snapshot

REPR_MAX = 256
"""Characters of a variable's rendered value."""
MAX_ITEMS = 10
"""Items of one container kept."""
MAX_DEPTH = 3
"""Containers nested deeper are shown by their size only."""
CUT = "…"
_SCALARS = frozenset({int, float, complex, bool, type(None), type(...)})
_SEQUENCES: Dict[Any, str] = {
    list: "list", tuple: "tuple", set: "set", frozenset: "frozenset", deque: "deque"
}  # fmt: skip
_NOT_EVALUATED = {
    ("django.db.models.query", "QuerySet"): "query not run",
    ("django.db.models.query", "RawQuerySet"): "query not run",
    ("django.utils.functional", "LazyObject"): "lazy, not evaluated",
    ("django.utils.functional", "Promise"): "lazy, not evaluated",
    ("werkzeug.local", "LocalProxy"): "proxy, not evaluated",
    ("werkzeug.local", "_ProxyLookup"): "proxy, not evaluated",
    ("sqlalchemy.orm.query", "Query"): "query not run",
}
"""Classes (and their subclasses) whose ``repr()`` would run a query or resolve a lazy
value; matched by module and name, so nothing is imported to check."""


def snapshot(value: Any, depth: int = 0) -> Any:
    """A ``str`` (the safe repr, at most REPR_MAX characters) or a ``Snapshot``."""
    try:
        return _snapshot(value, depth, [REPR_MAX])
    except Exception as error:  # a container changed while read, a hostile type...
        return _placeholder(value, error)


def _snapshot(value: Any, depth: int, budget: List[int]) -> Any:
    """``budget`` holds the characters still worth reading: the rendered text is cut to
    REPR_MAX anyway, so a container stops taking items once it is spent."""
    kind: Any = type(value)
    how = _HOW.get(kind)
    if how is None:
        how = _how(kind)
    if how is _SLICE:
        text = repr(value[: REPR_MAX + 1])
    elif how is _SCALAR:
        text = _scalar(value)
    elif how is _REPR:
        text = _repr(value)
    elif type(how) is tuple:
        return _container(value, how, depth, budget)
    else:
        text = how  # a placeholder: not evaluated
    if len(text) > REPR_MAX:
        text = _cut(text)
    budget[0] -= len(text) + 2
    return text


_SLICE = "slice"
_SCALAR = "scalar"
_REPR = "repr"
_HOW: Dict[Any, Any] = {str: _SLICE, bytes: _SLICE, bytearray: _SLICE}
_HOW.update((kind, _SCALAR) for kind in _SCALARS)
MAX_KNOWN_TYPES = 2048


def _how(kind: Any) -> Any:
    """How values of ``kind`` are read: sliced then repr'd, repr'd, walked as a container
    ((base, subclass name)), or named only (the placeholder). Remembered per type."""
    reason = _not_evaluated(kind)
    if reason is not None:
        how: Any = f"<{_type_name(kind)} ({reason})>"
    else:
        base, name = _container_kind(kind)
        how = _REPR if base is None else (base, name)
    if len(_HOW) >= MAX_KNOWN_TYPES:
        _HOW.clear()
        _HOW.update({str: _SLICE, bytes: _SLICE, bytearray: _SLICE})
        _HOW.update((known, _SCALAR) for known in _SCALARS)
    _HOW[kind] = how
    return how


def _scalar(value: Any) -> str:
    if type(value) is int and value.bit_length() > 4 * REPR_MAX:  # str() of it is slow
        return f"<int of {value.bit_length()} bits>"
    return repr(value)


def _container(
    value: Any, how: Tuple[str, Optional[str]], depth: int, budget: List[int]
) -> Snapshot:
    """A Snapshot of a builtin container (or a subclass not defining its own repr, and any
    dict subclass: Django's QueryDict shows its items like a dict). Read through the
    builtin's own methods: a subclass's overrides are not called."""
    base, name = how
    builtin = _BUILTINS[base]
    size = builtin.__len__(value)
    if depth >= MAX_DEPTH:
        return Snapshot(_KINDS[base], [], name, more=size)
    items: List[Any] = []
    if base == "dict":
        for key, item in dict.items(value):
            if budget[0] <= 0 or len(items) >= MAX_ITEMS:
                break
            items.append((_snapshot(key, depth + 1, budget), _snapshot(item, depth + 1, budget)))
    else:
        for item in builtin.__iter__(value):
            if budget[0] <= 0 or len(items) >= MAX_ITEMS:
                break
            items.append(_snapshot(item, depth + 1, budget))
    budget[0] -= 2
    return Snapshot(_KINDS[base], items, name, size - len(items))


_BUILTINS: Dict[str, Any] = {
    "dict": dict, "list": list, "tuple": tuple, "set": set, "frozenset": frozenset, "deque": deque
}  # fmt: skip
_KINDS = {"dict": "dict", "list": "list", "tuple": "tuple", "set": "set", "frozenset": "frozenset"}
_KINDS["deque"] = "list"  # rendered deque([...])


def _container_kind(kind: Any) -> Tuple[Optional[str], Optional[str]]:
    """(builtin base, the subclass's name or None) for a container type; (None, None) else."""
    if kind in _SEQUENCES:
        return _SEQUENCES[kind], ("deque" if kind is deque else None)
    if kind is dict:
        return "dict", None
    for cls in kind.__mro__[1:]:
        if cls is dict:
            return "dict", _type_name(kind)
        base = _SEQUENCES.get(cls)
        if base is not None:
            # A tuple subclass with its own repr is a namedtuple or alike: its repr names it.
            if cls is tuple and getattr(kind, "__repr__", None) is not tuple.__repr__:
                return None, None
            return base, _type_name(kind)
    return None, None


def _not_evaluated(kind: Any) -> Optional[str]:
    try:
        for cls in kind.__mro__:
            reason = _NOT_EVALUATED.get((cls.__module__, cls.__name__))
            if reason is not None:
                return reason
    except Exception:  # a metaclass with odd attributes: not one of ours
        return None
    return None


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as error:  # raised, or recursed (RecursionError)
        return _placeholder(value, error)
    return text if type(text) is str else _placeholder(value, TypeError())


def _placeholder(value: Any, error: BaseException) -> str:
    return f"<{_type_name(type(value))} object (repr failed: {type(error).__name__})>"


def _type_name(kind: type) -> str:
    try:
        name = type.__dict__["__name__"].__get__(kind)
    except Exception:  # pragma: no cover - every class has one
        name = None
    return name if isinstance(name, str) else "object"


def _cut(text: str, limit: int = REPR_MAX) -> str:
    return text if len(text) <= limit else text[: limit - len(CUT)] + CUT


# -- worker side ----------------------------------------------------------------------

_BRACKETS = {
    "list": ("[", "]"),
    "tuple": ("(", ")"),
    "set": ("{", "}"),
    "frozenset": ("frozenset({", "})"),
    "dict": ("{", "}"),
}


def render(value: Any) -> str:
    """A snapshot's text, like ``repr()`` of the value, at most REPR_MAX characters."""
    parts: List[str] = []
    _render(value, parts, [REPR_MAX + 1])
    return _cut("".join(parts))


def _render(value: Any, parts: List[str], left: List[int]) -> None:
    if left[0] <= 0:
        return
    if not isinstance(value, Snapshot):
        text = value if isinstance(value, str) else str(value)
        parts.append(text)
        left[0] -= len(text)
        return
    opening, closing = _BRACKETS.get(value.kind, ("[", "]"))
    if value.type_name:
        opening, closing = f"{value.type_name}({opening}", f"{closing})"
    if value.kind == "set" and not value.items and not value.more:
        opening, closing = ("set(", ")") if not value.type_name else (opening, closing)
    _emit(opening, parts, left)
    for index, item in enumerate(value.items):
        if index:
            _emit(", ", parts, left)
        if value.kind == "dict" and isinstance(item, tuple) and len(item) == 2:
            _render(item[0], parts, left)
            _emit(": ", parts, left)
            _render(item[1], parts, left)
        else:
            _render(item, parts, left)
        if left[0] <= 0:
            return
    if value.more:
        _emit(f"{', ' if value.items else ''}…{value.more} more", parts, left)
    elif value.kind == "tuple" and len(value.items) == 1 and not value.type_name:
        _emit(",", parts, left)
    _emit(closing, parts, left)


def _emit(text: str, parts: List[str], left: List[int]) -> None:
    parts.append(text)
    left[0] -= len(text)
