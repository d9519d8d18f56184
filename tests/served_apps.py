"""The drives the server tests of the web integrations share (Sanic, Tornado, aiohttp,
Quart, Channels, ...): each serves its test app on its framework's own server and sends
real requests; these fetch, compare the app with and without errorwire, and check the
reports of the requests every test app answers alike (a JSON item, a login form, an
upload, a websocket, errorwire set up from the environment)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, ContextManager, Dict, List, Optional, Tuple

import httpx
import pytest

import errorwire
from errorwire.core.event import Event, Request
from tests.reports import (
    VENDORS,
    Reports,
    assert_request_reported,
    vendor_exception_classes,
    vendor_person_id,
    vendor_request,
)
from tests.route_reports import HEADERS

Payloads = Dict[str, Dict[str, Any]]
SECRET_ITEM = {"qty": -1, "password": "hunter2"}
"""The JSON body posted to ``/items/7``: the password must not reach any vendor."""


def fetch(url: str, method: str = "GET", **kwargs: Any) -> Tuple[int, bytes]:
    """Status and body; a body cut off after the status line ends where it broke."""
    with httpx.Client(timeout=10.0) as client, client.stream(method, url, **kwargs) as response:
        chunks: List[bytes] = []
        with contextlib.suppress(httpx.HTTPError):
            chunks.extend(response.iter_bytes())
        return response.status_code, b"".join(chunks)


@dataclass(frozen=True)
class ServedApp:
    """A test app maker (``with_errorwire=False`` for the bare app) and the server for it."""

    make_app: Callable[..., Any]
    serve: Callable[[Any], ContextManager[str]]

    def both(
        self, method: str, path: str, app_options: Optional[Dict[str, Any]] = None, **kwargs: Any
    ) -> Tuple[int, bytes]:
        """The response of the app with errorwire (sent ``HEADERS``), asserted equal to the
        bare app's."""
        options = app_options or {}
        headers = {**HEADERS, **kwargs.pop("headers", {})}
        with self.serve(self.make_app(with_errorwire=False, **options)) as url:
            bare = fetch(url + path, method, headers=headers, **kwargs)
        with self.serve(self.make_app(**options)) as url:
            wired = fetch(url + path, method, headers=headers, **kwargs)
        assert wired == bare
        return wired


def assert_secrets_not_sent(payloads: Payloads, *secrets: str) -> None:
    for vendor in VENDORS:
        for secret in secrets:
            assert secret not in str(payloads[vendor]), (vendor, secret)


def assert_item_json_reported(
    reports: Reports, route_params: Dict[str, Any], query: Dict[str, Any]
) -> Tuple[Event, Payloads]:
    """After a POST of ``SECRET_ITEM`` to ``/items/7`` with ``api_key=k3y-s3cret`` in the
    query: the route's parameters, the query and the JSON as the app read them, and no
    password, token or key sent."""
    event, payloads = reports.one()
    request = event.request
    assert request is not None
    assert request.route_params == route_params
    assert request.query == query
    assert request.has_json and request.json == SECRET_ITEM
    assert_secrets_not_sent(payloads, "hunter2", "s3cr3t-token", "k3y-s3cret")
    return event, payloads


def assert_item_query_reported(
    reports: Reports, both: Callable[..., Tuple[int, bytes]], route_params: Dict[str, Any]
) -> Tuple[Event, Payloads]:
    """``SECRET_ITEM`` posted to ``/items/7`` with a query of a repeated, an encoded and a
    secret field: reported as ``assert_item_json_reported`` says, the query string as sent."""
    path = "/items/7?verbose=1&tag=a&tag=b&q=caf%C3%A9&api_key=k3y-s3cret"
    both("POST", path, json=SECRET_ITEM)
    query = {"verbose": "1", "tag": ["a", "b"], "q": "café", "api_key": "k3y-s3cret"}
    event, payloads = assert_item_json_reported(reports, route_params, query)
    assert event.request is not None
    assert event.request.query_string == path.split("?", 1)[1]  # as sent
    return event, payloads


