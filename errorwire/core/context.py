"""Per-request state in contextvars: request, person, breadcrumbs, tags, context, metadata.

One word for it: ``RequestState`` (never "Scope": that is the ASGI request dict). A
request is entered with ``enter_request`` and left with ``exit_request``; the public
``errorwire.scope()`` block and the ``current_scope``/``use_scope`` helpers act on the
RequestState that is current.

Each integration marks the context as inside one request; anything set in it
(person, breadcrumbs, tags, context, metadata) is seen only by that request, under
threads and asyncio alike. Job integrations (Celery, RQ...) give each job a RequestState of
its own; ``errorwire.scope()`` and ``errorwire.monitor()`` a copy for one block.
Outside any of those, each thread has its own process-default scope.

The happy path allocates no RequestState. An integration hands the core an
``InRequest``, or on its per-request path the plain tuple of one
(``enter_request((source, handle, origin))``, made into an InRequest only when
something asks for the request): the
``handle`` is the request object the framework already made (a WSGI environ, an
ASGI scope dict, a Django request), and its ``source`` (a ``RequestSource``, one
per middleware) makes that request's RequestState on first use, keeps it on the handle,
and fills it with what the core asks of a request later: its framework, how to
build its request block, how to find its person. Child tasks and threads that
copied the context find the same RequestState through the same handle.
"""

from __future__ import annotations

