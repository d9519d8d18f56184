"""The check of one failing route's report, shared by the aiohttp and Quart server tests.

Both serve the same error routes (``ERROR_ROUTES`` in each test module) with the same
request headers: the report must name the exception chain, the framework, the route
as context, the request as sent, and be scrubbed the same way at every vendor.
"""

from __future__ import annotations

from typing import List, Optional

from tests.reports import (
    VENDORS,
    Reports,
    assert_request_reported,
    vendor_context,
    vendor_exception_classes,
    vendor_request,
)


def assert_route_reported(
    reports: Reports,
    framework: str,
    method: str,
    path: str,
    chain: List[str],
    route: str,
    status: Optional[int],
) -> None:
    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == chain
    assert (event.framework, event.handled, event.context) == (framework, False, route)
    assert event.response_status == status
    request = event.request
    assert request is not None
    url = request.url
    assert url.startswith("http://127.0.0.1:") and url.endswith(path)
    assert request.method == method
    assert request.headers["x-request-id"] == "req-1"
    assert request.cookies == {"theme": "dark", "lang": "en"}
    assert request.client_ip == "203.0.113.7"
    assert request.route == route
    assert request.query_string == (path.split("?", 1)[1] if "?" in path else "")
    assert_request_reported(payloads, url=url, method=method, client_ip="203.0.113.7")
    for vendor in VENDORS:
        payload = payloads[vendor]
        assert vendor_exception_classes(vendor, payload) == chain
        headers = vendor_request(vendor, payload)["headers"]
        assert headers["x-request-id"] == "req-1"
        assert headers["authorization"] == "[Filtered]"
        assert vendor_context(vendor, payload) in (route, None)
    assert vendor_context("rollbar", payloads["rollbar"]) == route
