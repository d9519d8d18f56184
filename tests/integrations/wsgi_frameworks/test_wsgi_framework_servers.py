"""The same shop as a Pyramid app (``config.include("errorwire.integrations.pyramid")``) and
a Bottle app (``app.install(ErrorwirePlugin())``) under waitress: every error reported once,
with its request, to every vendor (schema-valid); responses exactly as without errorwire."""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Tuple

import httpx
import pytest

import errorwire
from errorwire.core.text import header
from tests import served_apps
from tests.concurrent_checkouts import assert_checkouts_kept_apart
from tests.integrations.wsgi_frameworks.wsgi_framework_apps import MAKERS, ROUTES, serve
from tests.reports import (
    VENDORS,
    Reports,
    assert_request_reported,
    vendor_context,
    vendor_exception_classes,
    vendor_person_id,
    vendor_request,
)

HEADERS = {
    "X-Request-Id": "req-1",
    "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    "Cookie": "theme=dark; lang=en",
    "Authorization": "Bearer s3cr3t-token",
}


def fetch(url: str, method: str = "GET", **kwargs: Any) -> Tuple[int, bytes]:
    """Status and body; a body cut off after the status line ends where it broke. Bottle's
    error page names the URL: the two servers differ in their port."""
    headers = {**HEADERS, **kwargs.pop("headers", {})}
    with (
        httpx.Client(timeout=10.0) as client,
        client.stream(method, url, headers=headers, **kwargs) as response,
    ):
        chunks: List[bytes] = []
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
        except httpx.HTTPError:
            pass
        base = url.split("/", 3)[:3]
        return response.status_code, b"".join(chunks).replace("/".join(base).encode(), b"URL")


def both(
    kind: str, method: str, path: str, error_pages: bool = False, **kw: Any
) -> Tuple[int, bytes]:
    """The response of the app with errorwire, asserted equal to the bare app's."""
    make = MAKERS[kind]
    with serve(make(with_errorwire=False, error_pages=error_pages)) as url:
        bare = fetch(url + path, method, **dict(kw))
    with serve(make(error_pages=error_pages)) as url:
        wired = fetch(url + path, method, **kw)
    assert wired == bare
    return wired


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "chain", "route", "status"),
    [
        ("GET", "/view-error?tag=a&tag=b", {}, ["PaymentFailed", "KeyError"], "/view-error", 500),
        ("POST", "/items/7?verbose=1", {"json": {"qty": -1}}, ["ValueError"], "items", 500),
        ("GET", "/unavailable", {}, ["*"], "/unavailable", 503),
    ],
)
def test_error_route_is_reported_once_with_its_request(
    reports: Reports,
    kind: str,
    method: str,
    path: str,
    kwargs: Dict[str, Any],
    chain: List[str],
    route: str,
    status: int,
) -> None:
    route = ROUTES[kind].get(route, route)
    assert both(kind, method, path, **kwargs)[0] == status
    event, payloads = reports.one()
    if chain == ["*"]:  # the framework's own 503 exception
        chain = [{"pyramid": "HTTPServiceUnavailable", "bottle": "HTTPError"}[kind]]
    assert [info.short_type for info in event.exceptions] == chain
    assert (event.framework, event.handled, event.context) == (kind, False, route)
    assert event.response_status == status
    request = event.request
    assert request is not None
    assert request.url.startswith("http://127.0.0.1:") and request.url.endswith(path)
    assert request.method == method
    assert header(request.headers, "x-request-id") == "req-1"
    assert request.cookies == {"theme": "dark", "lang": "en"}
    assert request.route == route
    assert_request_reported(payloads, url=request.url, method=method, client_ip="203.0.113.7")
    for vendor in VENDORS:
        payload = payloads[vendor]
        assert vendor_exception_classes(vendor, payload) == chain
        headers = vendor_request(vendor, payload)["headers"]
        assert header(headers, "authorization") == "[Filtered]"
        assert vendor_context(vendor, payload) in (route, None)
    assert vendor_context("rollbar", payloads["rollbar"]) == route


def test_route_parameters_query_and_the_json_the_app_read(reports: Reports, kind: str) -> None:
    path = "/items/7?verbose=1&tag=a&tag=b&api_key=k3y-s3cret"
    both(kind, "POST", path, json={"qty": -1, "password": "hunter2"})
    event, payloads = reports.one()
    request = event.request
    assert request is not None
    assert request.route_params == {"item_id": 7 if kind == "bottle" else "7"}
    assert request.query == {"verbose": "1", "tag": ["a", "b"], "api_key": "k3y-s3cret"}
    assert request.has_json and request.json == {"qty": -1, "password": "hunter2"}
    for vendor in VENDORS:
        assert "hunter2" not in str(payloads[vendor])
        assert "s3cr3t-token" not in str(payloads[vendor])
        assert "k3y-s3cret" not in str(payloads[vendor])


