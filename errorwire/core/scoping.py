"""What the app says about the work in hand: ``set_tag``, ``set_tags``, ``set_context``,
``add_metadata`` and ``scope()``.

Each acts on the current scope (core/context.py): the request's, the job's, the
monitor's or ``scope()`` block's, the asyncio task's (a task shares the scope it was
created in); outside any of those, the thread's process-default scope. Nothing set
in one request is seen by another. Values are kept as given and go through the same
scrubbing and size cap as the rest of the report when one is made.

Never raises into the app: a tag or section that cannot be recorded is logged once
and counted, like any other internal failure.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Callable, List, Mapping, NamedTuple, Optional, Type

from errorwire.core.context import RequestState, current_scope, section_data, use_scope
from errorwire.core.event import Event, Frame
from errorwire.core.safety import swallow
from errorwire.core.scoped_block import ScopedBlock


def set_tag(key: str, value: Any) -> None:
    """Tag the reports of the current scope: ``key:value`` (Raygun tags, Rollbar
    ``custom.tags``, Bugsnag's ``tags`` tab)."""
    with swallow("set_tag"):
        current_scope().set_tag(str(key), value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """``set_tag`` for each item of ``tags``."""
    with swallow("set_tags"):
        scope = current_scope()
        for key, value in tags.items():
            scope.set_tag(str(key), value)


def set_context(context: Optional[str]) -> None:
    """Where the app is (``"checkout#pay"``): Rollbar and Bugsnag ``context``, Raygun's
    ``context:`` tag. Wins over the route template, task or monitor name; None
    gives them back."""
    with swallow("set_context"):
        current_scope().set_context(None if context is None else str(context))


def add_metadata(section: str, data: Mapping[str, Any]) -> None:
    """Merge ``data`` into the named section of the current scope's reports (Bugsnag's
    metaData tab ``section``, Rollbar ``custom[section]``, Raygun
    ``userCustomData[section]``)."""
    with swallow("add_metadata"):
        current_scope().add_metadata(str(section), data)


class About(NamedTuple):
    """What one ``capture_exception`` / ``capture_message`` call adds to its report, over
    the scope's: tags (same key: the call's wins), context, metadata sections (merged);
    a message's stack (a log record's ``stack_info``)."""

    tags: Optional[Mapping[str, Any]] = None
    context: Optional[str] = None
    metadata: Optional[Mapping[str, Any]] = None
    frames: Optional[List[Frame]] = None

    def apply(self, event: Event) -> None:
        if self.tags:
            keys = {f"{key}:" for key in self.tags}
            event.tags = [t for t in event.tags if not str(t).startswith(tuple(keys))]
            event.tags.extend(f"{key}:{value}" for key, value in self.tags.items())
        if self.context is not None:
            event.context = str(self.context)
        for name, data in (self.metadata or {}).items():
            event.metadata[str(name)] = {**event.metadata.get(str(name), {}), **section_data(data)}
        if self.frames and not event.exceptions:
            event.message_frames = list(self.frames)


class scope(ScopedBlock):
    """``with errorwire.scope():`` or ``@errorwire.scope()``: a copy of the current scope
    for a block of code (sync or async function). What the block sets (tags, context,
    metadata, person, breadcrumbs) goes with the reports made inside it and is gone
    after it; what was set around it is seen inside it."""

    __slots__ = ("_blocks",)

    def __init__(self) -> None:
        self._blocks: List[use_scope] = []
        """The blocks entered and not left, innermost last (one object may be re-entered)."""

    def again(self) -> scope:
        return scope()

    def refusal(self, func: Callable[..., Any]) -> str:
        return (
            f"errorwire.scope() cannot wrap the generator function "
            f"{getattr(func, '__qualname__', func)!r}: use `with errorwire.scope():` inside it"
        )

    def __enter__(self) -> RequestState:
        block = use_scope(current_scope().fork())
        self._blocks.append(block)
        return block.__enter__()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._blocks.pop().__exit__(exc_type, exc, tb)


def describe(
    event: Event,
    about: Optional[About],
    severity_reason: Optional[str],
    level: Optional[str],
    logger_name: Optional[str],
) -> None:
    """What the caller of ``capture_*`` told about this one report: its tags, context and
    metadata, why it was sent (a level the caller chose is ``userSpecifiedSeverity``)."""
    if about is not None:
        about.apply(event)
    if severity_reason is None and level is not None and event.handled:
        severity_reason = "userSpecifiedSeverity"
    event.severity_reason = severity_reason or event.severity_reason
    event.logger_name = logger_name
