"""AWS Lambda.

    @errorwire.integrations.aws_lambda.wrap
    def handler(event, context): ...

    @errorwire.integrations.aws_lambda.wrap(timeout_warning=None)  # no timeout warning
    async def handler(event, context): ...

An error escaping the handler is reported as unhandled, then re-raised unchanged
(Lambda records the invocation as failed, as without errorwire). The report's
context is the function name; its custom data ``lambda`` holds the function name and
version, request id, remaining time when it failed, cold start, the event's source
and the log group and stream. An HTTP event (API Gateway REST and HTTP APIs, function
URLs, ALB) is the report's request, scrubbed like any request.

Lambda freezes the process once the handler returns: the handler flushes what it
reported before it returns or raises, for at most ``flush_timeout`` seconds (default:
``shutdown_timeout``) and never past the invocation's deadline. ``timeout_warning``
seconds before the deadline (default 1.5; None turns it off) a warning report says
the function is about to time out, with the stack its thread was running then.

Lambda calls handlers synchronously: an ``async def`` handler is run to completion
on an event loop errorwire keeps for the process (a warm invocation reuses it, as it
reuses connections made by earlier ones).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import time
from typing import Any, Callable, Dict, Optional, TypeVar, Union, cast, overload

from errorwire import api
from errorwire.core.context import RequestState
from errorwire.core.safety import swallow
from errorwire.integrations import serverless
from errorwire.integrations.aws_lambda_event import event_source, http_request
from errorwire.integrations.serverless import (
    DEFAULT_WARNING_LEAD,
    Invocation,
    check_flush_timeout,
    warning_lead,
)

__all__ = ["wrap"]

FRAMEWORK = "aws_lambda"
F = TypeVar("F", bound=Callable[..., Any])

_invoked = False
"""Set by the process's first invocation: the next ones are warm."""
_loop: Optional[asyncio.AbstractEventLoop] = None


@overload
def wrap(handler: F) -> F: ...


@overload
def wrap(
    handler: None = None,
    *,
    timeout_warning: Optional[float] = DEFAULT_WARNING_LEAD,
    flush_timeout: Optional[float] = None,
    **options: Any,
) -> Callable[[F], F]: ...


def wrap(
    handler: Optional[F] = None,
    *,
    timeout_warning: Optional[float] = DEFAULT_WARNING_LEAD,
    flush_timeout: Optional[float] = None,
    **options: Any,
) -> Union[F, Callable[[F], F]]:
    """Report what escapes the Lambda ``handler``. ``options``: ``errorwire.init()``'s
    keyword arguments, used if errorwire is not configured yet (else the environment)."""
    lead = warning_lead(timeout_warning, "timeout_warning")
    check_flush_timeout(flush_timeout)

    def decorate(func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            def run_coroutine(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
                return _invoke(
                    lambda: _event_loop().run_until_complete(func(event, context, *args, **kwargs)),
                    event,
                    context,
                    lead,
                    flush_timeout,
                    options,
                )

            return cast(F, run_coroutine)

        @functools.wraps(func)
        def run(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            return _invoke(
                lambda: func(event, context, *args, **kwargs),
                event,
                context,
                lead,
                flush_timeout,
                options,
            )

        return cast(F, run)

    return decorate(handler) if handler is not None else decorate


def _invoke(
    call: Callable[[], Any],
    event: Any,
    context: Any,
    lead: Optional[float],
    flush_timeout: Optional[float],
    options: Dict[str, Any],
) -> Any:
    invocation = _start(event, context, lead, flush_timeout, options)
    return serverless.run(invocation, call)


def _start(
    event: Any,
    context: Any,
    lead: Optional[float],
    flush_timeout: Optional[float],
    options: Dict[str, Any],
) -> Optional[Invocation]:
    global _invoked
    cold, _invoked = not _invoked, True
    with swallow("aws_lambda invocation"):
        client = api.ensure_client(**options)
        remaining = _remaining_seconds(context)
        deadline = None if remaining is None else time.monotonic() + remaining
        name = _attr(context, "function_name") or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")

        def request() -> Any:
            options = client.options
            return http_request(
                event,
                max_body=options.max_request_body if options.send_request_bodies else 0,
                ip_headers=options.client_ip_headers,
            )

        scope = RequestState(FRAMEWORK, request)
        scope.context = name
        invocation = Invocation(
            scope,
            client=client,
            data_key="lambda",
            facts=lambda: _facts(event, context, name, cold),
            deadline=deadline,
            flush_timeout=flush_timeout,
        )
        invocation.warn_before_deadline(lead, f"AWS Lambda function {name} is about to time out")
        return invocation
    return None


def _facts(event: Any, context: Any, name: Optional[str], cold: bool) -> Dict[str, Any]:
    return {
        "function_name": name,
        "function_version": _attr(context, "function_version"),
        "invoked_function_arn": _attr(context, "invoked_function_arn"),
        "request_id": _attr(context, "aws_request_id"),
        "cold_start": cold,
        "remaining_time_ms": _remaining_ms(context),
        "event_source": event_source(event),
        "log_group": _attr(context, "log_group_name"),
        "log_stream": _attr(context, "log_stream_name"),
    }


def _attr(context: Any, name: str) -> Optional[str]:
    value = getattr(context, name, None)
    return None if value is None else str(value)


def _remaining_ms(context: Any) -> Optional[int]:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return None
    try:
        return int(getter())
    except Exception:  # a test double's context, a broken one: no deadline known
        return None


def _remaining_seconds(context: Any) -> Optional[float]:
    millis = _remaining_ms(context)
    return None if millis is None else millis / 1000.0


def _event_loop() -> asyncio.AbstractEventLoop:
    """The process's loop for ``async def`` handlers, made on first use."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop
