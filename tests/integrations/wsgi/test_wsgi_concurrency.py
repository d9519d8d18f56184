"""50 concurrent requests as different users against a real threaded WSGI server."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

import tests.integrations.wsgi.wsgi_test_app as web
from errorwire.integrations.wsgi import ErrorwireMiddleware
from tests.receiver import Receiver
from tests.reports import VENDORS, start, vendor_person_id
from tests.threaded_servers import serving, users_fail_at_once, wsgiref_server

USERS = 50


@pytest.fixture
def served_app() -> Iterator[str]:
    with serving(wsgiref_server(ErrorwireMiddleware(web.app))) as url:
        yield url


def test_each_report_carries_its_own_user_and_request(
    served_app: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    for n, event, person in users_fail_at_once(reports, f"{served_app}/user?n=", USERS):
        assert (person.id, person.username) == (f"u{n}", f"user-u{n}")
        assert event.exceptions[0].message == f"failure of user u{n}"
    for vendor in VENDORS:
        ids = sorted(str(vendor_person_id(vendor, p)) for p in reports.payloads(vendor))
        assert ids == sorted(f"u{n}" for n in range(USERS))
