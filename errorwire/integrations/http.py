"""Breadcrumbs of the app's outgoing HTTP calls, through the clients' own hooks.

    httpx.Client(event_hooks=errorwire.integrations.http.httpx_hooks())
    httpx.AsyncClient(event_hooks=errorwire.integrations.http.httpx_async_hooks())
    session.hooks["response"].append(errorwire.integrations.http.requests_hook)  # requests

Each response becomes a ``request`` breadcrumb (category ``http``) of the current scope:
method, URL without its query, the query as its own (scrubbed) map, status and
duration in milliseconds. Nothing of the clients is patched and nothing imported:
the hooks read the objects the clients hand them. A failure here is logged once and
counted, never raised into the app's call.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from errorwire.core import context
from errorwire.core.breadcrumbs import make_breadcrumb
from errorwire.core.safety import swallow

__all__ = ["httpx_async_hooks", "httpx_hooks", "requests_hook"]

CATEGORY = "http"
STARTED = "errorwire.started"
"""Key of the start time in an httpx request's ``extensions``."""


def record_call(method: str, url: str, status: Optional[int], duration_ms: Optional[float]) -> None:
    """Add the breadcrumb of one outgoing HTTP call to the current scope."""
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    data: Dict[str, Any] = {"method": method, "url": bare}
    query = parse_qsl(parts.query, keep_blank_values=True)
    if query:
        data["query"] = dict(query)
    if status is not None:
        data["status_code"] = status
    if duration_ms is not None:
        data["duration_ms"] = round(duration_ms, 2)
    level = "error" if status is not None and status >= 500 else "info"
    message = f"{method} {bare}" + ("" if status is None else f" {status}")
    context.add_breadcrumb(make_breadcrumb(message, CATEGORY, data, level=level, type="request"))


# -- httpx: event hooks -----------------------------------------------------------------


def _httpx_request(request: Any) -> None:
    with swallow("httpx breadcrumb"):
        request.extensions[STARTED] = time.perf_counter()


def _httpx_response(response: Any) -> None:
    with swallow("httpx breadcrumb"):
        request = response.request
        started = request.extensions.get(STARTED)
        duration = None if started is None else (time.perf_counter() - started) * 1000
        record_call(str(request.method), str(request.url), response.status_code, duration)


async def _httpx_request_async(request: Any) -> None:
    _httpx_request(request)


async def _httpx_response_async(response: Any) -> None:
    _httpx_response(response)


def httpx_hooks() -> Dict[str, List[Callable[[Any], None]]]:
    """``event_hooks`` for an ``httpx.Client``: a breadcrumb per response."""
    return {"request": [_httpx_request], "response": [_httpx_response]}


def httpx_async_hooks() -> Dict[str, List[Callable[[Any], Any]]]:
    """``event_hooks`` for an ``httpx.AsyncClient`` (its hooks must be coroutines)."""
    return {"request": [_httpx_request_async], "response": [_httpx_response_async]}


# -- requests: a response hook -----------------------------------------------------------


def requests_hook(response: Any, *args: Any, **kwargs: Any) -> Any:
    """A ``requests`` response hook (``session.hooks["response"]`` or ``hooks=``)."""
    with swallow("requests breadcrumb"):
        elapsed = getattr(response, "elapsed", None)
        duration = None if elapsed is None else elapsed.total_seconds() * 1000
        method = str(getattr(response.request, "method", "") or "")
        record_call(method, str(response.url), response.status_code, duration)
    return None  # the response goes on unchanged