def test_the_form_the_app_read_is_reported_scrubbed(reports: Reports, kind: str) -> None:
    status, _ = both(kind, "POST", "/signup", data={"email": "a@example.com", "password": "pw1"})
    assert status == 500
    served_apps.assert_signup_form_reported_scrubbed(reports, password="pw1")


def test_error_while_streaming_is_reported_once(reports: Reports, kind: str) -> None:
    status, body = both(kind, "GET", "/stream")
    assert status == 200 and body.startswith(b"first,")
    event, payloads = reports.one()
    assert event.exceptions[0].short_type == "StreamBroke"
    assert event.context == "/stream"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["StreamBroke"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/missing", 404), ("GET", "/no-such-route", 404), ("GET", "/signup", None)],
)
def test_framework_answers_below_500_send_nothing(
    reports: Reports, kind: str, method: str, path: str, status: Any
) -> None:
    expected = status or {"pyramid": 404, "bottle": 405}[kind]  # a route of another method
    assert both(kind, method, path)[0] == expected
    reports.none()


def test_a_working_route_is_unchanged_and_reports_nothing(reports: Reports, kind: str) -> None:
    assert both(kind, "GET", "/ok") == (200, b"fine")
    reports.none()


def test_the_apps_own_500_page_is_kept_and_the_error_reported(reports: Reports, kind: str) -> None:
    assert both(kind, "GET", "/view-error", error_pages=True) == (500, b"our own 500 page")
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


def test_the_frameworks_user_is_the_person(reports: Reports, kind: str) -> None:
    if kind == "pyramid":  # the app's security policy reads X-User
        who = {"X-User": "alice"}
    else:  # Bottle knows the user of HTTP authentication
        who = {"Authorization": "Basic " + base64.b64encode(b"alice:pw").decode()}
    with serve(MAKERS[kind]()) as url:
        assert fetch(url + "/view-error", headers=who)[0] == 500
    event, payloads = reports.one()
    assert event.person is not None and event.person.id == "alice"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "alice"
        assert "pw" not in str(vendor_request(vendor, payloads[vendor]).get("headers"))


def test_30_concurrent_users_each_get_their_own_person_breadcrumbs_and_request(
    reports: Reports, kind: str
) -> None:
    with serve(MAKERS[kind]()) as url:
        assert_checkouts_kept_apart(url, reports, ROUTES[kind]["checkout"])


def test_init_from_the_environment_when_the_user_did_not(
    monkeypatch: pytest.MonkeyPatch, receiver: Any, kind: str
) -> None:
    monkeypatch.setenv("ROLLBAR_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("ROLLBAR_ENDPOINT", receiver.endpoints()["rollbar"])
    with serve(MAKERS[kind]()) as url:
        assert errorwire.get_client() is not None
        assert fetch(url + "/view-error")[0] == 500
    assert errorwire.flush(timeout=10.0)
    assert len(receiver.wait_for(1, timeout=10.0)) == 1


def test_a_base_exception_subclass_is_reported_and_reaches_the_server(
    reports: Reports, kind: str
) -> None:
    """Called as a server calls a WSGI app (waitress would lose its worker thread to it)."""
    from wsgiref.util import setup_testing_defaults

    from tests.integrations.wsgi_frameworks.wsgi_framework_apps import Halt

    environ: Dict[str, Any] = {"PATH_INFO": "/halt"}
    setup_testing_defaults(environ)
    with pytest.raises(Halt):
        MAKERS[kind]()(environ, lambda status, headers, exc_info=None: None)
    event, payloads = reports.one()
    assert event.exceptions[0].short_type == "Halt" and event.context == "/halt"
    assert payloads["bugsnag"]["events"][0]["unhandled"] is True


def test_after_a_request_this_thread_is_outside_any_request(reports: Reports, kind: str) -> None:
    """Bottle leaves its thread-local request bound after the request: nothing of errorwire
    may take it for the current request later (a report outside requests has none)."""
    from wsgiref.util import setup_testing_defaults

    environ: Dict[str, Any] = {"PATH_INFO": "/ok"}
    setup_testing_defaults(environ)
    body = MAKERS[kind]()(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(body) == b"fine"
    errorwire.set_person(id="someone-outside")
    errorwire.capture_message("outside any request")
    event, _ = reports.one()
    assert event.request is None and event.framework is None
    assert event.person is not None and event.person.id == "someone-outside"
