"""Breadcrumbs of the app's outgoing HTTP calls, through the clients' own hooks.

    httpx.Client(event_hooks=errorwire.integrations.http.httpx_hooks())
    httpx.AsyncClient(event_hooks=errorwire.integrations.http.httpx_async_hooks())
    session.hooks["response"].append(errorwire.integrations.http.requests_hook)  # requests
    errorwire.integrations.http.watch_urllib3()  # urllib3, through its own log records

Each response becomes a ``request`` breadcrumb (category ``http``) of the current scope:
method, URL without its query, the query as its own (scrubbed) map, status and
duration in milliseconds. Nothing of the clients is patched and nothing imported:
the hooks read the objects the clients hand them. A failure here is logged once and
counted, never raised into the app's call.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from errorwire.core import context
from errorwire.core.breadcrumbs import make_breadcrumb
from errorwire.core.client import Client
from errorwire.core.safety import swallow

__all__ = ["httpx_async_hooks", "httpx_hooks", "requests_hook", "watch_urllib3"]

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


# -- urllib3: its own log record of each response ----------------------------------------

URLLIB3_LOGGER = "urllib3.connectionpool"
Origin = Tuple[str, str, int]


class Urllib3Breadcrumbs(logging.Handler):
    """Turns the record urllib3 logs for each response (``'%s://%s:%s "%s %s %s" %s %s'``:
    scheme, host, port, method, path, version, status, length) into a breadcrumb. urllib3
    offers no hook of its own; the record carries every field as an argument. errorwire's
    own calls to its vendors are left out."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._vendors: Tuple[Optional[Client], FrozenSet[Origin]] = (None, frozenset())
        """The vendors' origins of the configured client, found once per client (the client
        itself kept: an ``id()`` may be reused by the next one)."""

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 8 or '"' not in str(record.msg):
            return  # urllib3's other debug records (new connection, retries...)
        with swallow("urllib3 breadcrumb"):
            scheme, host, port, method, path, _version, status, _length = args
            if (str(scheme), str(host), int(str(port or 0))) in self._vendor_origins():
                return
            status_code = int(status) if isinstance(status, int) else None
            url = f"{scheme}://{host}:{port}{path}" if port else f"{scheme}://{host}{path}"
            record_call(str(method), url, status_code, None)

    def _vendor_origins(self) -> FrozenSet[Origin]:
        from errorwire.api import get_client  # the api imports the integrations' modules

        client = get_client()
        if client is None:
            return frozenset()
        if self._vendors[0] is not client:
            origins = set()
            for vendor in client.options.vendors:
                parts = urlsplit(vendor.url)
                default = 443 if parts.scheme == "https" else 80
                origins.add((parts.scheme, parts.hostname or "", parts.port or default))
            self._vendors = (client, frozenset(origins))
        return self._vendors[1]


_urllib3_handler: Optional[Urllib3Breadcrumbs] = None


def watch_urllib3() -> None:
    """Breadcrumbs of the app's urllib3 calls (requests' too, if its hook is not used):
    a handler on urllib3's own logger, set to DEBUG so that it logs each response. Once
    per process; calling it again changes nothing."""
    global _urllib3_handler
    if _urllib3_handler is None:
        _urllib3_handler = Urllib3Breadcrumbs()
        logger = logging.getLogger(URLLIB3_LOGGER)
        logger.addHandler(_urllib3_handler)
        logger.setLevel(logging.DEBUG)
