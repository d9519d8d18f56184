"""A real Sanic app on Sanic's own server, with ``Errorwire(app)``: every error reported
once, with its request, to every vendor (schema-valid); the app's responses exactly as
without errorwire."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Tuple

import httpx
import pytest

import errorwire
from errorwire.integrations.sanic import Errorwire
from tests.concurrent_checkouts import assert_payload_persons_match_their_requests, post_checkouts
from tests.integrations.sanic.sanic_apps import make_app, serve
from tests.reports import (
    VENDORS,
    Reports,
    vendor_exception_classes,
    vendor_person_id,
    vendor_request,
)
from tests.route_reports import assert_route_reported

HEADERS = {
    "X-Request-Id": "req-1",
    "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    "Cookie": "theme=dark; lang=en",
    "Authorization": "Bearer s3cr3t-token",
}


def fetch(url: str, method: str = "GET", **kwargs: Any) -> Tuple[int, bytes]:
    """Status and body; a body cut off after the status line ends where it broke."""
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
        return response.status_code, b"".join(chunks)


def both(method: str, path: str, error_pages: bool = False, **kwargs: Any) -> Tuple[int, bytes]:
    """The response of the app with errorwire, asserted equal to the bare app's."""
    with serve(make_app(with_errorwire=False, error_pages=error_pages)) as url:
        bare = fetch(url + path, method, **dict(kwargs))
    with serve(make_app(error_pages=error_pages)) as url:
        wired = fetch(url + path, method, **kwargs)
    assert wired == bare
    return wired


# (method, path, request kwargs, exception chain outermost first, route template, status)
ERROR_ROUTES: List[Tuple[str, str, Dict[str, Any], List[str], str, Optional[int]]] = [
    ("GET", "/view-error?tag=a&tag=b", {}, ["PaymentFailed", "KeyError"], "/view-error", 500),
    (
        "POST",
        "/items/7?verbose=1",
        {"json": {"qty": -1}},
        ["ValueError"],
        "/items/<item_id:int>",
        500,
    ),
    ("GET", "/unavailable", {}, ["ServiceUnavailable"], "/unavailable", 503),
    ("GET", "/stream", {}, ["StreamBroke"], "/stream", None),  # its 200 was already sent
]


@pytest.mark.parametrize(("method", "path", "kwargs", "chain", "route", "status"), ERROR_ROUTES)
def test_error_route_is_reported_once_with_its_request(
    reports: Reports,
    method: str,
    path: str,
    kwargs: Dict[str, Any],
    chain: List[str],
    route: str,
    status: Optional[int],
) -> None:
    assert both(method, path, **kwargs)[0] == (status or 200)
    assert_route_reported(reports, "sanic", method, path, chain, route, status)


def test_route_parameters_query_and_the_json_the_app_read(reports: Reports) -> None:
    path = "/items/7?verbose=1&tag=a&tag=b&api_key=k3y-s3cret"
    both("POST", path, json={"qty": -1, "password": "hunter2"})
    event, payloads = reports.one()
    request = event.request
    assert request is not None
    assert request.route_params == {"item_id": 7}
    assert request.query == {"verbose": "1", "tag": ["a", "b"], "api_key": "k3y-s3cret"}
    assert request.has_json and request.json == {"qty": -1, "password": "hunter2"}
    for vendor in VENDORS:
        assert "hunter2" not in str(payloads[vendor])
        assert "s3cr3t-token" not in str(payloads[vendor])
        assert "k3y-s3cret" not in str(payloads[vendor])


def test_the_form_is_reported_scrubbed(reports: Reports) -> None:
    status, _ = both("POST", "/login", data={"username": "alice", "password": "hunter2"})
    assert status == 500
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"username": "alice", "password": "hunter2"}  # scrubbed later
    assert vendor_request("rollbar", payloads["rollbar"])["POST"] == {
        "username": "alice",
        "password": "[Filtered]",
    }
    for vendor in VENDORS:
        assert "hunter2" not in str(payloads[vendor])


def test_uploads_are_named_never_sent(reports: Reports) -> None:
    content = b"%PDF-1.7 secret contents " * 100
    files = {"doc": ("report.pdf", content, "application/pdf")}
    both("POST", "/upload", data={"title": "q3"}, files=files)
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"title": "q3"}
    [upload] = event.request.files
    assert (upload.field, upload.filename, upload.size, upload.content_type) == (
        "doc",
        "report.pdf",
        len(content),
        "application/pdf",
    )
    for vendor in VENDORS:
        assert "secret contents" not in str(payloads[vendor])


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/missing", 404),
        ("GET", "/no-such-route", 404),
        ("DELETE", "/ok", 405),
        ("GET", "/stock", 409),  # the app's own handler answers it
    ],
)
def test_sanic_answers_below_500_send_nothing(
    reports: Reports, method: str, path: str, status: int
) -> None:
    assert both(method, path)[0] == status
    reports.none()


def test_a_working_route_is_unchanged_and_reports_nothing(reports: Reports) -> None:
    assert both("GET", "/ok") == (200, b"fine")
    reports.none()


def test_the_apps_own_500_page_is_kept_and_the_error_reported(reports: Reports) -> None:
    assert both("GET", "/view-error", error_pages=True) == (500, b"our own 500 page")
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


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
        assert event.context == "/users/<order:str>/checkout"  # Sanic names the type
    assert seen == {str(i) for i in range(count)}
    assert_payload_persons_match_their_requests(reports)


def test_a_websocket_handler_error_is_reported_with_its_request_and_person(
    reports: Reports,
) -> None:
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect  # websockets 13+ (additional_headers)

    async def talk(url: str) -> None:
        socket_url = url.replace("http://", "ws://") + "/ws?room=7"
        async with connect(socket_url, additional_headers={"X-User": "carol"}) as ws:
            await ws.send("hello")
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()  # Sanic closes the socket after the handler failed

    with serve(make_app()) as url:
        asyncio.run(talk(url))
    event, payloads = reports.one()
    assert event.exceptions[0].message == "cannot handle 'hello'"
    assert event.request is not None and event.request.route == "/ws"
    assert event.request.url.endswith("/ws?room=7")
    assert event.person is not None and event.person.id == "carol"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["SocketFailed"]
        assert vendor_person_id(vendor, payloads[vendor]) == "carol"


def test_errorwire_twice_still_one_report(reports: Reports) -> None:
    app = make_app()
    Errorwire(app)
    with serve(app) as url:
        assert fetch(url + "/view-error")[0] == 500
    reports.one()


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