def assert_out_of_stock_reported(
    reports: Reports, framework: str, route: str, url: str
) -> Payloads:
    """After a GET of ``/items/7`` with ``?color=red&size=m&size=l``, User-Agent ``tests``
    and X-Forwarded-For ``198.51.100.7`` (the Flask and Django apps): its one report, the
    app's OutOfStock from a ValueError in ``reserve_item``, with the request, at every vendor."""
    event, payloads = reports.one()
    assert event.framework == framework and event.handled is False
    assert [e.short_type for e in event.exceptions] == ["OutOfStock", "ValueError"]
    assert event.exceptions[0].frames[-1].function == "reserve_item"
    assert event.context == route
    assert event.response_status == 500
    request = event.request
    assert request is not None
    assert (request.url, request.method, request.client_ip) == (url, "GET", "198.51.100.7")
    assert request.query == {"color": "red", "size": ["m", "l"]}
    assert request.route_params == {"item_id": 7}
    assert request.headers["User-Agent"] == "tests"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["OutOfStock", "ValueError"]
    assert_request_reported(payloads, url=url, method="GET", client_ip="198.51.100.7")
    return payloads


def assert_trip_photo_reported(reports: Reports) -> Request:
    """After a multipart POST of ``title=trip`` and a 3000-byte ``photo`` named beach.jpg
    (the Flask and Django apps): its one report has the form and names the file, whose
    bytes are sent nowhere. Returns the reported request."""
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"title": "trip"}
    [upload] = event.request.files
    assert (upload.field, upload.filename, upload.size) == ("photo", "beach.jpg", 3000)
    assert_secrets_not_sent(payloads, "QQQQ")
    return event.request


def assert_unread_body_left_out(reports: Reports) -> None:
    """The one report of a POST whose view never read its form (the Flask and Django apps):
    no body and no form in it."""
    event, _ = reports.one()
    assert event.request is not None
    assert event.request.body is None and event.request.form == {}


def assert_item_json_and_route_params_reported(reports: Reports) -> None:
    """After a POST of ``{"qty": -1, "sku": "X1", "password": "hunter2"}`` to ``/items/7``
    (an int route parameter): the JSON as the app read it, sent with the password filtered."""
    event, payloads = reports.one()
    request = event.request
    assert request is not None
    assert request.has_json
    assert request.json == {"qty": -1, "sku": "X1", "password": "hunter2"}  # scrubbed when sent
    assert request.route_params == {"item_id": 7}
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["json"] == {"qty": -1, "sku": "X1", "password": "[Filtered]"}
    assert rollbar["params"] == {"item_id": 7}
    assert_secrets_not_sent(payloads, "hunter2")


def assert_signup_form_reported_scrubbed(reports: Reports, password: str = "hunter2") -> None:
    """After ``POST /signup`` of ``email=a@example.com&password=<password>`` failed: the form
    the app read, sent with the password filtered."""
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"email": "a@example.com", "password": password}
    assert vendor_request("rollbar", payloads["rollbar"])["POST"] == {
        "email": "a@example.com",
        "password": "[Filtered]",
    }
    assert vendor_request("raygun", payloads["raygun"])["form"]["email"] == "a@example.com"
    assert_secrets_not_sent(payloads, password)


def assert_stream_error_reported(reports: Reports, url: str) -> None:
    """After ``/stream`` broke (``StreamBroke``) once its status was sent: one report of it,
    with its request's ``url``."""
    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == ["StreamBroke"]
    assert event.context == "/stream"
    assert event.request is not None and event.request.url == url
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["StreamBroke"]


def assert_checkout_people_reported(reports: Reports) -> List[Event]:
    """After checkouts as ``X-User: alice`` and anonymous, then ``/person`` (where the app's
    ``set_person`` names bob, 42, over alice): each report's person, at every vendor."""
    events = reports.settle()
    people = [
        (e.person.id, e.person.username, e.person.email) if e.person else None for e in events
    ]
    assert people == [("alice", "alice", "alice@example.com"), None, ("42", "bob", None)]
    for vendor in VENDORS:
        ids = [vendor_person_id(vendor, p) for p in reports.payloads(vendor)]
        assert ids == ["alice", None, "42"], vendor
    return events


