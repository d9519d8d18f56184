"""The concurrency drive of the web integrations' tests: ``count`` users check out at once.

Each request ``i`` is ``POST /users/o-{i}/checkout`` as ``X-User: user-{i}`` with
``X-Request-Id: req-{i}`` (and, with ``body``, the body ``order body {i}``); the apps
under test set the person and breadcrumbs from those and fail. The tests then check
that no report carries another request's person, breadcrumbs or request.
"""

from __future__ import annotations

import asyncio
from typing import Any, List

import httpx

from errorwire.core.text import header
from tests.reports import VENDORS, Reports, vendor_person_id, vendor_request


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


def assert_payload_persons_match_their_requests(reports: Reports) -> None:
    """In every vendor's payload, the person is the one of the request it reports."""
    for vendor in VENDORS:
        for payload in reports.payloads(vendor):
            headers: Any = vendor_request(vendor, payload)["headers"]
            number = (header(headers, "x-request-id") or "").split("-", 1)[1]
            assert vendor_person_id(vendor, payload) == f"user-{number}", vendor