import contextvars
import time
from collections import deque
from functools import partial
from typing import (
    TYPE_CHECKING,
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

from errorwire.core.event import Breadcrumb, Person, Request
from errorwire.core.request_copy import RequestCopy

if TYPE_CHECKING:
    from errorwire.core.config import Options

PERSON = "person"
CONTEXT = "context"

DEFAULT_MAX_BREADCRUMBS = 100


def _no_client() -> Optional[Options]:
    return None


configured: Callable[[], Optional[Options]] = _no_client
"""The configured client's options (None before ``init()``), read when they are needed:
process-wide hooks (the breadcrumb ring, log records, SQL queries) follow the client
configured now, never a copy made at an earlier ``init()``. api.py points it at its
client once, at import."""


def _ring_size() -> int:
    options = configured()
    return DEFAULT_MAX_BREADCRUMBS if options is None else options.max_breadcrumbs


def _resized(ring: Optional[Deque[Breadcrumb]], size: int) -> Deque[Breadcrumb]:
    # One slot more than a report shows: a log record that becomes a report is
    # also a breadcrumb (for later reports); it must not push out the oldest one
    # its own report shows. The client takes the last ``max_breadcrumbs``.
    return deque(ring or (), maxlen=size + 1)


class RequestState:
    """One request's state. Cheap to make: the ring and dicts appear on first use."""

    __slots__ = (
        "_breadcrumbs",
        "_extra",
        "_set_at",
        "_tags",
        "context",
        "framework",
        "max_breadcrumbs",
        "person",
        "person_loader",
        "request_builder",
        "response_status",
        "sections",
    )

    def __init__(
        self,
        framework: Optional[str] = None,
        request_builder: Optional[Callable[[], Union[Request, RequestCopy, None]]] = None,
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
        self.sections: Optional[Dict[str, Dict[str, Any]]] = None
        """The metadata sections (``add_metadata``); None until the first one."""
        self._set_at: Optional[Dict[Tuple[str, str], float]] = None
        """When the app set each of its values (``set_tag``, ``set_person``...): what a job
        set is told apart from what an earlier job left in the same process (``since``)."""

    @property
    def breadcrumbs(self) -> Deque[Breadcrumb]:
        """The ring, sized by ``max_breadcrumbs`` (else the configured client's, which a
        later ``init()`` may change: a thread's ring outside requests outlives clients)."""
        ring = self._breadcrumbs
        size = self.max_breadcrumbs or _ring_size()
        if ring is None or ring.maxlen != size + 1:
            ring = self._breadcrumbs = _resized(ring, size)
        return ring

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

    @property
    def metadata(self) -> Dict[str, Dict[str, Any]]:
        if self.sections is None:
            self.sections = {}
        return self.sections

    # What the app sets (errorwire.set_tag, set_context, add_metadata, set_person).

    def _stamp(self, kind: str, name: str = "") -> None:
        if self._set_at is None:
            self._set_at = {}
        self._set_at[(kind, name)] = time.time()

    def set_tag(self, key: str, value: Any) -> None:
        self.tags[key] = value
        self._stamp("tag", key)

    def set_context(self, context: Optional[str]) -> None:
        self.context = context
        self._stamp(CONTEXT)

    def add_metadata(self, section: str, data: Any) -> None:
        """Merge ``data`` into the section (a later key wins, as in Bugsnag's addMetadata)."""
        self.metadata[section] = {**self.metadata.get(section, {}), **section_data(data)}
        self._stamp("metadata", section)

    def set_person(self, person: Optional[Person]) -> None:
        self.person = person
        self._stamp(PERSON)

    def fork(self) -> RequestState:
        """A copy for a block of code (``errorwire.scope()``, ``monitor``): what it sets
        stays in it; what was set around it is seen in it."""
        scope = RequestState(self.framework, self.request_builder, self.max_breadcrumbs)
        scope.person = self.person
        scope.person_loader = self.person_loader
        scope.response_status = self.response_status
        scope.context = self.context
        if self._tags:
            scope.tags.update(self._tags)
        if self._extra:
            scope.extra.update(self._extra)
        if self.sections:
            scope.metadata.update((k, dict(v)) for k, v in self.sections.items())
        if self._breadcrumbs:
            scope.breadcrumbs.extend(self._breadcrumbs)
        if self._set_at:
            scope._set_at = dict(self._set_at)
        return scope

    def since(self, moment: Optional[float], framework: Optional[str] = None) -> RequestState:
        """A new RequestState with only what the app set (and the breadcrumbs it left) at or
        after ``moment`` (all of it when None): a job's own, in a process that ran
        other jobs before (RQ's SimpleWorker, a work horse forked from its worker)."""
        scope = RequestState(framework, max_breadcrumbs=self.max_breadcrumbs)
        set_at = self._set_at or {}

        def fresh(kind: str, name: str = "") -> bool:
            when = set_at.get((kind, name))
            return moment is None or (when is not None and when >= moment)

        if fresh(PERSON):
            scope.person = self.person
        if fresh(CONTEXT):
            scope.context = self.context
        for key, value in (self._tags or {}).items():
            if fresh("tag", key):
                scope.tags[key] = value
        for section, data in (self.sections or {}).items():
            if fresh("metadata", section):
                scope.metadata[section] = dict(data)
        for crumb in self._breadcrumbs or ():
            if moment is None or crumb.timestamp >= moment:
                scope.breadcrumbs.append(crumb)
        return scope

    # What an event takes from the scope, without making the empty ring and dicts.

    def tag_list(self, global_tags: Any) -> List[str]:
        tags = list(global_tags)
        if self._tags:
            tags.extend(f"{k}:{v}" for k, v in self._tags.items())
        return tags

    def merged_extra(self, global_extra: Mapping[str, Any], extra: Any) -> Dict[str, Any]:
        return {**global_extra, **(self._extra or {}), **(extra or {})}

    def merged_metadata(self, metadata: Optional[Mapping[str, Any]]) -> Dict[str, Dict[str, Any]]:
        """The scope's sections, each merged with the one of the same name in ``metadata``
        (one call's ``capture_exception(metadata=...)``): copies, safe to hand to the worker."""
        merged = {name: dict(data) for name, data in (self.sections or {}).items()}
        for name, data in (metadata or {}).items():
            merged[str(name)] = {**merged.get(str(name), {}), **section_data(data)}
        return merged

    def last_breadcrumbs(self, count: int) -> List[Breadcrumb]:
        if not self._breadcrumbs:
            return []
        return list(self._breadcrumbs)[-count:] if count > 0 else []


class RequestSource(Protocol):
    """What an integration knows of its requests (one object per middleware or app)."""

    def state_of(self, request: InRequest) -> RequestState:
        """The RequestState of ``request``: made on first use (its framework, request builder
        and person loader set), then kept on ``request.handle``."""


class InRequest(NamedTuple):
    """The current request, as an integration hands it to the core."""

    source: RequestSource
    handle: Any
    """The framework's own request object: a WSGI environ, an ASGI scope dict..."""
    origin: Any = None
    """What ``source`` must remember of the request as it came in (ASGI: the root
    path and path, which routing rewrites in the scope dict)."""

    def state(self) -> RequestState:
        return self.source.state_of(self)


mark_request: Callable[[Tuple[RequestSource, Any, Any]], InRequest] = partial(
    tuple.__new__, InRequest
)
"""``mark_request((source, handle, origin))``: an InRequest made in C. Called once per
request: the generated ``InRequest.__new__`` is a Python frame (~0.1 µs) it skips."""

Marked = Union[InRequest, Tuple[RequestSource, Any, Any], Tuple[RequestSource, Any, Any, Any]]
"""A marked request: an InRequest, or the plain ``(source, handle, origin)`` tuple of one
(a tuple subclass costs a C call and two allocations per request; a plain tuple, none),
or ``(source, handle, *origin)`` with an origin of two parts (the ASGI middleware's root
path and path: one tuple per request, not two)."""

_current: contextvars.ContextVar[Union[RequestState, Marked]] = contextvars.ContextVar(
    "errorwire_scope"
)
"""The request an integration marked, or a scope made current explicitly (``use_scope``)."""

_outside: contextvars.ContextVar[RequestState] = contextvars.ContextVar("errorwire_outside_scope")
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


def current_scope() -> RequestState:
    value = _current.get(None)
    if value is None:
        found = _found_request() if _finders else None
        if found is not None:
            return found.source.state_of(found)
        scope = _outside.get(None)
        if scope is None:
            scope = RequestState()
            _outside.set(scope)
        return scope
    if isinstance(value, RequestState):
        return value
    marked = _as_in_request(value)
    return marked.source.state_of(marked)


def _as_in_request(marked: Marked) -> InRequest:
    if isinstance(marked, InRequest):
        return marked
    if len(marked) == 3:
        return InRequest(*marked)
    return InRequest(marked[0], marked[1], marked[2:])


def in_request() -> Optional[InRequest]:
    """The current request, if an integration marked one or a framework has one."""
    value = _current.get(None)
    if value is None:
        return _found_request() if _finders else None
    return None if isinstance(value, RequestState) else _as_in_request(value)


def scope_is_set() -> bool:
    """True inside a request or task an integration marked, or a scope made current."""
    return _current.get(None) is not None


enter_request = _current.set
"""``enter_request(request)``: mark the context as inside ``request`` (an InRequest, or
its plain ``(source, handle, origin)`` tuple);
``exit_request(token)`` ends it. Integrations call it around every request (and every
step of a streamed response): the bare C method, no Python frame of ours."""


exit_request = _current.reset


class use_scope:
    """``with use_scope(scope):`` makes an existing scope current again for a while
    (a WSGI server iterating a streamed response after the app call returned)."""

    __slots__ = ("_scope", "_token")

    def __init__(self, scope: RequestState) -> None:
        self._scope = scope

    def __enter__(self) -> RequestState:
        self._token = _current.set(self._scope)
        return self._scope

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._token)


def request_scope(
    framework: Optional[str] = None,
    request_builder: Optional[Callable[[], Union[Request, RequestCopy, None]]] = None,
    max_breadcrumbs: Optional[int] = None,
) -> use_scope:
    """``with request_scope(...) as scope:`` a fresh scope for one request."""
    return use_scope(RequestState(framework, request_builder, max_breadcrumbs))


def section_data(data: Any) -> Dict[str, Any]:
    """A metadata section as a dict: a mapping copied, any other value as ``{"value": ...}``."""
    if isinstance(data, Mapping):
        return dict(data)
    return {"value": data}


def add_breadcrumb(breadcrumb: Breadcrumb) -> None:
    current_scope().breadcrumbs.append(breadcrumb)