def assert_person_from_the_request(reports: Reports, served: ServedApp) -> None:
    """``/view-error`` as ``X-User: alice`` (the test apps' way to sign in): the report's
    person is alice, at every vendor."""
    with served.serve(served.make_app()) as url:
        assert fetch(url + "/view-error", headers={**HEADERS, "X-User": "alice"})[0] == 500
    event, payloads = reports.one()
    assert event.person is not None and event.person.id == "alice"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "alice"


def assert_login_form_reported_scrubbed(
    reports: Reports, both: Callable[..., Tuple[int, bytes]]
) -> Payloads:
    """``POST /login`` fails with the form the app read: reported, the password filtered."""
    status, _ = both("POST", "/login", data={"username": "alice", "password": "hunter2"})
    assert status == 500
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"username": "alice", "password": "hunter2"}  # scrubbed later
    assert vendor_request("rollbar", payloads["rollbar"])["POST"] == {
        "username": "alice",
        "password": "[Filtered]",
    }
    assert_secrets_not_sent(payloads, "hunter2")
    return payloads


def assert_upload_named_never_sent(
    reports: Reports, both: Callable[..., Tuple[int, bytes]], form: Optional[Dict[str, str]]
) -> None:
    """``POST /upload`` of a PDF (and ``form``, reported as such): the file named in the
    report, never sent."""
    content = b"%PDF-1.7 secret contents " * 100
    files = {"doc": ("report.pdf", content, "application/pdf")}
    both("POST", "/upload", files=files, **({} if form is None else {"data": form}))
    event, payloads = reports.one()
    assert event.request is not None
    if form is not None:
        assert event.request.form == form
    [upload] = event.request.files
    assert (upload.field, upload.filename, upload.size, upload.content_type) == (
        "doc",
        "report.pdf",
        len(content),
        "application/pdf",
    )
    assert_secrets_not_sent(payloads, "secret contents")


def assert_unread_body_not_reported(reports: Reports, served: ServedApp) -> None:
    """``POST /unread`` fails before the app reads its JSON body: no body reported."""
    with served.serve(served.make_app()) as url:
        status, _ = fetch(
            url + "/unread",
            "POST",
            content=b'{"note": "untouched-body"}',
            headers={"Content-Type": "application/json"},
        )
    assert status == 500
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.body is None and not event.request.has_json
    assert_secrets_not_sent(payloads, "untouched-body")


def say_hello_over_websocket(served: ServedApp, path: str) -> None:
    """A websocket to ``path`` as ``X-User: carol`` says hello, and its handler fails: the
    server closes the socket."""
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect  # websockets 13+ (additional_headers)

    async def talk(url: str) -> None:
        socket_url = url.replace("http://", "ws://") + path
        async with connect(socket_url, additional_headers={"X-User": "carol"}) as ws:
            await ws.send("hello")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()  # the server closes the socket after the handler failed

    with served.serve(served.make_app()) as url:
        asyncio.run(talk(url))


def assert_websocket_error_reported(reports: Reports, served: ServedApp) -> None:
    """After hello on ``/ws?room=7`` (``SocketFailed: cannot handle 'hello'``): the report
    names the socket's request and person."""
    say_hello_over_websocket(served, "/ws?room=7")
    event, payloads = reports.one()
    assert event.exceptions[0].message == "cannot handle 'hello'"
    assert event.request is not None and event.request.route == "/ws"
    assert event.request.url.endswith("/ws?room=7")
    assert event.person is not None and event.person.id == "carol"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["SocketFailed"]
        assert vendor_person_id(vendor, payloads[vendor]) == "carol"


