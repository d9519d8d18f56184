"""Google Cloud Functions (the functions-framework: Cloud Functions and Cloud Run
functions).

    @functions_framework.http
    @errorwire.integrations.gcp.wrap
    def orders(request): ...

    @functions_framework.cloud_event
    @errorwire.integrations.gcp.wrap(timeout=60)
    def on_upload(cloud_event): ...

An error escaping the function is reported as unhandled, then re-raised unchanged
(the framework answers 500, as without errorwire). The report's context is the
function name; its custom data ``gcp`` holds the function name, revision, execution
id, cold start, the trigger (``http`` or ``cloudevent``) and, for a CloudEvent, its
id, type, source and subject. An HTTP function's request is the report's request,
scrubbed like any request (its body as far as the function read it).

The platform throttles or freezes the instance once the response is sent: the function
flushes what it reported before it returns or raises, for at most ``flush_timeout``
seconds (default ``shutdown_timeout``), never past its deadline. The deadline is
``timeout`` seconds after the call started, else the platform's
``FUNCTION_TIMEOUT_SEC`` (1st gen) or ``CLOUD_RUN_TIMEOUT_SECONDS`` (what the
functions-framework reads), else unknown (then no timeout warning).
``timeout_warning`` seconds before it (default 1.5; None turns it off) a warning report
says the function is about to time out. ``async def`` functions (``functions_framework.aio``)
stay coroutine functions.
"""

from __future__ import annotations

import functools
import inspect
import os
import time
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar, Union, cast, overload

from errorwire import api
from errorwire.core.client import Client
from errorwire.core.config import ConfigError
from errorwire.core.context import RequestState
from errorwire.core.event import Request
from errorwire.core.request import BodyCopy, build_request, parse_cookies
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import swallow
from errorwire.integrations import serverless
from errorwire.integrations.serverless import (
    DEFAULT_WARNING_LEAD,
    Invocation,
    check_flush_timeout,
    warning_lead,
)
from errorwire.integrations.wsgi import copy_from_environ

__all__ = ["wrap"]

FRAMEWORK = "gcp"
TIMEOUT_VARIABLES = ("FUNCTION_TIMEOUT_SEC", "CLOUD_RUN_TIMEOUT_SECONDS")
EXECUTION_ID_HEADER = "Function-Execution-Id"
F = TypeVar("F", bound=Callable[..., Any])

_invoked = False
"""Set by the instance's first call: the next ones are warm."""


@overload
def wrap(function: F) -> F: ...


@overload
def wrap(
    function: None = None,
    *,
    timeout: Optional[float] = None,
    timeout_warning: Optional[float] = DEFAULT_WARNING_LEAD,
    flush_timeout: Optional[float] = None,
    **options: Any,
) -> Callable[[F], F]: ...


def wrap(
    function: Optional[F] = None,
    *,
    timeout: Optional[float] = None,
    timeout_warning: Optional[float] = DEFAULT_WARNING_LEAD,
    flush_timeout: Optional[float] = None,
    **options: Any,
) -> Union[F, Callable[[F], F]]:
    """Report what escapes the HTTP or CloudEvent ``function``. ``options``:
    ``errorwire.init()``'s keyword arguments, used if errorwire is not configured yet."""
    lead = warning_lead(timeout_warning, "timeout_warning")
    check_flush_timeout(flush_timeout)
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
    ):
        raise ConfigError("timeout must be a positive number of seconds")

    def decorate(func: F) -> F:
        name = getattr(func, "__name__", None)
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(argument: Any, *args: Any, **kwargs: Any) -> Any:
                invocation = _start(argument, name, timeout, lead, flush_timeout, options)
                return await serverless.run_async(
                    invocation, lambda: func(argument, *args, **kwargs)
                )

            return cast(F, run_async)

        @functools.wraps(func)
        def run(argument: Any, *args: Any, **kwargs: Any) -> Any:
            invocation = _start(argument, name, timeout, lead, flush_timeout, options)
            return serverless.run(invocation, lambda: func(argument, *args, **kwargs))

        return cast(F, run)

    return decorate(function) if function is not None else decorate


def _start(
    argument: Any,
    target: Optional[str],
    timeout: Optional[float],
    lead: Optional[float],
    flush_timeout: Optional[float],
    options: Dict[str, Any],
) -> Optional[Invocation]:
    global _invoked
    cold, _invoked = not _invoked, True
    with swallow("gcp invocation"):
        started = time.monotonic()
        client = api.ensure_client(**options)
        seconds = timeout if timeout is not None else _platform_timeout()
        name = os.environ.get("K_SERVICE") or os.environ.get("FUNCTION_TARGET") or target
        facts: Dict[str, Any] = {
            "function_name": name,
            "revision": os.environ.get("K_REVISION"),
            "cold_start": cold,
        }
        attributes = _cloud_event_attributes(argument)
        if attributes is not None:
            facts["trigger"] = "cloudevent"
            facts["execution_id"] = attributes.get("id")
            facts["event"] = {
                key: attributes.get(key) for key in ("id", "type", "source", "subject", "time")
            }
            builder = None
        else:
            facts["trigger"] = "http"
            headers = getattr(argument, "headers", None)
            facts["execution_id"] = headers.get(EXECUTION_ID_HEADER) if headers else None
            builder = functools.partial(_http_request, argument, client)
        scope = RequestState(FRAMEWORK, builder)
        scope.context = name
        invocation = Invocation(
            scope,
            client=client,
            data_key="gcp",
            facts=lambda: facts,
            deadline=None if seconds is None else started + seconds,
            flush_timeout=flush_timeout,
        )
        invocation.warn_before_deadline(lead, f"Google Cloud Function {name} is about to time out")
        return invocation
    return None


def _platform_timeout() -> Optional[float]:
    for variable in TIMEOUT_VARIABLES:
        try:
            seconds = float(os.environ.get(variable) or 0)
        except ValueError:
            continue
        if seconds > 0:
            return seconds
    return None


def _cloud_event_attributes(argument: Any) -> Optional[Mapping[str, Any]]:
    """A CloudEvent's attributes (the ``cloudevents`` SDK's event), else None."""
    getter = getattr(argument, "get_attributes", None)
    if getter is None or not callable(getter):
        return None
    attributes = getter()
    if not isinstance(attributes, Mapping):
        return None
    return {str(k): None if v is None else str(v) for k, v in attributes.items()}


def _http_request(request: Any, client: Client) -> Union[Request, RequestCopy, None]:
    """The request block of a Flask (WSGI) or Starlette (ASGI) request, with ``client``'s
    body and IP header options."""
    environ = getattr(request, "environ", None)
    if isinstance(environ, dict):
        fields: Dict[str, Any] = {}
        # Private: werkzeug keeps what get_data() read there, and has no public way to ask
        # for the body without reading (consuming) the stream if the function did not.
        cached = request.__dict__.get("_cached_data")
        if isinstance(cached, bytes):
            options = client.options
            if options.send_request_bodies:
                copy = BodyCopy(options.max_request_body)
                copy.add(cached)
                fields["body"] = copy
        return copy_from_environ(environ, **fields)
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict) and scope.get("type") == "http":
        headers = {str(k): str(v) for k, v in request.headers.items()}
        peer = scope.get("client")
        return build_request(
            url=str(request.url),
            method=str(scope.get("method") or "GET"),
            headers=headers,
            query_string=(scope.get("query_string") or b"").decode("latin-1"),
            cookies=parse_cookies(headers.get("cookie")),
            peer=str(peer[0]) if peer else None,
            ip_headers=client.options.client_ip_headers,
        )
    return None
