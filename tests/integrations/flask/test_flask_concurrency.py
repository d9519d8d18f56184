"""50 concurrent requests as different users against a real threaded server."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

pytest.importorskip("flask")
pytest.importorskip("flask_login")

from werkzeug.serving import make_server

import tests.integrations.flask.flask_test_app as web
from tests.concurrent_checkouts import assert_payload_scopes_agree_with_persons
from tests.receiver import Receiver
from tests.reports import VENDORS, start, vendor_person_id, vendor_request
from tests.threaded_servers import serving, users_fail_at_once

USERS = 50


@pytest.fixture
def served_app() -> Iterator[str]:
    with serving(make_server("127.0.0.1", 0, web.make_app(), threaded=True)) as url:
        yield url


def test_each_report_carries_its_own_user_and_request(
    served_app: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    reported = users_fail_at_once(reports, f"{served_app}/me?n=", USERS)
    events = [event for _, event, _ in reported]
    for n, event, person in reported:
        assert person.id == f"u{n}"
        assert event.exceptions[0].message == f"failure of u{n} at {n}"
        assert (event.tags, event.context, event.metadata) == (
            [f"n:{n}"],
            f"me {n}",
            {"me": {"n": n}},
        )
    assert sorted(e.person.id for e in events if e.person) == sorted(f"u{n}" for n in range(USERS))
    for vendor in VENDORS:
        for payload in reports.payloads(vendor):
            if vendor == "raygun":
                query = vendor_request(vendor, payload)["queryString"]["n"]
            elif vendor == "rollbar":
                query = vendor_request(vendor, payload)["GET"]["n"]
            else:
                query = vendor_request(vendor, payload)["url"].rsplit("=", 1)[-1]
            assert vendor_person_id(vendor, payload) == f"u{query}"
    assert_payload_scopes_agree_with_persons(reports, lambda n: f"u{n}")
