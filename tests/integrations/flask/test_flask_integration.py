"""Flask: real apps driven into each error route; the reports that arrive at the receiver."""

from __future__ import annotations

import io
import logging
from typing import Any, Dict, Iterator, Tuple

import pytest

pytest.importorskip("flask")
pytest.importorskip("flask_login")

import errorwire
import tests.integrations.flask.flask_test_app as web
from errorwire.integrations.wsgi import ErrorwireMiddleware
from tests import served_apps
from tests.receiver import Receiver
from tests.reports import (
    VENDORS,
    start,
    vendor_person_id,
    vendor_request,
)

Env = Dict[str, Any]


def response_of(with_errorwire: bool, method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    client = web.make_app(with_errorwire).test_client()
    response = client.open(path, method=method, **kwargs)
    return response.status_code, response.get_data()


def test_view_error_is_reported_once_with_its_request(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    status, body = response_of(
        True,
        "GET",
        "/items/7?color=red&size=m&size=l",
        headers={"User-Agent": "tests", "X-Forwarded-For": "198.51.100.7"},
    )

    assert (status, body) == response_of(False, "GET", "/items/7?color=red&size=m&size=l")
    assert status == 500
    payloads = served_apps.assert_out_of_stock_reported(
        reports, "flask", "/items/<int:item_id>", "http://localhost/items/7?color=red&size=m&size=l"
    )
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["route"] == "/items/<int:item_id>" and rollbar["params"] == {"item_id": 7}
    assert payloads["rollbar"]["data"]["context"] == "/items/<int:item_id>"


def test_template_error_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    assert response_of(True, "GET", "/template") == response_of(False, "GET", "/template")
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "LookupError"
    assert event.exceptions[0].frames[-1].function == "_explode"


def test_streaming_body_error_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    for with_errorwire in (False, True):
        response = web.make_app(with_errorwire).test_client().get("/stream", buffered=False)
        assert response.status_code == 200
        chunks = iter(response.response)
        assert next(chunks) == b"part one\n"
        with pytest.raises(RuntimeError, match="stream broke") as caught:
            next(chunks)
        response.close()
        assert caught.value is web.raised[-1]
    event, payloads = reports.one()
    assert event.exceptions[0].message == "stream broke"
    assert event.response_status == 200  # what the client got before the stream broke
    assert payloads["raygun"]["details"]["response"] == {"statusCode": 200}
    assert event.request is not None and event.request.route == "/stream"


def test_stream_with_context_error_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    for with_errorwire in (False, True):
        client = web.make_app(with_errorwire).test_client()
        response = client.get("/stream-with-context?name=ada", buffered=False)
        chunks = iter(response.response)
        assert next(chunks) == b"hello ada\n"
        with pytest.raises(RuntimeError, match="stream of ada broke"):
            next(chunks)
        response.close()
    event, _ = reports.one()
    assert event.request is not None and event.request.query == {"name": "ada"}
    assert event.context == "/stream-with-context"
    assert event.person is not None and event.person.id == "ada"  # set while it streamed


def test_a_request_dispatched_without_the_wsgi_wrapper_keeps_its_own_scope(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    app = web.make_app()
    errorwire.set_person(id="outside any request")
    with app.test_request_context("/items/4?via=context"):
        errorwire.set_person(id="in the request")
        errorwire.add_breadcrumb("before dispatch")
        try:  # what Flask.wsgi_app does, without the WSGI layer errorwire wraps
            app.full_dispatch_request()
        except web.OutOfStock as exc:
            assert app.handle_exception(exc).status_code == 500
    event, _ = reports.one()
    assert event.framework == "flask" and event.response_status == 500
    assert event.person is not None and event.person.id == "in the request"
    assert [b.message for b in event.breadcrumbs] == ["before dispatch"]
    assert event.request is not None and event.request.query == {"via": "context"}
    assert event.context == "/items/<int:item_id>"
    errorwire.capture_message("after the request")
    first, after = reports.settle()
    assert first is event
    assert after.person is not None and after.person.id == "outside any request"
    assert "before dispatch" not in [b.message for b in after.breadcrumbs]


def test_send_file_body_stays_the_servers_file_wrapper() -> None:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wsgi import FileWrapper

    for with_errorwire in (False, True):
        environ = EnvironBuilder(path="/file").get_environ()
        environ["wsgi.file_wrapper"] = FileWrapper
        body = web.make_app(with_errorwire).wsgi_app(environ, lambda *args: None)
        assert isinstance(body, FileWrapper)  # sendfile still applies
        assert b"".join(body) == b"file body"
        body.close()


def test_after_request_hook_error_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    assert response_of(True, "GET", "/after") == response_of(False, "GET", "/after")
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "OSError"


def test_teardown_error_is_reported_and_reraised_unchanged(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    for with_errorwire in (False, True):
        with pytest.raises(ConnectionResetError) as caught:
            web.make_app(with_errorwire).test_client().get("/teardown")
        assert caught.value is web.raised[-1]
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "ConnectionResetError"
    assert event.request is not None and event.request.route == "/teardown"


def test_form_fields_the_view_read_are_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    form = {"item": "book", "qty": "2"}
    assert response_of(True, "POST", "/form", data=form) == response_of(
        False, "POST", "/form", data=form
    )
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"item": "book", "qty": "2"}
    assert event.request.body == b"item=book&qty=2"
    assert vendor_request("raygun", payloads["raygun"])["form"] == {"item": "book", "qty": "2"}


def test_json_body_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    assert response_of(True, "POST", "/json", json={"b": [1, 2], "a": None})[0] == 500
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.json == {"b": [1, 2], "a": None}
    assert vendor_request("rollbar", payloads["rollbar"])["json"] == {"b": [1, 2], "a": None}


def test_uploaded_files_are_reported_by_name_and_size(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    data = {"title": "trip", "photo": (io.BytesIO(b"Q" * 3000), "beach.jpg", "image/jpeg")}
    status, _ = response_of(True, "POST", "/upload", data=data, content_type="multipart/form-data")
    assert status == 500
    request = served_apps.assert_trip_photo_reported(reports)
    assert request.files[0].content_type == "image/jpeg"


def test_body_the_view_never_read_is_not_read(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    response_of(True, "POST", "/unread", data={"secret": "x"})
    served_apps.assert_unread_body_left_out(reports)


@pytest.mark.parametrize("path", ["/missing", "/handled", "/ok"])
def test_no_report_for_404_handled_errors_and_success(
    path: str, receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    assert response_of(True, "GET", path) == response_of(False, "GET", path)
    reports.none()


def test_flask_login_user_is_the_person(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    response_of(True, "GET", "/me", headers={"X-User": "u-77"})
    event, payloads = reports.one()
    assert event.person is not None
    assert (event.person.id, event.person.username) == ("u-77", "user-u-77")
    assert event.person.email == "u-77@example.com"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "u-77"


def test_set_person_wins_over_flask_login(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    app = web.make_app()

    @app.before_request
    def identify() -> None:
        errorwire.set_person(id="explicit", username="set-by-app")

    app.test_client().get("/me", headers={"X-User": "u-1"})
    event, _ = reports.one()
    assert event.person is not None and event.person.id == "explicit"


@pytest.fixture
def logging_handler() -> Iterator[errorwire.LoggingHandler]:
    handler = errorwire.LoggingHandler(level=logging.ERROR)
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_once_with_outer_wsgi_wrapper_logging_handler_and_testing_mode(
    receiver: Receiver, all_vendors: Env, logging_handler: errorwire.LoggingHandler
) -> None:
    reports = start(receiver, all_vendors)
    app = web.make_app(TESTING=True)  # Flask re-raises the view's error
    app.wsgi_app = ErrorwireMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    outer = ErrorwireMiddleware(app)
    from werkzeug.test import Client

    with pytest.raises(web.OutOfStock) as caught:
        Client(outer).get("/items/3")
    assert caught.value is web.raised[-1]
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "OutOfStock" and event.handled is False


def test_once_when_flask_logs_the_error(
    receiver: Receiver, all_vendors: Env, logging_handler: errorwire.LoggingHandler
) -> None:
    reports = start(receiver, all_vendors)
    assert response_of(True, "GET", "/items/5")[0] == 500  # app.logger.error(exc_info=...)
    event, _ = reports.one()
    assert event.handled is False


def test_init_from_app_config(receiver: Receiver, all_vendors: Env) -> None:
    assert errorwire.get_client() is None
    kept = []
    app = web.make_app(ERRORWIRE={**all_vendors, "before_send": lambda e, h: kept.append(e) or e})
    client = errorwire.get_client()
    assert client is not None and len(client.options.vendors) == 3
    assert app.test_client().get("/items/1").status_code == 500
    assert errorwire.flush(timeout=10.0)
    assert len(kept) == 1
    assert len(receiver.wait_for(3)) == 3


def test_init_app_twice_installs_once(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    app = web.make_app()
    wsgi_app = app.wsgi_app
    web.Errorwire().init_app(app)
    assert app.wsgi_app is wsgi_app
    app.test_client().get("/items/2")
    reports.one()


def test_bad_app_config_raises_config_error_naming_the_setting() -> None:
    with pytest.raises(errorwire.ConfigError, match="colour"):
        web.make_app(ERRORWIRE={"colour": "blue"})


class GateBroke(Exception):
    pass


class Gate:
    """A WSGI layer of the app's own, added around app.wsgi_app after Errorwire(app)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.name = "gate"

    def __call__(self, environ: Env, start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/gate":
            raise GateBroke("the app's own WSGI layer")
        return self.app(environ, start_response)


def test_a_wsgi_layer_added_after_errorwire_is_covered_from_the_next_request(
    receiver: Receiver, all_vendors: Env, caplog: pytest.LogCaptureFixture
) -> None:
    from werkzeug.test import Client

    reports = start(receiver, all_vendors)
    app = web.make_app()
    app.wsgi_app = Gate(app.wsgi_app)  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="errorwire"):
        assert Client(app).get("/ok").get_data() == b"fine"  # the first request
        for _ in range(2):
            with pytest.raises(GateBroke):
                Client(app).get("/gate?x=1", headers={"X-Forwarded-For": "198.51.100.7"})
    warnings = [r for r in caplog.records if "after Errorwire(app)" in r.getMessage()]
    assert len(warnings) == 1 and "Gate" in warnings[0].getMessage()
    assert app.wsgi_app.name == "gate"  # the app's layer keeps its attributes
    events = reports.settle()
    assert [e.exceptions[0].short_type for e in events] == ["GateBroke", "GateBroke"]
    for event in events:
        assert event.request is not None
        assert event.request.url == "http://localhost/gate?x=1"
        assert event.response_status == 500 and event.framework == "flask"
    assert len({id(e) for e in events}) == 2


def test_a_wsgi_layer_added_after_errorwire_counts_one_bugsnag_session_per_request(
    receiver: Receiver, all_vendors: Env
) -> None:
    from werkzeug.test import Client

    from errorwire.release import sessions

    start(receiver, all_vendors)
    app = web.make_app()
    app.wsgi_app = Gate(app.wsgi_app)  # type: ignore[method-assign]
    sessions._counting(True)
    try:
        sessions._take_started()
        for _ in range(3):
            assert Client(app).get("/ok").get_data() == b"fine"
        assert sessions._take_started() == 3
    finally:
        sessions._counting(False)
