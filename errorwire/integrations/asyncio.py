"""asyncio: ``errorwire.integrations.asyncio.install(loop=None)``.

Sets the loop's exception handler: every call of it with an exception ("Task
exception was never retrieved", "Exception in callback ...", an error in a
protocol) is reported as unhandled, then the handler that was there before runs
(by default asyncio's own, which logs it). Installing twice keeps one handler.
Nothing of asyncio is patched.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, Optional

from errorwire.core.client import Client, already_reported
from errorwire.core.safety import swallowed_error
from errorwire.integrations.base import HeldClient

Handler = Callable[[asyncio.AbstractEventLoop, Dict[str, Any]], object]


def install(loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
    """Report what reaches ``loop``'s exception handler (default: the running loop)."""
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "errorwire.integrations.asyncio.install() found no running loop: call it "
                "inside one (first thing in the coroutine asyncio.run() runs) or pass loop="
            ) from None
    current = loop.get_exception_handler()
    if isinstance(current, ExceptionHandler):
        current.client()
    else:
        handler = ExceptionHandler(current)
        handler.client()  # now, if the user has not: a bad environment raises here
        loop.set_exception_handler(handler)


class ExceptionHandler:
    """Reports to the client it holds, then calls ``previous`` (or the loop's default
    handler)."""

    __slots__ = ("client", "previous")

    def __init__(self, previous: Optional[Handler]) -> None:
        self.previous = previous
        self.client = HeldClient()

    def __call__(self, loop: asyncio.AbstractEventLoop, context: Dict[str, Any]) -> None:
        try:
            report(context, self.client)
        finally:
            if self.previous is not None:
                self.previous(loop, context)
            else:
                loop.default_exception_handler(context)


def report(context: Dict[str, Any], held: Callable[[], Client]) -> None:
    """Report the exception of one exception-handler call to the client ``held()``, if it
    has one. Never raises."""
    try:
        exc = context.get("exception")
        if not isinstance(exc, BaseException) or already_reported(exc):
            return
        client = held()
        extra = {"asyncio": _describe(context)}
        hint = {"mechanism": "asyncio", "asyncio_context": context}
        task = context.get("task") or context.get("future")
        task_context = getattr(task, "get_context", None)  # Python 3.12+

        def capture() -> None:
            client.capture_exception(exc, handled=False, extra=extra, hint=hint)

        if task_context is None:
            capture()
            return
        try:  # in the task's own context: its request, person and breadcrumbs
            task_context().run(capture)
        except RuntimeError:  # that context is running right now (the task's own call)
            capture()
    except Exception as error:
        swallowed_error("asyncio report", error)


def _describe(context: Dict[str, Any]) -> Dict[str, Any]:
    """The handler call's message and what it is about, as text."""
    described: Dict[str, Any] = {"message": str(context.get("message") or "")}
    task = context.get("task") or context.get("future")
    get_name = getattr(task, "get_name", None)
    if callable(get_name):
        described["task"] = str(get_name())
    coro = getattr(task, "get_coro", lambda: None)()
    name = getattr(coro, "__qualname__", None)
    if isinstance(name, str):
        described["coroutine"] = name
    handle = context.get("handle")
    if handle is not None:
        described["handle"] = repr(handle)[:256]
    return described
