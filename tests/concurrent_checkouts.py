"""The concurrency drive of the web integrations' tests: ``count`` users check out at once.

Each request ``i`` is ``POST /users/o-{i}/checkout`` as ``X-User: user-{i}`` with
``X-Request-Id: req-{i}`` (and, with ``body``, the body ``order body {i}``); the apps
under test set the person and breadcrumbs from those, tag the request with its order
(``tag_checkout``) and fail. The tests then check that no report carries another
request's person, breadcrumbs, tags, context, metadata or request.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, ContextManager, Dict, List, Tuple

import httpx

import errorwire
from errorwire.core.event import Event, Request
from errorwire.core.text import header
from tests.receiver import Receiver
from tests.reports import (
    VENDORS,
    Reports,
    start,
    vendor_context,
    vendor_person_id,
    vendor_request,
    vendor_section,
    vendor_tags,
)


def tag_request_number(number: object) -> None:
    """What the Flask and Django ``/me?n=`` views set on their request's scope."""
    errorwire.set_tag("n", number)
    errorwire.set_context(f"me {number}")
    errorwire.add_metadata("me", {"n": str(number)})


def assert_payload_scopes_agree_with_persons(
    reports: Reports, person_of: Callable[[str], str]
) -> None:
    """In every vendor's payload, the tag, context and metadata of ``tag_request_number``
    name one request number, and the person is ``person_of`` that number."""
    for vendor in VENDORS:
        for payload in reports.payloads(vendor):
            tags = [t for t in vendor_tags(vendor, payload) if t.startswith("n:")]
            assert len(tags) == 1, (vendor, tags)
            number = tags[0].split(":", 1)[1]
            assert vendor_context(vendor, payload) == f"me {number}", vendor
            assert vendor_section(vendor, payload, "me") == {"n": number}, vendor
            assert vendor_person_id(vendor, payload) == person_of(number), vendor


def tag_checkout(order: str) -> None:
    """What each checkout view sets on its request's scope."""
    errorwire.set_tag("order", order)
    errorwire.set_context(f"checkout of {order}")
    errorwire.add_metadata("checkout", {"order": order})


def post_checkouts(url: str, count: int, *, body: bool = False) -> List[int]:
    """The statuses of ``count`` checkouts posted at once to the app at ``url``."""

    async def hit_all() -> List[int]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"/users/o-{i}/checkout",
                        headers={"X-User": f"user-{i}", "X-Request-Id": f"req-{i}"},
                        content=f"order body {i}".encode() if body else None,
                    )
                    for i in range(count)
                )
            )
        return [r.status_code for r in responses]

    return asyncio.run(hit_all())


def checkout_reports(reports: Reports, count: int) -> List[Tuple[str, Event, Request]]:
    """Each of the ``count`` checkouts reported once, as (its number, event, request),
    the event's person the user who posted it; and the payloads' persons likewise."""
    events = reports.settle()
    assert len(events) == count
    numbered: List[Tuple[str, Event, Request]] = []
    for event in events:
        assert event.request is not None and event.person is not None
        number = event.request.url.split("/users/o-", 1)[1].split("/", 1)[0]
        assert event.person.id == f"user-{number}"
        numbered.append((number, event, event.request))
    assert sorted(number for number, _, _ in numbered) == sorted(str(i) for i in range(count))
    assert_payload_persons_match_their_requests(reports)
    return numbered


def assert_checkouts_kept_apart(url: str, reports: Reports, route: str, count: int = 30) -> None:
    """``count`` checkouts with bodies posted at once to the app at ``url`` fail, and each
    report keeps its own route parameter, request id, body and breadcrumb, under ``route``."""
    assert post_checkouts(url, count, body=True) == [500] * count
    for number, event, request in checkout_reports(reports, count):
        assert request.route_params["order"] == f"o-{number}"
        assert header(request.headers, "x-request-id") == f"req-{number}"
        assert request.body == f"order body {number}".encode()
        assert [c.message for c in event.breadcrumbs] == [f"checkout o-{number} by user-{number}"]
        assert event.context == route


def assert_cart_checkouts_kept_apart(
    receiver: Receiver,
    all_vendors: Dict[str, Any],
    serving: Callable[[], ContextManager[str]],
    count: int = 30,
) -> None:
    """``count`` users check out at once at the app ``serving()`` serves, one that names the
    user and fills a cart first (aiohttp, Quart): each fails, and its report keeps its own
    person, message, crumbs and scope."""
    reports = start(receiver, all_vendors, storm_limit=1000)
    with serving() as url:
        assert post_checkouts(url, count) == [500] * count
    for number, event, request in checkout_reports(reports, count):
        assert request.route_params["order"] == f"o-{number}"
        assert event.person is not None and event.person.username == f"name-user-{number}"
        assert request.headers["x-request-id"] == f"req-{number}"
        assert event.exceptions[0].message == f"user user-{number} order o-{number}"
        crumbs = [crumb.message for crumb in event.breadcrumbs]
        assert crumbs == [f"cart of user-{number}", f"checkout by user-{number}"]
    assert_payload_scopes_match_their_requests(reports)


def assert_payload_persons_match_their_requests(reports: Reports) -> None:
    """In every vendor's payload, the person is the one of the request it reports."""
    for vendor in VENDORS:
        for payload in reports.payloads(vendor):
            headers: Any = vendor_request(vendor, payload)["headers"]
            number = (header(headers, "x-request-id") or "").split("-", 1)[1]
            assert vendor_person_id(vendor, payload) == f"user-{number}", vendor


def assert_payload_scopes_match_their_requests(reports: Reports) -> None:
    """In every vendor's payload, the tag, context and metadata (``tag_checkout``) are
    the ones of the request it reports, and only those."""
    for vendor in VENDORS:
        for payload in reports.payloads(vendor):
            headers: Any = vendor_request(vendor, payload)["headers"]
            order = "o-" + (header(headers, "x-request-id") or "").split("-", 1)[1]
            assert [t for t in vendor_tags(vendor, payload) if t.startswith("order:")] == [
                f"order:{order}"
            ], vendor
            assert vendor_context(vendor, payload) == f"checkout of {order}", vendor
            assert vendor_section(vendor, payload, "checkout") == {"order": order}, vendor
