"""Per-request state in contextvars: request, person, breadcrumbs, route context.

Each integration marks the context as inside one request; anything set in it
(person, breadcrumbs) is seen only by that request, under threads and asyncio
alike. Outside any request, a context's own default scope is used.

The happy path allocates no Scope. An integration hands the core an
``InRequest`` (``enter_request(mark_request((source, handle, origin)))``): the
``handle`` is the request object the framework already made (a WSGI environ, an
ASGI scope dict, a Django request), and its ``source`` (a ``RequestSource``, one
per middleware) makes that request's Scope on first use, keeps it on the handle,
and fills it with what the core asks of a request later: its framework, how to
build its request block, how to find its person. Child tasks and threads that
copied the context find the same Scope through the same handle.
"""

from __future__ import annotations

import contextvars
from collections import deque
from functools import partial
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Protocol,
    Tuple,
    Union,
)

from errorwire.core.event import Breadcrumb, DeferredRequest, Person, Request

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


class Scope:
    """One request's state. Cheap to make: the ring and dicts appear on first use."""

    __slots__ = (
        "_breadcrumbs",
        "_extra",
        "_tags",
        "context",
        "framework",
        "max_breadcrumbs",
        "person",
        "person_loader",
        "request_builder",
        "response_status",
    )

    def __init__(
        self,
        framework: Optional[str] = None,
        request_builder: Optional[Callable[[], Union[Request, DeferredRequest, None]]] = None,
        max_breadcrumbs: Optional[int] = None,
    ) -> None:
        self.framework = framework
        self.request_builder = request_builder
        """Builds the Request snapshot; called only when an error is captured."""
        self.person: Optional[Person] = None
        self.person_loader: Optional[Callable[[], Optional[Person]]] = None
        """Reads the framework's user lazily (no session query on the happy path)."""
        self.context: Optional[str] = None
        self.response_status: Optional[int] = None
        self.max_breadcrumbs = max_breadcrumbs
        self._breadcrumbs: Optional[Deque[Breadcrumb]] = None
        self._tags: Optional[Dict[str, Any]] = None
        self._extra: Optional[Dict[str, Any]] = None

    @property
    def breadcrumbs(self) -> Deque[Breadcrumb]:
        if self._breadcrumbs is None:
            self._breadcrumbs = _new_ring(self.max_breadcrumbs)
        return self._breadcrumbs

    @property
    def tags(self) -> Dict[str, Any]:
        if self._tags is None:
            self._tags = {}
        return self._tags

    @property
    def extra(self) -> Dict[str, Any]:
        if self._extra is None:
            self._extra = {}
        return self._extra

    # What an event takes from the scope, without making the empty ring and dicts.

    def tag_list(self, global_tags: Any) -> List[str]:
        tags = list(global_tags)
        if self._tags:
            tags.extend(f"{k}:{v}" for k, v in self._tags.items())
        return tags

    def merged_extra(self, global_extra: Mapping[str, Any], extra: Any) -> Dict[str, Any]:
        return {**global_extra, **(self._extra or {}), **(extra or {})}

    def last_breadcrumbs(self, count: int) -> List[Breadcrumb]:
        if not self._breadcrumbs:
            return []
        return list(self._breadcrumbs)[-count:] if count > 0 else []


class RequestSource(Protocol):
    """What an integration knows of its requests (one object per middleware or app)."""

    def scope_of(self, request: InRequest) -> Scope:
        """The Scope of ``request``: made on first use (its framework, request builder
        and person loader set), then kept on ``request.handle``."""


class InRequest(NamedTuple):
    """The current request, as an integration hands it to the core."""

    source: RequestSource
    handle: Any
    """The framework's own request object: a WSGI environ, an ASGI scope dict..."""
    origin: Any = None
    """What ``source`` must remember of the request as it came in (ASGI: the root
    path and path, which routing rewrites in the scope dict)."""

    def scope(self) -> Scope:
        return self.source.scope_of(self)


mark_request: Callable[[Tuple[RequestSource, Any, Any]], InRequest] = partial(
    tuple.__new__, InRequest
)
"""``mark_request((source, handle, origin))``: an InRequest made in C. Called once per
request: the generated ``InRequest.__new__`` is a Python frame (~0.1 µs) it skips."""

_current: contextvars.ContextVar[Union[Scope, InRequest]] = contextvars.ContextVar(
    "errorwire_scope"
)
"""The request an integration marked, or a scope made current explicitly (``use_scope``)."""

_outside: contextvars.ContextVar[Scope] = contextvars.ContextVar("errorwire_outside_scope")
"""The scope of code running outside any request, made on first use."""

RequestFinder = Callable[[], Optional[InRequest]]
_finders: List[RequestFinder] = []


def add_request_finder(finder: RequestFinder) -> None:
    """For a framework that already keeps its current request in a context of its own
    (Flask): ``finder()`` gives that request as an InRequest, or None. Consulted only
    when no integration marked a request, so the framework's requests cost nothing."""
    if finder not in _finders:
        _finders.append(finder)


def _found_request() -> Optional[InRequest]:
    for finder in _finders:
        marker = finder()
        if marker is not None:
            return marker
    return None


def current_scope() -> Scope:
    value = _current.get(None)
    if value is None:
        found = _found_request() if _finders else None
        if found is not None:
            return found.source.scope_of(found)
        scope = _outside.get(None)
        if scope is None:
            scope = Scope()
            _outside.set(scope)
        return scope
    if isinstance(value, InRequest):
        return value.source.scope_of(value)
    return value


def in_request() -> Optional[InRequest]:
    """The current request, if an integration marked one or a framework has one."""
    value = _current.get(None)
    if value is None:
        return _found_request() if _finders else None
    return value if isinstance(value, InRequest) else None


def scope_is_set() -> bool:
    """True inside a request or task an integration marked, or a scope made current."""
    return _current.get(None) is not None


enter_request = _current.set
"""``enter_request(request)``: mark the context as inside ``request`` (an InRequest);
``deactivate(token)`` ends it. Integrations call it around every request (and every
step of a streamed response): the bare C method, no Python frame of ours."""


deactivate = _current.reset


class use_scope:
    """``with use_scope(scope):`` makes an existing scope current again for a while
    (a WSGI server iterating a streamed response after the app call returned)."""

    __slots__ = ("_scope", "_token")

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __enter__(self) -> Scope:
        self._token = _current.set(self._scope)
        return self._scope

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._token)


def request_scope(
    framework: Optional[str] = None,
    request_builder: Optional[Callable[[], Union[Request, DeferredRequest, None]]] = None,
    max_breadcrumbs: Optional[int] = None,
) -> use_scope:
    """``with request_scope(...) as scope:`` a fresh scope for one request."""
    return use_scope(Scope(framework, request_builder, max_breadcrumbs))


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
