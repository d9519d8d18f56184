"""Django's user as the report's person: lazily, per request, under 50 concurrent users."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import pytest

pytest.importorskip("django")

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

import errorwire
from tests.concurrent_checkouts import assert_payload_scopes_agree_with_persons
from tests.receiver import Receiver
from tests.reports import VENDORS, start, vendor_person_id
from tests.threaded_servers import concurrently, fetch_status, serving, wsgiref_server

Env = Dict[str, Any]
ERRORWIRE = "errorwire.integrations.django.ErrorwireMiddleware"
USERS = 50


def user(name: str) -> User:
    found, _ = User.objects.get_or_create(username=name, defaults={"email": f"{name}@example.com"})
    return found


def logged_in_client(name: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user(name))
    return client


def test_authenticated_user_is_the_person(
    django_db: None, receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    alice = user("alice")
    assert logged_in_client("alice").get("/me/?n=1").status_code == 500
    event, payloads = reports.one()
    assert event.person is not None
    assert (event.person.id, event.person.username) == (str(alice.pk), "alice")
    assert event.person.email == "alice@example.com"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == str(alice.pk)


def test_anonymous_user_is_no_person(django_db: None, receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    assert Client(raise_request_exception=False).get("/me/").status_code == 500
    event, _ = reports.one()
    assert event.person is None


def test_set_person_wins(django_db: None, receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    errorwire_first = [ERRORWIRE, "ew_django_site.tests_support.SetPersonMiddleware"]
    with override_settings(MIDDLEWARE=errorwire_first):
        Client(raise_request_exception=False).get("/items/3/")
    event, _ = reports.one()
    assert event.person is not None and event.person.id == "set-by-app"


def test_without_auth_middleware_user_is_not_touched(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    with override_settings(MIDDLEWARE=[ERRORWIRE]):
        assert Client(raise_request_exception=False).get("/items/3/").status_code == 500
    event, _ = reports.one()
    assert event.person is None


def test_happy_path_runs_no_extra_query(
    django_db: None, receiver: Receiver, all_vendors: Env
) -> None:
    start(receiver, all_vendors)
    client = logged_in_client("bob")
    counts = []
    for middleware in (
        [m for m in _site_middleware() if m != ERRORWIRE],
        _site_middleware(),
    ):
        with override_settings(MIDDLEWARE=middleware), CaptureQueriesContext(connection) as q:
            assert client.get("/ok/").status_code == 200
        counts.append(len(q.captured_queries))
    assert counts == [0, 0]


def _site_middleware() -> List[str]:
    from django.conf import settings

    return list(settings.MIDDLEWARE)


@pytest.fixture
def served_site(django_db: None) -> Iterator[str]:
    from django.core.wsgi import get_wsgi_application

    with serving(wsgiref_server(get_wsgi_application())) as url:
        yield url


def test_concurrent_users_each_get_their_own_report(
    served_site: str, receiver: Receiver, all_vendors: Env
) -> None:
    cookies = {}
    for n in range(USERS):
        client = logged_in_client(f"user{n}")
        cookies[n] = f"sessionid={client.cookies['sessionid'].value}"
    ids = {n: str(user(f"user{n}").pk) for n in range(USERS)}
    reports = start(receiver, all_vendors)

    statuses = concurrently(
        USERS, lambda n: fetch_status(f"{served_site}/me/?n={n}", {"Cookie": cookies[n]})
    )
    assert statuses == [500] * USERS

    events = reports.settle()
    assert len(events) == USERS
    for event in events:
        assert event.person is not None and event.request is not None
        n = int(event.request.query["n"])
        assert event.person.username == f"user{n}" and event.person.id == ids[n]
        assert event.request.cookies["sessionid"] == cookies[n].split("=", 1)[1]
        assert event.exceptions[0].message == f"failure of user{n} at {n}"
        assert (event.tags, event.context) == ([f"n:{n}"], f"me {n}")
    for vendor in VENDORS:
        assert sorted(vendor_person_id(vendor, p) for p in reports.payloads(vendor)) == sorted(
            ids.values()
        )
    assert_payload_scopes_agree_with_persons(reports, lambda n: ids[int(n)])
    assert errorwire.stats()["client"].get("duplicate", 0) == 0


def test_under_asgi_the_user_is_the_person(
    django_db: None, receiver: Receiver, all_vendors: Env
) -> None:
    import asyncio

    from django.test import AsyncClient

    chain = [
        ERRORWIRE,
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    reports = start(receiver, all_vendors)
    carol = user("carol")
    client = AsyncClient(raise_request_exception=False)
    client.force_login(carol)
    with override_settings(MIDDLEWARE=chain):
        response = asyncio.run(client.get("/me/?n=3"))
    assert response.status_code == 500
    event, _ = reports.one()
    assert event.person is not None and event.person.id == str(carol.pk)


def test_under_asgi_a_report_from_the_event_loop_never_queries_for_the_user(
    django_db: None, receiver: Receiver, all_vendors: Env
) -> None:
    """A middleware's own 5xx page is reported from the event loop, where Django forbids
    a database query: the user, never loaded, is left out (nothing swallowed, no error)."""
    import asyncio

    from django.test import AsyncClient

    chain = [
        "ew_django_site.middleware.ErrorPageMiddleware",
        ERRORWIRE,
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    reports = start(receiver, all_vendors)
    client = AsyncClient(raise_request_exception=False)
    client.force_login(user("dave"))
    with override_settings(MIDDLEWARE=chain):
        response = asyncio.run(client.get("/pageable/?status=503"))
    assert response.status_code == 503
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "PageableError"
    assert event.person is None
