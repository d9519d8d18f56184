"""GraphQL test support: the GraphQL data of a report as each vendor shows it, and
a client that posts operations to a real server."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Optional

import httpx

from tests.reports import (
    VENDORS,
    Reports,
    assert_request_reported,
    vendor_context,
    vendor_exception_classes,
    vendor_person_id,
    vendor_request,
)
from tests.route_reports import header

USER_VARIABLES = {"card": "4242 4242 4242 4242", "password": "hunter2", "note": "gift"}
SCRUBBED_VARIABLES = {"card": "[Filtered]", "password": "[Filtered]", "note": "gift"}
LINES = "query OrderLines($id: String!) { order(id: $id) { id lines { number total } } }"
"""The test schemas' query whose line 1's total fails (ZeroDivisionError)."""
HEADERS = {"X-Forwarded-For": "203.0.113.7, 10.0.0.1", "X-Request-Id": "req-1"}


def vendor_graphql(vendor: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    """``extra.graphql`` of the report, where each vendor keeps custom data."""
    if vendor == "rollbar":
        return dict(payload["data"]["custom"]["graphql"])
    if vendor == "raygun":
        return dict(payload["details"]["userCustomData"]["graphql"])
    return dict(payload["events"][0]["metaData"]["extra"]["graphql"])


def assert_graphql_data(
    payloads: Dict[str, Dict[str, Any]],
    *,
    operation: Optional[str],
    kind: str,
    path: List[Any],
    variables: Optional[Dict[str, Any]] = None,
) -> None:
    for vendor in VENDORS:
        data = vendor_graphql(vendor, payloads[vendor])
        assert data["operation_name"] == operation, vendor
        assert data["operation_type"] == kind, vendor
        assert data["path"] == path, vendor
        assert data["variables"] == (variables or {}), vendor


def assert_order_lines_reported(payloads: Dict[str, Dict[str, Any]], url: str) -> Dict[str, Any]:
    """``LINES`` for order o-1, posted to ``url`` with ``HEADERS``: its failed field reported
    with the operation, the request and the body the server read. Rollbar's request block."""
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["ZeroDivisionError"]
    for vendor in ("rollbar", "bugsnag"):
        assert vendor_context(vendor, payloads[vendor]) == "OrderLines: order.lines.1.total"
    assert_graphql_data(
        payloads,
        operation="OrderLines",
        kind="query",
        path=["order", "lines", 1, "total"],
        variables={"id": "o-1"},
    )
    assert_request_reported(payloads, url=url, method="POST", client_ip="203.0.113.7")
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert header(rollbar["headers"], "x-request-id") == "req-1"
    assert rollbar["json"] == {"query": LINES, "variables": {"id": "o-1"}}  # what was read
    return rollbar


def assert_checkout_failure_reported(reports: Reports) -> Dict[str, Dict[str, Any]]:
    """The ``Checkout`` mutation of ``USER_VARIABLES`` failed (PaymentGatewayDown): one
    report, its variables scrubbed in the GraphQL data. The payloads."""
    event, payloads = reports.one()
    assert event.exceptions[0].type_name.endswith("PaymentGatewayDown")
    assert_graphql_data(
        payloads,
        operation="Checkout",
        kind="mutation",
        path=["checkout"],
        variables=SCRUBBED_VARIABLES,
    )
    return payloads


def post(
    url: str,
    query: str,
    variables: Optional[Dict[str, Any]] = None,
    operation: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
) -> httpx.Response:
    body: Dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation is not None:
        body["operationName"] = operation
    return httpx.post(url, json=body, headers=headers or {}, timeout=30.0)


def post_concurrently(
    url: str, count: int, request: Callable[[int], Dict[str, Any]]
) -> List[httpx.Response]:
    """``count`` POSTs at once (``request(i)``: httpx keyword arguments), answers in order."""

    async def all_at_once() -> List[httpx.Response]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:
            return list(
                await asyncio.gather(*(client.post(url, **request(i)) for i in range(count)))
            )

    return asyncio.run(all_at_once())


def post_order_statuses(url: str, count: int) -> None:
    """``count`` users (``user-<i>``, request ``req-<i>``) at once ask for their order
    ``o-<i>``'s status, which fails (each answered 200 with the error)."""
    query = "query Status($id: String!) { order(id: $id) { status } }"

    def request(i: int) -> Dict[str, Any]:
        body = {"query": query, "variables": {"id": f"o-{i}"}}
        return {"json": body, "headers": {"X-User": f"user-{i}", "X-Request-Id": f"req-{i}"}}

    responses = post_concurrently(url, count, request)
    assert [r.status_code for r in responses] == [200] * count


def assert_order_statuses_kept_apart(reports: Reports, count: int) -> None:
    """After ``post_order_statuses``: one report per user, each with its own person,
    breadcrumb and message, at every vendor."""
    events = reports.settle()
    assert len(events) == count
    seen: List[str] = []
    for event in events:
        assert event.person is not None and event.request is not None
        number = header(event.request.headers, "x-request-id").split("-", 1)[1]
        seen.append(number)
        assert event.person.id == f"user-{number}"
        assert [b.message for b in event.breadcrumbs] == [
            f"order o-{number} opened by user-{number}"
        ]
        assert event.exceptions[0].message == f"no status for order o-{number} of user-{number}"
    assert sorted(seen) == sorted(str(i) for i in range(count))
    for vendor in VENDORS:
        for payload in reports.payloads(vendor):
            sent = vendor_request(vendor, payload)["headers"]
            number = header(sent, "x-request-id").split("-", 1)[1]
            assert vendor_person_id(vendor, payload) == f"user-{number}", vendor
