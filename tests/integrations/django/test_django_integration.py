"""Django: a real site driven into each error route; the reports that reach the receiver."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Dict, Iterator, List, Tuple

import pytest

pytest.importorskip("django")

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.test import Client, override_settings
from ew_django_site import views

import errorwire
import tests.served_apps as served_apps
from errorwire.integrations import django as django_integration
from errorwire.integrations.django import FILTERED
from tests.integrations.request_copies import assert_plain_request_copy, keep_request_copies
from tests.receiver import Receiver
from tests.reports import (
    start,
    vendor_request,
)

Env = Dict[str, Any]
ERRORWIRE = "errorwire.integrations.django.ErrorwireMiddleware"


@contextlib.contextmanager
def site(with_errorwire: bool) -> Iterator[None]:
    """The site's settings, with or without errorwire (its middleware and its signal)."""
    from django.conf import settings

    middleware = [m for m in settings.MIDDLEWARE if with_errorwire or m != ERRORWIRE]
    with override_settings(MIDDLEWARE=middleware):
        if with_errorwire:
            yield
            return
        connected = got_request_exception.disconnect(dispatch_uid=django_integration.__name__)
        try:
            yield
        finally:
            if connected:
                got_request_exception.connect(
                    django_integration._on_got_request_exception,
                    dispatch_uid=django_integration.__name__,
                )