def assert_init_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, receiver: Any, serving: Callable[[], ContextManager[str]]
) -> None:
    """With only ``ROLLBAR_*`` in the environment and no ``init()``, the integration sets
    errorwire up itself: ``/view-error`` fails and its report arrives."""
    monkeypatch.setenv("ROLLBAR_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("ROLLBAR_ENDPOINT", receiver.endpoints()["rollbar"])
    with serving() as url:
        assert errorwire.get_client() is not None
        assert fetch(url + "/view-error")[0] == 500
    assert errorwire.flush(timeout=10.0)
    assert len(receiver.wait_for(1, timeout=10.0)) == 1


def demo_statuses(app: Any, serve: Callable[[Any], ContextManager[str]], demo: Any) -> List[int]:
    """Each of an example app's ``DEMO_REQUESTS`` sent as alice to ``app`` served by
    ``serve``: the status line's code (a stream that breaks after its first row is cut off)."""
    statuses = []
    with serve(app) as url:
        for method, path, body in demo:
            headers = {"X-User": "alice"}
            with httpx.stream(method, url + path, json=body, headers=headers, timeout=10) as answer:
                with contextlib.suppress(httpx.RemoteProtocolError):
                    answer.read()
                statuses.append(answer.status_code)
    return statuses


def demo_answers(url: str, demo: Any) -> List[Optional[int]]:
    """Each of an example app's ``DEMO_REQUESTS`` sent as alice to the server at ``url``:
    its status, None for a stream that broke after its first chunk."""
    statuses: List[Optional[int]] = []
    with httpx.Client(base_url=url) as client:
        for method, path, body in demo:
            try:
                response = client.request(method, path, json=body, headers={"X-User": "alice"})
                statuses.append(response.status_code)
            except httpx.RemoteProtocolError:
                statuses.append(None)
    return statuses


def assert_demo_reported(reports: Reports, expected: List[Tuple[str, str]]) -> List[Event]:
    """The example app's reports: (exception type, context) each as ``expected``, all of
    them alice's."""
    events = reports.settle()
    assert [(e.exceptions[0].short_type, e.context) for e in events] == expected
    assert all(e.person is not None and e.person.id == "alice" for e in events)
    return events


def assert_demo_checkout(event: Event) -> None:
    """The example apps' failed checkout: the cart the demo posted and its one breadcrumb."""
    assert event.request is not None
    assert event.request.json == {"cart": [1, 2], "coupon": "SPRING"}
    assert [b.message for b in event.breadcrumbs] == ["checkout started"]


def assert_demo_item_person_and_checkout(events: List[Event], item_route: str) -> None:
    """Among the example app's reports: the item route's (``item_route``) is alice's, and the
    checkout's as the demo posted it."""
    by_context = {e.context: e for e in events}
    person = by_context[item_route].person
    assert person is not None and person.id == "alice"
    assert_demo_checkout(by_context["/checkout"])


class FromTheEnvironment:
    """A server test module's ``Test...`` class over ``served`` gets this test."""

    served: ClassVar[ServedApp]

    def test_init_from_the_environment_when_the_user_did_not(
        self, monkeypatch: pytest.MonkeyPatch, receiver: Any
    ) -> None:
        served = self.served
        assert_init_from_the_environment(
            monkeypatch, receiver, lambda: served.serve(served.make_app())
        )


class LikeEveryServedApp(FromTheEnvironment):
    """The tests of the test apps that answer alike (Sanic's, Tornado's): a login form, an
    upload, ``/ok``, a websocket on ``/ws`` and ``errorwire`` added twice."""

    errorwire: ClassVar[Callable[[Any], Any]]
    """The integration's ``Errorwire``, added once more to an app that has it."""

    def test_the_form_is_reported_scrubbed(self, reports: Reports) -> None:
        assert_login_form_reported_scrubbed(reports, self.served.both)

    def test_uploads_are_named_never_sent(self, reports: Reports) -> None:
        assert_upload_named_never_sent(reports, self.served.both, {"title": "q3"})

    def test_a_working_route_is_unchanged_and_reports_nothing(self, reports: Reports) -> None:
        assert self.served.both("GET", "/ok") == (200, b"fine")
        reports.none()

    def test_a_websocket_handler_error_is_reported_with_its_request_and_person(
        self, reports: Reports
    ) -> None:
        assert_websocket_error_reported(reports, self.served)

    def test_errorwire_twice_still_one_report(self, reports: Reports) -> None:
        app = self.served.make_app()
        type(self).errorwire(app)
        with self.served.serve(app) as url:
            assert fetch(url + "/view-error")[0] == 500
        reports.one()
