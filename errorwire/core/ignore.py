"""Which exceptions are never reported: the user's list plus the usual non-errors.

Rules match along ``type(exc).__mro__`` (as starlette's exception handlers do), so
ignoring a base class ignores its subclasses. A name matches a class by its
short name (``"Http404"``) or its dotted one (``"django.http.response.Http404"``).
"""

from __future__ import annotations

from asyncio import CancelledError
from typing import Dict, FrozenSet, Iterable, Optional, Set, Tuple, Union

from errorwire.core.text import dotted_name

DEFAULT_IGNORED_NAMES = (
    # Not errors of the app: the process is asked to stop, a generator is closed,
    # an ASGI request task is cancelled because the client went away.
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "asyncio.exceptions.CancelledError",
    # Client mistakes the frameworks answer with a 4xx response.
    "django.http.response.Http404",
    "django.core.exceptions.PermissionDenied",
    "django.core.exceptions.BadRequest",
    "django.core.exceptions.SuspiciousOperation",
    "django.http.request.UnreadablePostError",
    # The client disconnected mid-request (or closed its websocket).
    "starlette.requests.ClientDisconnect",
    "starlette.websockets.WebSocketDisconnect",
    "uvicorn.protocols.utils.ClientDisconnected",
    "werkzeug.exceptions.ClientDisconnected",
)
NOT_APP_ERRORS: Tuple[type, ...] = (KeyboardInterrupt, SystemExit, GeneratorExit, CancelledError)
"""What stops a process, a generator or a task: the integrations let these pass
unreported. Every other BaseException subclass escaping an app is reported alike."""
HTTP_ERROR_CLASSES = (
    "werkzeug.exceptions.HTTPException",
    "starlette.exceptions.HTTPException",
    "fastapi.exceptions.HTTPException",
)
"""HTTP exceptions: ignored by default when their status is below 500."""


def http_status(exc: BaseException) -> Optional[int]:
    """The HTTP status an exception stands for (werkzeug ``code``, starlette ``status_code``)."""
    for attr in ("status_code", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


MAX_CACHED_TYPES = 1024
_IGNORE, _REPORT, _HTTP = object(), object(), object()
"""Per exception class: ignored, reported, or decided by its HTTP status."""


class IgnoreRules:
    def __init__(self, ignore: Iterable[Union[type, str]], use_defaults: bool = True) -> None:
        self._verdicts: Dict[type, object] = {}
        self.always_reported: Set[type] = set()
        """Classes reported whatever the instance (no rule, no HTTP status): a set
        lookup on an error storm's path instead of a call."""
        items = tuple(ignore)
        self.classes: Tuple[type, ...] = tuple(item for item in items if isinstance(item, type))
        self.names: FrozenSet[str] = frozenset(item for item in items if isinstance(item, str))
        self.use_defaults = use_defaults
        self.default_names: FrozenSet[str] = (
            frozenset(DEFAULT_IGNORED_NAMES) if use_defaults else frozenset()
        )

    def matches(self, exc: BaseException) -> bool:
        """True when ``exc`` must not be reported."""
        cls = type(exc)
        try:
            verdict = self._verdicts.get(cls)
        except Exception:  # a metaclass whose __hash__ raises: decided, never cached
            verdict = self._verdict(cls)
        if verdict is None:
            verdict = self._verdict(cls)
            if len(self._verdicts) >= MAX_CACHED_TYPES:
                self._verdicts.clear()
                self.always_reported.clear()
            self._verdicts[cls] = verdict
            if verdict is _REPORT:
                self.always_reported.add(cls)
        if verdict is _HTTP:
            status = http_status(exc)
            # A werkzeug HTTPException without a code is not an HTTP answer yet: report it.
            return status is not None and status < 500
        return verdict is _IGNORE

    def _verdict(self, exc_type: type) -> object:
        """What the class alone decides (the rules never change after init)."""
        if self.classes and issubclass(exc_type, self.classes):
            return _IGNORE
        http_class = False
        for cls in exc_type.__mro__:
            dotted = dotted_name(cls)
            if cls.__name__ in self.names or dotted in self.names:
                return _IGNORE
            if dotted in self.default_names:
                return _IGNORE
            http_class = http_class or dotted in HTTP_ERROR_CLASSES
        return _HTTP if self.use_defaults and http_class else _REPORT
