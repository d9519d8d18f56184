"""Real Falcon apps (``falcon.App`` under wsgiref, ``falcon.asgi.App`` under uvicorn) with
ErrorwireMiddleware: what arrives at the receiver, and the responses as without errorwire."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, List, Tuple

import pytest

from tests.concurrent_checkouts import (
    assert_payload_scopes_match_their_requests,
    checkout_reports,
    post_checkouts,
)
from tests.integrations.falcon.falcon_support import Server
from tests.reports import (
    VENDORS,
    Reports,
    vendor_exception_classes,
    vendor_person_id,
)
from tests.route_reports import (
    ErrorRoute,
    assert_route_reported,
    each_error_route,
    header,
    item_route,
    respond,
    view_error_route,
)
from tests.served_apps import (
    assert_checkout_people_reported,
    assert_init_from_the_environment,
    assert_item_json_and_route_params_reported,
    assert_signup_form_reported_scrubbed,
    assert_stream_error_reported,
    fetch,
)

ERROR_ROUTES: List[ErrorRoute] = [
    view_error_route(),
    item_route("/items/{item_id:int}"),
    ErrorRoute(
        "POST", "/signup", {"data": {"email": "a@example.com"}}, ["RuntimeError"], "/signup"
    ),
]


def bare_answer(server: Server, method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    """The answer of the app without errorwire: what the app with it must answer."""
    with server(with_errorwire=False) as bare_url:
        return respond(bare_url, method, path, **kwargs)


@each_error_route(ERROR_ROUTES)
def test_error_route_is_reported_once_with_its_request(
    reports: Reports,
    server: Server,
    error_route: ErrorRoute,
) -> None:
    method, path, kwargs, chain, route, _ = error_route
    bare = bare_answer(server, method, path, **kwargs)
    with server() as url:
        assert respond(url, method, path, **kwargs) == bare
    assert bare[0] == 500

    assert_route_reported(reports, "falcon", method, path, chain, route, url=url + path)


def test_json_body_and_route_params_reach_the_report(reports: Reports, server: Server) -> None:
    with server() as url:
        respond(url, "POST", "/items/7", json={"qty": -1, "sku": "X1", "password": "hunter2"})
    assert_item_json_and_route_params_reported(reports)


def test_form_fields_the_app_read_are_reported_scrubbed(reports: Reports, server: Server) -> None:
    with server() as url:
        respond(url, "POST", "/signup", data={"email": "a@example.com", "password": "hunter2"})
    assert_signup_form_reported_scrubbed(reports)


def test_a_body_the_app_did_not_read_is_not_read(reports: Reports, server: Server) -> None:
    with server() as url:
        assert respond(url, "POST", "/view-error", content=b"never read")[0] == 405
        assert respond(url, "GET", "/view-error", content=b"never read")[0] == 500
    event, _ = reports.one()
    assert event.request is not None
    assert event.request.body is None


def test_error_while_streaming_is_reported_once(reports: Reports, server: Server) -> None:
    with server(with_errorwire=False) as bare_url:
        bare = fetch(bare_url + "/stream")[0]
    with server() as url:
        assert fetch(url + "/stream")[0] == bare == 200
    assert_stream_error_reported(reports, url + "/stream")


FALCON_ANSWERS = [
    ("GET", "/missing", 404),  # HTTPNotFound raised by the responder
    ("GET", "/no-such-route", 404),
    ("GET", "/count?number=abc", 400),  # HTTPInvalidParam
    ("GET", "/count", 400),  # HTTPMissingParam
    ("DELETE", "/ok", 405),
    ("GET", "/items/seven", 404),  # the int converter does not match
    ("GET", "/stock", 409),  # the app's own error handler answers it
]


def test_falcon_answers_below_500_send_nothing(reports: Reports, server: Server) -> None:
    with server(with_errorwire=False) as bare_url:
        bare = [respond(bare_url, method, path) for method, path, _ in FALCON_ANSWERS]
    with server() as url:
        answers = [respond(url, method, path) for method, path, _ in FALCON_ANSWERS]
        assert respond(url, "GET", "/ok") == (200, b"fine")
    assert answers == bare
    assert [status for status, _ in answers] == [status for _, _, status in FALCON_ANSWERS]
    reports.none()


def test_http_error_of_500_and_above_is_reported_with_falcons_own_answer(
    reports: Reports, server: Server
) -> None:
    bare = bare_answer(server, "GET", "/unavailable")
    with server() as url:
        assert respond(url, "GET", "/unavailable") == bare
    assert bare[0] == 503
    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == ["HTTPServiceUnavailable"]
    assert event.context == "/unavailable"
    assert event.handled is False
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["HTTPServiceUnavailable"]


def test_authenticated_user_becomes_the_person_and_set_person_wins(
    reports: Reports, server: Server
) -> None:
    with server() as url:
        respond(url, "POST", "/users/o-1/checkout", headers={"X-User": "alice"}, content=b"one")
        respond(url, "POST", "/users/o-2/checkout", content=b"two")  # anonymous
        respond(url, "GET", "/person", headers={"X-User": "alice"})  # set_person wins
    assert_checkout_people_reported(reports)


def test_a_user_object_that_fails_does_not_break_the_report(
    reports: Reports, server: Server
) -> None:
    with server() as url:
        assert respond(url, "GET", "/view-error", headers={"X-User": "broken"})[0] == 500
    event, payloads = reports.one()
    assert event.person is not None
    assert (event.person.id, event.person.username, event.person.email) == (
        "broken",
        "broken",
        None,
    )
    assert vendor_person_id("rollbar", payloads["rollbar"]) == "broken"


def test_30_concurrent_users_each_get_their_own_person_breadcrumbs_and_request(
    reports: Reports, server: Server, kind: str
) -> None:
    count = 30

    with server() as url:
        assert post_checkouts(url, count, body=True) == [500] * count
    for number, event, request in checkout_reports(reports, count):
        assert header(request.headers, "x-request-id") == f"req-{number}"
        assert request.route_params == {"order": f"o-{number}"}
        if kind == "wsgi":  # (an ASGI app's raw body is not kept: only what it parsed as media)
            assert request.body == f"order body {number}".encode()
        assert [c.message for c in event.breadcrumbs] == [f"checkout o-{number} by user-{number}"]
        assert event.exceptions[0].message == f"user user-{number} order o-{number}"
    assert_payload_scopes_match_their_requests(reports)


def test_the_apps_own_handler_for_exception_renders_and_the_error_is_reported(
    reports: Reports, kind: str
) -> None:
    import falcon
    import falcon.asgi

    from errorwire.integrations.falcon import ErrorwireMiddleware
    from tests.integrations.asgi.asgi_support import serve
    from tests.integrations.falcon.falcon_apps import ViewError, ViewErrorAsync
    from tests.integrations.falcon.falcon_support import serve_wsgi

    def own_page(req: Any, resp: Any, ex: Exception, params: Any) -> None:
        resp.status = falcon.HTTP_503
        resp.text = f"our own page: {type(ex).__name__}"

    async def own_page_async(req: Any, resp: Any, ex: Exception, params: Any) -> None:
        own_page(req, resp, ex, params)

    if kind == "wsgi":
        app: Any = falcon.App(middleware=[ErrorwireMiddleware()])
        app.add_route("/view-error", ViewError())
        app.add_error_handler(Exception, own_page)
        run: Any = serve_wsgi
    else:
        app = falcon.asgi.App(middleware=[ErrorwireMiddleware()])
        app.add_route("/view-error", ViewErrorAsync())
        app.add_error_handler(Exception, own_page_async)
        run = serve
    with run(app) as url:
        assert respond(url, "GET", "/view-error") == (503, b"our own page: PaymentFailed")
        assert respond(url, "GET", "/view-error") == (503, b"our own page: PaymentFailed")
    events = reports.settle()
    assert [e.exceptions[0].short_type for e in events] == ["PaymentFailed", "PaymentFailed"]


def test_init_from_the_environment_when_the_user_did_not(
    monkeypatch: pytest.MonkeyPatch, receiver: Any, server: Server
) -> None:
    assert_init_from_the_environment(monkeypatch, receiver, server)


def test_websocket_error_is_reported_with_its_request_and_person(reports: Reports) -> None:
    # In process: uvicorn serves websockets only with a websocket library, not a test dependency.
    import falcon.testing

    from tests.integrations.falcon.falcon_apps import make_asgi_app

    async def talk() -> None:
        async with falcon.testing.ASGIConductor(make_asgi_app()) as conductor:
            with contextlib.suppress(falcon.WebSocketDisconnected):  # Falcon closes it itself
                async with conductor.simulate_ws(
                    "/ws", query_string="room=7", headers={"X-User": "carol"}
                ) as ws:
                    await ws.send_text("hello")
                    await ws.receive_text()

    asyncio.run(talk())
    event, payloads = reports.one()
    assert event.exceptions[0].short_type == "SocketFailed"
    assert event.request is not None
    assert event.request.url.endswith("/ws?room=7")
    assert event.context == "/ws"
    assert event.person is not None and event.person.id == "carol"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "carol"


def test_error_raised_by_the_apps_own_error_handler_is_reported_once_with_the_original(
    reports: Reports, server: Server
) -> None:
    bare = bare_answer(server, "GET", "/declined")
    with server() as url:
        answer = respond(url, "GET", "/declined", headers={"X-User": "erin"})
    assert answer == bare and answer[0] == 500
    event, payloads = reports.one()
    assert [e.short_type for e in event.exceptions] == ["HandlerBroke", "Declined"]
    assert event.exceptions[0].message == "the page for Declined failed"
    assert event.context == "/declined"
    assert event.person is not None and event.person.id == "erin"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor])[0].endswith("HandlerBroke")
