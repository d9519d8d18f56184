"""50 concurrent requests as different users against a real threaded WSGI server."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

import tests.integrations.wsgi.wsgi_test_app as web
from errorwire.integrations.wsgi import ErrorwireMiddleware
from tests.receiver import Receiver
from tests.reports import VENDORS, start, vendor_person_id
from tests.threaded_servers import concurrently, fetch_status, serving, wsgiref_server

USERS = 50


@pytest.fixture
def served_app() -> Iterator[str]:
    with serving(wsgiref_server(ErrorwireMiddleware(web.app))) as url:
        yield url


def test_each_report_carries_its_own_user_and_request(
    served_app: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    statuses = concurrently(
        USERS, lambda n: fetch_status(f"{served_app}/user?n={n}", {"X-User": f"u{n}"})
    )
    assert statuses == [500] * USERS

    events = reports.settle()
    assert len(events) == USERS
    for event in events:
        assert event.person is not None and event.request is not None
        n = event.request.query["n"]
        assert (event.person.id, event.person.username) == (f"u{n}", f"user-u{n}")
        assert event.request.headers["X-User"] == f"u{n}"
        assert event.exceptions[0].message == f"failure of user u{n}"
    for vendor in VENDORS:
        ids = sorted(str(vendor_person_id(vendor, p)) for p in reports.payloads(vendor))
        assert ids == sorted(f"u{n}" for n in range(USERS))
