"""The request data an Event carries to the worker: kept as it was submitted, and checked
to be plain data (what a queue, a pickle or another process could hold)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any, List

from errorwire.core.client import Client
from errorwire.core.event import Request
from errorwire.core.request_copy import RequestCopy, request_of

PLAIN = (str, bytes, int, float, bool, type(None))


def keep_request_copies(client: Client) -> List[Any]:
    """The ``request_copy`` of each event ``client`` submits, as it left the request thread
    (the worker sets it to None once it has built the request block)."""
    copies: List[Any] = []
    submit = client.transport.submit

    def keep(event: Any) -> bool:
        copies.append(event.request_copy)
        return submit(event)

    client.transport.submit = keep  # type: ignore[method-assign]
    return copies


def foreign_parts(value: Any, where: str = "copy", depth: int = 0) -> List[str]:
    """Where ``value`` holds something callable or not errorwire's plain data (a framework
    object, a closure, a bound method): empty when it is plain all the way down."""
    if isinstance(value, PLAIN):
        return []
    if callable(value) or depth > 8:
        return [f"{where}: {type(value).__module__}.{type(value).__qualname__}"]
    named = getattr(value, "_fields", None)  # RequestCopy and AsgiOrigin: named tuples
    if isinstance(value, (list, tuple)) and named is None:
        return [
            p
            for i, item in enumerate(value)
            for p in foreign_parts(item, f"{where}[{i}]", depth + 1)
        ]
    if isinstance(value, dict):
        return [
            p
            for key, item in value.items()
            for p in foreign_parts(key, f"{where} key", depth + 1)
            + foreign_parts(item, f"{where}[{key!r}]", depth + 1)
        ]
    kind = type(value)
    if not kind.__module__.startswith("errorwire.core."):
        return [f"{where}: {kind.__module__}.{kind.__qualname__}"]
    if named is not None:
        names = list(named)
    elif dataclasses.is_dataclass(value):
        names = [f.name for f in dataclasses.fields(value)]
    else:
        names = [n for k in kind.__mro__ for n in getattr(k, "__slots__", ())] or list(vars(value))
    return [
        p
        for name in names
        if hasattr(value, name)
        for p in foreign_parts(getattr(value, name), f"{where}.{name}", depth + 1)
    ]


def assert_plain_request_copy(copied: Any) -> Request:
    """``copied`` is a RequestCopy of plain data that survives a pickle and a deep copy
    unchanged; the request block built from it (on the worker) is returned."""
    assert isinstance(copied, RequestCopy), type(copied)
    assert foreign_parts(copied) == []
    built = request_of(copied)
    assert request_of(pickle.loads(pickle.dumps(copied))) == built
    assert request_of(copy.deepcopy(copied)) == built
    return built
