"""What the server tests of the web integrations share: the request headers they send,
and the check of one failing route's report (aiohttp, Quart, Falcon, Litestar).

Each serves its error routes (``ERROR_ROUTES`` in each test module) with these
headers: the report must name the exception chain, the framework, the route as
context, the request as sent, and be scrubbed the same way at every vendor.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import httpx
import pytest

from tests.reports import (
    VENDORS,
    Reports,
    assert_request_reported,
    vendor_context,
    vendor_exception_classes,
    vendor_request,
)

REQUEST_HEADERS = {
    "X-Request-Id": "req-1",
    "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    "Cookie": "theme=dark; lang=en",
}
HEADERS = {**REQUEST_HEADERS, "Authorization": "Bearer s3cr3t-token"}
"""The request headers with a secret the report must filter."""

UNCHECKED = "unchecked"


class ErrorRoute(NamedTuple):
    """One row of a test module's ``ERROR_ROUTES``: how the failing route is requested,
    the exception chain it reports (outermost first), its route template, and the status
    reported (``None``: none was sent; ``UNCHECKED`` where the table names none)."""

    method: str
    path: str
    kwargs: Dict[str, Any]
    chain: List[str]
    route: str
    status: Union[Optional[int], str] = UNCHECKED


def view_error_route(status: Union[Optional[int], str] = UNCHECKED) -> ErrorRoute:
    """Every test app's ``GET /view-error?tag=a&tag=b``: PaymentFailed from a KeyError."""
    chain = ["PaymentFailed", "KeyError"]
    return ErrorRoute("GET", "/view-error?tag=a&tag=b", {}, chain, "/view-error", status)


def item_route(template: str, status: Union[Optional[int], str] = UNCHECKED) -> ErrorRoute:
    """Every test app's ``POST /items/7?verbose=1`` of ``{"qty": -1}``: a ValueError, at
    the app's route ``template``."""
    body = {"json": {"qty": -1}}
    return ErrorRoute("POST", "/items/7?verbose=1", body, ["ValueError"], template, status)


def usual_error_routes(
    item_template: str, status: Union[Optional[int], str] = UNCHECKED
) -> List[ErrorRoute]:
    """``view_error_route`` and ``item_route`` (at the app's ``item_template``)."""
    return [view_error_route(status), item_route(item_template, status)]


def respond(base: str, method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    """``method path`` at the server at ``base``, sent ``HEADERS`` (and any ``headers``):
    the answer's status and body."""
    headers = {**HEADERS, **kwargs.pop("headers", {})}
    with httpx.Client(base_url=base, timeout=10) as client:
        response = client.request(method, path, headers=headers, **kwargs)
        return response.status_code, response.content


def each_error_route(rows: Sequence[Sequence[Any]]) -> pytest.MarkDecorator:
    """Parametrize a test's ``error_route: ErrorRoute`` with each row of ``ERROR_ROUTES``."""
    routes = [ErrorRoute(*row) for row in rows]
    return pytest.mark.parametrize(
        "error_route", routes, ids=[f"{r.method} {r.path}" for r in routes]
    )


def header(headers: Dict[str, str], name: str) -> str:
    """WSGI reports keep the environ's Title-Case names, ASGI ones the lower-case wire names."""
    return {k.lower(): v for k, v in headers.items()}[name.lower()]


def assert_route_reported(
    reports: Reports,
    framework: str,
    method: str,
    path: str,
    chain: List[str],
    route: str,
    status: Union[Optional[int], str] = UNCHECKED,
    url: Optional[str] = None,
) -> None:
    """``url``: the exact URL reported (else any on 127.0.0.1 ending in ``path``)."""
    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == chain
    assert (event.framework, event.handled, event.context) == (framework, False, route)
    if status != UNCHECKED:
        assert event.response_status == status
    request = event.request
    assert request is not None
    reported = request.url
    if url is not None:
        assert reported == url
    else:
        assert reported.startswith("http://127.0.0.1:") and reported.endswith(path)
    assert request.method == method
    assert header(request.headers, "x-request-id") == "req-1"
    assert request.cookies == {"theme": "dark", "lang": "en"}
    assert request.client_ip == "203.0.113.7"
    assert request.route == route
    assert request.query_string == (path.split("?", 1)[1] if "?" in path else "")
    assert_request_reported(payloads, url=reported, method=method, client_ip="203.0.113.7")
    for vendor in VENDORS:
        payload: Dict[str, Any] = payloads[vendor]
        assert vendor_exception_classes(vendor, payload) == chain
        headers = vendor_request(vendor, payload)["headers"]
        assert header(headers, "x-request-id") == "req-1"
        assert header(headers, "authorization") == "[Filtered]"
        assert vendor_context(vendor, payload) == route
    assert vendor_context("rollbar", payloads["rollbar"]) == route
    assert vendor_context("raygun", payloads["raygun"]) == route
    assert f"context:{route}" in payloads["raygun"]["details"]["tags"]


def error_route_test(
    framework: str,
    both: Callable[..., Tuple[int, bytes]],
    rows: Sequence[Sequence[Any]],
    answered: Callable[[ErrorRoute], Any] = lambda route: route.status,
    reported_status: Callable[[ErrorRoute], Union[Optional[int], str]] = lambda r: r.status,
) -> Callable[..., None]:
    """The test of a server test module's ``ERROR_ROUTES``: each route, requested through
    ``both`` (the app with and without errorwire answer alike, with ``answered``), is
    reported once by ``framework`` with its request (``assert_route_reported``)."""

    @each_error_route(rows)
    def test(reports: Reports, error_route: ErrorRoute) -> None:
        method, path, kwargs, chain, route, _ = error_route
        assert both(method, path, **kwargs)[0] == answered(error_route)
        status = reported_status(error_route)
        assert_route_reported(reports, framework, method, path, chain, route, status)

    return test