def response_of(with_errorwire: bool, method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    with site(with_errorwire):
        client = Client(raise_request_exception=False)
        response = getattr(client, method.lower())(path, **kwargs)
        return response.status_code, b"".join(response) if response.streaming else response.content


def get(path: str, **kwargs: Any) -> Tuple[int, bytes]:
    """GET with errorwire; the same status and body as without it."""
    with_errorwire = response_of(True, "GET", path, **kwargs)
    assert with_errorwire == response_of(False, "GET", path, **kwargs)
    return with_errorwire


def test_view_error_is_reported_once_with_its_request(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    status, _ = get(
        "/items/7/?color=red&size=m&size=l",
        headers={"user-agent": "tests", "x-forwarded-for": "198.51.100.7"},
    )
    assert status == 500
    # the comparison run without errorwire reported nothing: one event
    payloads = served_apps.assert_out_of_stock_reported(
        reports,
        "django",
        "items/<int:item_id>/",
        "http://testserver/items/7/?color=red&size=m&size=l",
    )
    assert vendor_request("rollbar", payloads["rollbar"])["params"] == {"item_id": 7}


def test_regex_route_and_its_params(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    assert get("/legacy/abc/")[0] == 500
    event, _ = reports.one()
    assert event.request is not None
    assert event.request.route == "^legacy/(?P<slug>[a-z]+)/$"
    assert event.request.route_params == {"slug": "abc"}


@pytest.mark.parametrize("path", ["/template/", "/template-in-view/"])
def test_template_rendering_error_is_reported(
    path: str, receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    assert get(path)[0] == 500
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "LookupError"
    assert event.exceptions[0].frames[-1].function == "Exploder.explode"


def test_error_in_other_middleware_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    assert get("/ok/", headers={"x-fail-in-middleware": "1"})[0] == 500
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "MiddlewareFailed"
    assert event.request is not None and event.request.url == "http://testserver/ok/"


def test_error_in_middleware_listed_before_errorwire_is_reported(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    middleware = ["ew_django_site.middleware.FailingMiddleware", ERRORWIRE]
    with override_settings(MIDDLEWARE=middleware):
        response = Client(raise_request_exception=False).get(
            "/ok/", headers={"x-fail-in-middleware": "1"}
        )
    assert response.status_code == 500
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "MiddlewareFailed"
    assert event.framework == "django"
    assert event.request is not None and event.request.url == "http://testserver/ok/"


def test_error_a_middleware_turns_into_its_own_5xx_page_is_reported(
    receiver: Receiver, all_vendors: Env
) -> None:
    """The page middleware is listed before errorwire, so errorwire's process_exception
    sees the exception first (Django calls them innermost first)."""
    reports = start(receiver, all_vendors)
    page = "ew_django_site.middleware.ErrorPageMiddleware"
    with override_settings(MIDDLEWARE=[page, ERRORWIRE]):
        response = Client(raise_request_exception=False).get("/pageable/?status=503")
    assert (response.status_code, response.content) == (
        503,
        b"our own error page (rendered by a middleware)",
    )
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "PageableError"
    assert event.response_status == 503


def test_error_a_middleware_turns_into_a_4xx_page_is_not(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    assert get("/pageable/")[0] == 409
    reports.none()


def test_streaming_body_error_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    for with_errorwire in (False, True):
        with site(with_errorwire):
            response = Client(raise_request_exception=False).get("/stream/")
        assert response.status_code == 200
        chunks = iter(response.streaming_content)
        assert next(chunks) == b"part one\n"
        with pytest.raises(RuntimeError, match="stream broke") as caught:
            next(chunks)
        assert caught.value is views.raised[-1]
        response.close()
    event, _ = reports.one()
    assert event.exceptions[0].message == "stream broke"
    assert event.request is not None and event.request.route == "stream/"


@pytest.mark.parametrize("path", ["/missing/", "/denied/", "/bad/", "/suspicious/", "/ok/"])
def test_client_errors_and_success_send_nothing(
    path: str, receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    status, _ = get(path)
    assert status in (200, 400, 403, 404)
    reports.none()


def test_client_errors_send_nothing_even_without_default_ignores(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors, default_ignores=False)
    for path in ("/missing/", "/denied/", "/bad/", "/suspicious/"):
        assert get(path)[0] in (400, 403, 404)
    reports.none()


def test_form_fields_are_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    data = {"item": "book", "qty": ["2", "3"]}
    assert response_of(True, "POST", "/form/", data=data) == response_of(
        False, "POST", "/form/", data=data
    )
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"item": "book", "qty": ["2", "3"]}
    assert vendor_request("rollbar", payloads["rollbar"])["POST"]["item"] == "book"


def test_json_and_raw_body_are_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    body = json.dumps({"order": 7, "lines": [1, 2]})
    response_of(True, "POST", "/json/", data=body, content_type="application/json")
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.json == {"order": 7, "lines": [1, 2]}
    assert event.request.body == body.encode()
    assert json.loads(vendor_request("raygun", payloads["raygun"])["rawData"]) == json.loads(body)


def test_multipart_form_is_the_parsed_form_with_file_names_and_sizes(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    photo = SimpleUploadedFile("beach.jpg", b"Q" * 3000, content_type="image/jpeg")
    response_of(True, "POST", "/upload/", data={"title": "trip", "photo": photo})
    request = served_apps.assert_trip_photo_reported(reports)
    assert request.body is None  # read as a stream: the parsed form stands for it


def test_body_the_view_never_read_is_not_read(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    response_of(True, "POST", "/unread/", data={"secret": "x"})
    served_apps.assert_unread_body_left_out(reports)


def test_sensitive_post_parameters_are_filtered(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    data = {"user": "alice", "password": "hunter2", "card": "4111111111111111"}
    response_of(True, "POST", "/sensitive/", data=data)
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"user": "alice", "password": FILTERED, "card": FILTERED}
    assert event.request.body is None
    text = json.dumps(payloads)
    assert "hunter2" not in text and "4111111111111111" not in text


def test_sensitive_post_parameters_all(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    response_of(True, "POST", "/sensitive-all/", data={"a": "1", "b": "2"})
    event, _ = reports.one()
    assert event.request is not None and event.request.form == {"a": FILTERED, "b": FILTERED}


@pytest.fixture
def logging_handler() -> Iterator[None]:
    handler = errorwire.LoggingHandler(level=logging.ERROR)
    logging.getLogger().addHandler(handler)
    yield
    logging.getLogger().removeHandler(handler)


def test_django_request_log_record_is_no_second_report(
    receiver: Receiver, all_vendors: Env, logging_handler: None
) -> None:
    reports = start(receiver, all_vendors)
    assert response_of(True, "GET", "/items/1/")[0] == 500
    assert response_of(True, "GET", "/ok/", headers={"x-fail-in-middleware": "1"})[0] == 500
    events = reports.settle()
    assert [e.exceptions[0].short_type for e in events] == ["OutOfStock", "MiddlewareFailed"]
    assert all(e.handled is False for e in events)


def test_test_client_reraises_and_reports_once(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    with pytest.raises(views.OutOfStock) as caught:
        Client().get("/items/9/")
    assert caught.value is views.raised[-1]
    reports.one()


def test_init_from_settings(receiver: Receiver, all_vendors: Env) -> None:
    assert errorwire.get_client() is None
    kept: List[Any] = []
    options = {**all_vendors, "before_send": lambda e, h: kept.append(e) or e}
    with override_settings(ERRORWIRE=options):
        assert Client(raise_request_exception=False).get("/items/2/").status_code == 500
    client = errorwire.get_client()
    assert client is not None and len(client.options.vendors) == 3
    assert errorwire.flush(timeout=10.0)
    assert len(kept) == 1 and len(receiver.wait_for(3)) == 3


ASYNC_MIDDLEWARE = [
    ERRORWIRE,
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
"""A chain Django runs async end to end (every middleware async-capable)."""


@pytest.mark.parametrize("middleware", ["site", "async"])
@pytest.mark.parametrize("path", ["/items/4/?via=asgi", "/async/items/4/?via=asgi"])
def test_under_asgi_view_errors_are_reported_once(
    middleware: str, path: str, receiver: Receiver, all_vendors: Env
) -> None:
    from django.conf import settings
    from django.test import AsyncClient

    reports = start(receiver, all_vendors)
    chain = ASYNC_MIDDLEWARE if middleware == "async" else settings.MIDDLEWARE

    async def run() -> Tuple[int, int]:
        client = AsyncClient(raise_request_exception=False)
        failing = await client.get(path)
        working = await client.get("/ok/")
        return failing.status_code, working.status_code

    with override_settings(MIDDLEWARE=chain):
        assert asyncio.run(run()) == (500, 200)
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "OutOfStock"
    assert event.response_status == 500
    assert event.request is not None and event.request.query == {"via": "asgi"}
    assert event.request.route_params == {"item_id": 4}
    assert event.request.url == f"http://testserver{path}"


def test_under_asgi_concurrent_requests_on_one_thread_keep_their_own_state(
    receiver: Receiver, all_vendors: Env
) -> None:
    """Why the middleware marks each request in a contextvar: under ASGI the async views of
    all requests run on the event loop's one thread, interleaved (a thread-local would mix
    them), and Django keeps no current request of its own to find it by."""
    from django.test import AsyncClient

    reports = start(receiver, all_vendors)
    numbers = [str(n) for n in range(8)]

    async def run() -> List[int]:
        client = AsyncClient(raise_request_exception=False)
        responses = await asyncio.gather(*(client.get(f"/async/me/?n={n}") for n in numbers))
        return [response.status_code for response in responses]

    with override_settings(MIDDLEWARE=ASYNC_MIDDLEWARE):
        assert asyncio.run(run()) == [500] * len(numbers)
    events = reports.settle()
    assert sorted(e.exceptions[0].message.rsplit(" ", 1)[1] for e in events) == numbers
    for event in events:
        number = event.exceptions[0].message.rsplit(" ", 1)[1]
        assert [t for t in event.tags if str(t).startswith("n:")] == [f"n:{number}"]
        assert event.context == f"me {number}"
        assert event.metadata["me"] == {"n": number}


def test_under_asgi_an_async_streaming_body_error_is_reported(
    receiver: Receiver, all_vendors: Env
) -> None:
    from django.test import AsyncClient

    reports = start(receiver, all_vendors)

    async def run() -> List[bytes]:
        response = await AsyncClient().get("/async/stream/")
        chunks = []
        with pytest.raises(RuntimeError, match="async stream broke") as caught:
            async for chunk in response.streaming_content:
                chunks.append(chunk)
        assert caught.value is views.raised[-1]
        return chunks

    with override_settings(MIDDLEWARE=ASYNC_MIDDLEWARE):
        assert asyncio.run(run()) == [b"async part one\n"]
    event, _ = reports.one()
    assert event.exceptions[0].message == "async stream broke"
    assert event.request is not None and event.request.route == "async/stream/"


def test_bad_settings_raise_config_error_when_the_middleware_loads() -> None:
    with (
        override_settings(ERRORWIRE={"sample_rate": 7}),
        pytest.raises(errorwire.ConfigError, match="sample_rate"),
    ):
        Client().get("/ok/")


def test_djangos_records_after_the_middleware_chain_are_no_breadcrumbs_of_later_reports(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    # Django logs "Not Found" / "Service Unavailable" once the middleware chain returned.
    assert get("/missing/")[0] == 404
    assert get("/nowhere/")[0] == 404
    assert get("/unavailable/") == (503, b"down for maintenance")
    errorwire.add_breadcrumb("outside any request")
    errorwire.capture_message("a later report outside any request")
    status, _ = response_of(True, "GET", "/items/3/")
    assert status == 500
    events = reports.settle()
    assert len(events) == 2
    for event in events:
        messages = [crumb.message for crumb in event.breadcrumbs]
        assert not [m for m in messages if "/missing/" in m or "/nowhere/" in m], messages
        assert not [m for m in messages if "/unavailable/" in m], messages
    assert "outside any request" in [crumb.message for crumb in events[0].breadcrumbs]


def test_only_plain_copies_of_a_django_request_reach_the_worker(all_vendors: Env) -> None:
    """The event holds META's plain entries, the route and what the app read, with the
    sensitive field names: not the HttpRequest, nor META's ``wsgi.input``."""
    copies = keep_request_copies(errorwire.init(**all_vendors))
    data = {"user": "alice", "password": "hunter2", "card": "4111111111111111"}
    assert response_of(True, "POST", "/sensitive/", data=data)[0] == 500
    assert errorwire.flush(timeout=10.0)
    (copied,) = copies
    built = assert_plain_request_copy(copied)
    assert (built.url, built.route) == ("http://testserver/sensitive/", "sensitive/")
    assert built.form == {"user": "alice", "password": FILTERED, "card": FILTERED}
