"""``errorwire.monitor(name)``: one block of code (a cron job, a script, a worker loop).

As a decorator (sync and async functions) or a context manager (``with`` and
``async with``): an exception escaping the block is reported with ``name`` as its
context (Rollbar and Bugsnag ``context``, and the tag ``monitor:<name>``, which
Raygun shows), then re-raised unchanged. Nothing escapes: nothing is sent.

The report is unhandled (Bugsnag ``unhandled``, severity reason
``unhandledException``): the monitor only watches, the exception goes on up, as
with Sentry's cron monitors, where the exception is reported by whatever sees it
uncaught. Once reported here it is not reported again by an excepthook or a
framework integration above.

The block runs in a scope of its own, a copy of the one around it (the request,
person, breadcrumbs, tags and extra data so far): breadcrumbs and a person set
inside it go with its report and do not leak out of it.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from errorwire.core.client import already_reported
from errorwire.core.config import ConfigError
from errorwire.core.context import RequestState, current_scope, use_scope
from errorwire.core.safety import swallowed_error
from errorwire.core.scoped_block import ScopedBlock

TAG = "monitor"


class monitor(ScopedBlock):
    """``@errorwire.monitor("nightly-import")`` or ``with errorwire.monitor("nightly-import"):``."""

    __slots__ = ("_blocks", "name")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"monitor name must be a non-empty string, got {name!r}")
        self.name = name
        self._blocks: List[use_scope] = []
        """The scopes of the blocks entered and not left, innermost last (one monitor
        object may be entered again inside itself)."""

    def again(self) -> monitor:
        return monitor(self.name)

    def refusal(self, func: Callable[..., Any]) -> str:
        return (
            f"errorwire.monitor({self.name!r}) cannot watch the generator function "
            f"{getattr(func, '__qualname__', func)!r}: use `with errorwire.monitor(...)` "
            "inside it, or around the loop that consumes it"
        )

    def __enter__(self) -> RequestState:
        block = use_scope(_fork(current_scope(), self.name))
        scope = block.__enter__()
        self._blocks.append(block)
        return scope

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        """Report what escapes; returning None re-raises it, unchanged."""
        block = self._blocks.pop()
        try:
            if exc is not None:
                _report(exc)  # while the block's scope is still the current one
        finally:
            block.__exit__(exc_type, exc, tb)


def _fork(outer: RequestState, name: str) -> RequestState:
    """A copy of ``outer`` for the block, with ``name`` as its context and tag."""
    scope = outer.fork()
    scope.context = name
    scope.tags[TAG] = name
    return scope


def _report(exc: BaseException) -> None:
    from errorwire.api import ensure_client  # the api imports this module

    try:
        if already_reported(exc):  # a monitor inside this one reported it
            return
        ensure_client().capture_exception(exc, handled=False, hint={"mechanism": "monitor"})
    except Exception as error:
        swallowed_error("monitor report", error)
