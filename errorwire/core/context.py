"""Per-request state in contextvars: request, person, breadcrumbs, route context.

Each integration opens a ``request_scope`` around one request; anything set in
it (person, breadcrumbs) is seen only by that request, under threads and
asyncio alike. Outside any request, a context's own default scope is used.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, Iterator, Optional

from errorwire.core.event import Breadcrumb, Person, Request

DEFAULT_MAX_BREADCRUMBS = 100
_max_breadcrumbs = DEFAULT_MAX_BREADCRUMBS


def configure(max_breadcrumbs: int) -> None:
    """Set the ring size of scopes made from now on (``init(max_breadcrumbs=...)``)."""
    global _max_breadcrumbs
    _max_breadcrumbs = max_breadcrumbs


def _new_ring(size: Optional[int] = None) -> Deque[Breadcrumb]:
    # One slot more than a report shows: a log record that becomes a report is
    # also a breadcrumb (for later reports); it must not push out the oldest one
    # its own report shows. The client takes the last ``max_breadcrumbs``.
    return deque(maxlen=(size or _max_breadcrumbs) + 1)


@dataclass
class Scope:
    framework: Optional[str] = None
    request_builder: Optional[Callable[[], Optional[Request]]] = None
    """Builds the Request snapshot; called only when an error is captured."""
    person: Optional[Person] = None
    person_loader: Optional[Callable[[], Optional[Person]]] = None
    """Reads the framework's user lazily (no session query on the happy path)."""
    context: Optional[str] = None
    response_status: Optional[int] = None
    breadcrumbs: Deque[Breadcrumb] = field(default_factory=_new_ring)
    tags: Dict[str, Any] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)


_current: contextvars.ContextVar[Scope] = contextvars.ContextVar("errorwire_scope")


def current_scope() -> Scope:
    try:
        return _current.get()
    except LookupError:
        scope = Scope()
        _current.set(scope)
        return scope


@contextlib.contextmanager
def request_scope(
    framework: Optional[str] = None,
    request_builder: Optional[Callable[[], Optional[Request]]] = None,
    max_breadcrumbs: Optional[int] = None,
) -> Iterator[Scope]:
    """A fresh scope for one request, restored to the outer one afterwards."""
    scope = Scope(
        framework=framework,
        request_builder=request_builder,
        breadcrumbs=_new_ring(max_breadcrumbs),
    )
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


@contextlib.contextmanager
def use_scope(scope: Scope) -> Iterator[Scope]:
    """Make an existing request's scope current again for a while (a WSGI server
    iterating a streamed response after the app call returned), then restore."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def set_person(
    id: Optional[object] = None,
    username: Optional[str] = None,
    email: Optional[str] = None,
) -> None:
    current_scope().person = Person(
        id=None if id is None else str(id), username=username, email=email
    )


def add_breadcrumb(breadcrumb: Breadcrumb) -> None:
    current_scope().breadcrumbs.append(breadcrumb)
