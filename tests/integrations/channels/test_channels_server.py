"""A Channels application under uvicorn with ``ErrorwireMiddleware(router)``: HTTP and
websocket consumers' errors reported once with their request, route and user, to every
vendor (schema-valid); responses exactly as without errorwire."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

import httpx
import pytest

import errorwire
from tests.concurrent_checkouts import assert_payload_persons_match_their_requests, post_checkouts
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.channels.channels_apps import make_app
from tests.reports import VENDORS, Reports, vendor_exception_classes, vendor_person_id
from tests.route_reports import ErrorRoute, assert_route_reported, each_error_route

HEADERS = {
    "X-Request-Id": "req-1",
    "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    "Cookie": "theme=dark; lang=en",
    "Authorization": "Bearer s3cr3t-token",
}


def fetch(url: str, method: str = "GET", **kwargs: Any) -> Tuple[int, bytes]:
    headers = {**HEADERS, **kwargs.pop("headers", {})}
    with httpx.Client(timeout=10.0) as client:
        response = client.request(method, url, headers=headers, **kwargs)
        return response.status_code, response.content


def both(method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    """The response of the app with errorwire, asserted equal to the bare app's."""
    with serve(make_app(with_errorwire=False)) as url:
        bare = fetch(url + path, method, **dict(kwargs))
    with serve(make_app()) as url:
        wired = fetch(url + path, method, **kwargs)
    assert wired == bare
    return wired


ERROR_ROUTES: List[Tuple[str, str, Dict[str, Any], List[str], str]] = [
    ("GET", "/view-error?tag=a&tag=b", {}, ["PaymentFailed", "KeyError"], "/view-error"),
    ("POST", "/items/7?verbose=1", {"json": {"qty": -1}}, ["ValueError"], "/items/<int:item_id>"),
]


@each_error_route(ERROR_ROUTES)
def test_http_consumer_error_is_reported_once_with_its_request(
    reports: Reports,
    error_route: ErrorRoute,
) -> None:
    method, path, kwargs, chain, route, _ = error_route
    assert both(method, path, **kwargs)[0] == 500
    assert_route_reported(reports, "channels", method, path, chain, route, None)


def test_route_parameters_and_the_json_body(reports: Reports) -> None:
    both("POST", "/items/7?verbose=1", json={"qty": -1, "password": "hunter2"})
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.route_params == {"item_id": 7}
    assert event.request.has_json and event.request.json == {"qty": -1, "password": "hunter2"}
    for vendor in VENDORS:
        assert "hunter2" not in str(payloads[vendor])


def test_a_working_consumer_is_unchanged_and_reports_nothing(reports: Reports) -> None:
    assert both("GET", "/ok") == (200, b"fine")
    reports.none()


def test_the_user_in_the_scope_is_the_person(reports: Reports) -> None:
    with serve(make_app()) as url:
        assert fetch(url + "/view-error", headers={"X-User": "alice"})[0] == 500
    event, payloads = reports.one()
    assert event.person is not None and event.person.id == "alice"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "alice"


def test_30_concurrent_users_each_get_their_own_person_breadcrumbs_and_request(
    reports: Reports,
) -> None:
    count = 30
    with serve(make_app()) as url:
        assert post_checkouts(url, count, body=True) == [500] * count
    events = reports.settle()
    assert len(events) == count
    seen = set()
    for event in events:
        assert event.request is not None and event.person is not None
        number = event.request.route_params["order"].split("-", 1)[1]
        seen.add(number)
        assert event.person.id == f"user-{number}"
        assert event.request.headers["x-request-id"] == f"req-{number}"
        assert event.request.body == f"order body {number}".encode()
        assert [c.message for c in event.breadcrumbs] == [f"checkout o-{number} by user-{number}"]
        assert event.context == "/^users/(?P<order>[^/]+)/checkout$"
    assert seen == {str(i) for i in range(count)}
    assert_payload_persons_match_their_requests(reports)


def test_a_websocket_consumer_error_is_reported_with_its_request_and_person(
    reports: Reports,
) -> None:
    pytest.importorskip("websockets")
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async def talk(url: str) -> None:
        socket_url = url.replace("http://", "ws://") + "/ws/rooms/lobby/?x=1"
        async with connect(socket_url, additional_headers={"X-User": "carol"}) as ws:
            await ws.send("hello")
            with pytest.raises(ConnectionClosed):  # the server closes a failed app's socket
                await ws.recv()

    with serve(make_app()) as url:
        asyncio.run(talk(url))
    event, payloads = reports.one()
    assert event.exceptions[0].message == "cannot handle 'hello' in lobby"
    assert event.request is not None and event.request.url.endswith("/ws/rooms/lobby/?x=1")
    assert event.context == "/ws/rooms/<str:room>/"
    assert event.request.route_params == {"room": "lobby"}
    assert event.person is not None and event.person.id == "carol"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["SocketFailed"]
        assert vendor_person_id(vendor, payloads[vendor]) == "carol"


def test_init_from_the_environment_when_the_user_did_not(
    monkeypatch: pytest.MonkeyPatch, receiver: Any
) -> None:
    monkeypatch.setenv("ROLLBAR_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("ROLLBAR_ENDPOINT", receiver.endpoints()["rollbar"])
    with serve(make_app()) as url:
        assert errorwire.get_client() is not None
        assert fetch(url + "/view-error")[0] == 500
    assert errorwire.flush(timeout=10.0)
    assert len(receiver.wait_for(1, timeout=10.0)) == 1
