"""Plain WSGI: errors of the app call, of iterating the response and of close()."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any, Dict, Tuple
from urllib.parse import urlsplit

import pytest

import tests.integrations.wsgi.wsgi_test_app as web
from errorwire.core import safety
from errorwire.core.context import current_scope
from errorwire.core.event import Event, Request
from errorwire.integrations.wsgi import ErrorwireMiddleware
from tests.receiver import Receiver
from tests.reports import (
    VENDORS,
    Reports,
    assert_request_reported,
    start,
    vendor_exception_classes,
    vendor_request,
)

Env = Dict[str, Any]


def outcome(app: Any, environ: Env) -> Any:
    """(status, headers, body) or the exception the caller got."""
    try:
        status, headers, body, _ = web.call(app, environ)
    except Exception as exc:
        return exc
    return status, headers, body


def test_error_in_the_app_call_is_reported_once_and_reraised_unchanged(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    wrapped = ErrorwireMiddleware(web.app)
    environ = web.environ_for(
        "/boom",
        query="a=1&a=2&b=x",
        headers={"User-Agent": "tests", "Cookie": "theme=dark; lang=en"},
    )

    with pytest.raises(web.PaymentFailed) as caught:
        web.call(wrapped, environ)

    assert caught.value is web.raised[-1]
    assert isinstance(caught.value.__cause__, KeyError)
    event, payloads = reports.one()
    assert [e.short_type for e in event.exceptions] == ["PaymentFailed", "KeyError"]
    assert event.handled is False and event.framework == "wsgi"
    assert event.exceptions[0].frames[-1].function == "_charge"
    request = event.request
    assert request is not None
    assert request.url == "http://shop.example/boom?a=1&a=2&b=x"
    assert request.query == {"a": ["1", "2"], "b": "x"} and request.query_string == "a=1&a=2&b=x"
    assert request.headers["User-Agent"] == "tests"
    assert request.cookies == {"theme": "dark", "lang": "en"}
    assert request.client_ip == "10.1.2.3"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["PaymentFailed", "KeyError"]
    assert_request_reported(
        payloads, url="http://shop.example/boom?a=1&a=2&b=x", method="GET", client_ip="10.1.2.3"
    )


def test_error_while_iterating_the_response_is_reported(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    chunks = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return lambda data: None

    result = ErrorwireMiddleware(web.app)(web.environ_for("/stream"), start_response)
    with pytest.raises(RuntimeError, match="stream broke") as caught:
        for chunk in result:
            chunks.append(chunk)
    result.close()  # type: ignore[attr-defined]

    assert chunks == [b"first chunk\n"]
    assert caught.value is web.raised[-1]
    event, _ = reports.one()
    assert event.exceptions[0].message == "stream broke"
    assert event.response_status is None  # sent before the stream broke; WSGI does not tell
    assert event.request is not None and event.request.url == "http://shop.example/stream"


def test_the_stream_runs_in_its_request_scope_and_leaves_no_trace(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    server_scope = current_scope()
    person_before = server_scope.person
    with pytest.raises(RuntimeError, match="stream of a user broke"):
        web.call(ErrorwireMiddleware(web.app), web.environ_for("/stream-as-user"))
    event, _ = reports.one()
    assert event.person is not None and event.person.id == "streamer"
    assert current_scope() is server_scope  # the server thread's own scope is untouched
    assert server_scope.person is person_before


def test_a_half_read_stream_leaves_its_request_behind(receiver: Receiver, all_vendors: Env) -> None:
    """A server may stop reading a streamed body (a HEAD, a client gone) and serve the
    next request in the same context before the stream is finalised."""
    reports = start(receiver, all_vendors)
    server_scope = current_scope()
    middleware = ErrorwireMiddleware(web.app)
    half_read = middleware(web.environ_for("/stream", headers={"X-User": "alice"}), _ignore)
    chunks = iter(half_read)  # kept: a server holds it until it closes the response
    assert next(chunks) == b"first chunk\n"
    assert current_scope() is server_scope  # nothing of alice's request stays current

    with pytest.raises(RuntimeError, match="failure of user bob"):
        web.call(middleware, web.environ_for("/user", headers={"X-User": "bob"}))
    event, _ = reports.one()
    assert event.person is not None and event.person.id == "bob"
    assert event.request is not None and event.request.url.endswith("/user")
    half_read.close()  # type: ignore[attr-defined]


def _ignore(status: str, headers: Any, exc_info: Any = None) -> Any:
    return lambda data: None


def test_error_in_close_is_reported_and_reraised(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    with pytest.raises(web.CloseFailed) as caught:
        web.call(ErrorwireMiddleware(web.app), web.environ_for("/close"))
    assert caught.value is web.raised[-1]
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "CloseFailed"


@pytest.mark.parametrize("path", ["/ok", "/missing", "/stream", "/close", "/boom"])
def test_the_app_behaves_as_without_errorwire(
    path: str, receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    bare = outcome(web.app, web.environ_for(path))
    wrapped = outcome(ErrorwireMiddleware(web.app), web.environ_for(path))
    reports.settle()
    if isinstance(bare, Exception):
        assert type(wrapped) is type(bare) and str(wrapped) == str(bare)
    else:
        assert wrapped == bare


def test_a_list_response_is_returned_as_is(receiver: Receiver, all_vendors: Env) -> None:
    start(receiver, all_vendors)
    _, _, _, result = web.call(ErrorwireMiddleware(web.app), web.environ_for("/ok"))
    assert result == [b"fine"] and type(result) is list


def test_responses_below_500_send_nothing(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    assert outcome(ErrorwireMiddleware(web.app), web.environ_for("/missing"))[0] == "404 Not Found"
    assert outcome(ErrorwireMiddleware(web.app), web.environ_for("/ok"))[0] == "200 OK"
    reports.none()


def reported_failure(reports: Reports, environ: Env, match: str) -> Tuple[Event, Env]:
    """Call the app through errorwire (its ValueError still reaches the caller); the report."""
    with pytest.raises(ValueError, match=match):
        web.call(ErrorwireMiddleware(web.app), environ)
    return reports.one()


def test_form_body_the_app_read_is_reported(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    body = b"item=book&qty=2&qty=3&note=caf%C3%A9"
    environ = web.environ_for(
        "/read-then-boom",
        method="POST",
        body=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.1"},
    )
    event, payloads = reported_failure(reports, environ, match=f"bad body of {len(body)} bytes")
    assert event.request is not None
    assert event.request.form == {"item": "book", "qty": ["2", "3"], "note": "café"}
    assert event.request.body == body
    assert event.request.client_ip == "203.0.113.9"
    assert vendor_request("rollbar", payloads["rollbar"])["POST"]["item"] == "book"
    assert vendor_request("raygun", payloads["raygun"])["form"]["item"] == "book"
    assert_request_reported(
        payloads, url="http://shop.example/read-then-boom", method="POST", client_ip="203.0.113.9"
    )


def test_json_body_is_parsed_and_kept_raw(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    body = json.dumps({"order": 7, "items": ["a", "b"]}).encode()
    environ = web.environ_for(
        "/json-then-boom", method="PUT", body=body, content_type="application/json"
    )
    event, payloads = reported_failure(reports, environ, match="json read")
    assert event.request is not None
    assert event.request.json == {"order": 7, "items": ["a", "b"]}
    assert event.request.body == body
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["json"] == {"order": 7, "items": ["a", "b"]}
    assert json.loads(vendor_request("raygun", payloads["raygun"])["rawData"])["order"] == 7


def test_invalid_json_and_non_utf8_bodies_are_text_never_an_error(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    body = b'{"broken": \xff\xfe'
    environ = web.environ_for(
        "/read-then-boom", method="POST", body=body, content_type="application/json"
    )
    event, payloads = reported_failure(reports, environ, match="bad body")
    assert event.request is not None
    assert event.request.has_json is False and event.request.body == body
    assert "\ufffd" in vendor_request("raygun", payloads["raygun"])["rawData"]


def test_body_the_app_never_read_is_not_read_for_it(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    stream = io.BytesIO(b"secret=1")
    environ = web.environ_for(
        "/unread-boom", method="POST", content_type="application/x-www-form-urlencoded"
    )
    environ.update({"wsgi.input": stream, "CONTENT_LENGTH": "8"})
    event, _ = reported_failure(reports, environ, match="never read")
    assert stream.tell() == 0
    assert event.request is not None and event.request.body is None and event.request.form == {}


def request_of_a_read_100_byte_body(
    receiver: Receiver, all_vendors: Env, max_request_body: int
) -> Request:
    """The reported request of a failure after the app read a body of 100 bytes."""
    reports = start(receiver, all_vendors, max_request_body=max_request_body)
    body = b"x" * 100
    environ = web.environ_for(
        "/read-then-boom", method="POST", body=body, content_type="text/plain"
    )
    event, _ = reported_failure(reports, environ, match="bad body of 100 bytes")
    assert event.request is not None
    return event.request


def test_body_copy_is_capped(receiver: Receiver, all_vendors: Env) -> None:
    request = request_of_a_read_100_byte_body(receiver, all_vendors, max_request_body=16)
    assert request.body == b"x" * 16 and request.body_truncated


def test_body_copy_can_be_turned_off(receiver: Receiver, all_vendors: Env) -> None:
    request = request_of_a_read_100_byte_body(receiver, all_vendors, max_request_body=0)
    assert request.body is None


def test_multipart_upload_reports_file_names_and_sizes_not_contents(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nholiday\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="beach.jpg"'
        f"\r\nContent-Type: image/jpeg\r\n\r\n{'P' * 1000}\r\n--{boundary}--\r\n"
    ).encode()
    environ = web.environ_for(
        "/read-then-boom",
        method="POST",
        body=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    with pytest.raises(ValueError):
        web.call(ErrorwireMiddleware(web.app), environ)
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.form == {"title": "holiday"}
    [upload] = event.request.files
    assert (upload.field, upload.filename, upload.size) == ("photo", "beach.jpg", 1000)
    assert "PPPP" not in json.dumps(payloads)


@pytest.mark.allow_internal_errors
def test_errorwire_failing_to_copy_the_body_changes_nothing_for_the_app(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    environ = web.environ_for("/read-then-boom", method="POST", content_type="text/plain")
    environ.update({"wsgi.input": io.StringIO("text, not bytes"), "CONTENT_LENGTH": "15"})
    with pytest.raises(ValueError, match="bad body of 15 bytes"):  # the app read it all
        web.call(ErrorwireMiddleware(web.app), environ)
    event, _ = reports.one()  # reported, without the body errorwire could not copy
    assert event.request is not None and event.request.body is None
    assert safety.internal_errors["copy request body"] == 1  # counted, logged, swallowed


@pytest.mark.parametrize(
    ("module", "extra"),
    [("errorwire.integrations.flask", "flask"), ("errorwire.integrations.django", "django")],
)
def test_a_missing_framework_names_the_extra_to_install(module: str, extra: str) -> None:
    code = f"import sys; sys.modules[{extra!r}] = None; import {module}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"pip install errorwire[{extra}]" in result.stderr.splitlines()[-1]


def test_client_ip_headers_are_configurable(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors, client_ip_headers=("X-Real-IP",))
    headers = {"X-Forwarded-For": "203.0.113.1", "X-Real-IP": "198.51.100.2"}
    with pytest.raises(web.PaymentFailed):
        web.call(ErrorwireMiddleware(web.app), web.environ_for("/boom", headers=headers))
    event, _ = reports.one()
    assert event.request is not None and event.request.client_ip == "198.51.100.2"


def test_without_any_header_the_peer_address_is_the_client_ip(
    receiver: Receiver, all_vendors: Env
) -> None:
    reports = start(receiver, all_vendors)
    with pytest.raises(web.PaymentFailed):
        web.call(ErrorwireMiddleware(web.app), web.environ_for("/boom"))
    event, _ = reports.one()
    assert event.request is not None and event.request.client_ip == "10.1.2.3"


@pytest.mark.parametrize("body", [{}, []])
def test_an_empty_json_body_reaches_every_vendor(
    receiver: Receiver, all_vendors: Env, body: Any
) -> None:
    reports = start(receiver, all_vendors)
    raw = json.dumps(body).encode()
    environ = web.environ_for(
        "/json-then-boom", method="PUT", body=raw, content_type="application/json"
    )
    event, payloads = reported_failure(reports, environ, match="json read")
    assert event.request is not None and event.request.json == body
    assert payloads["bugsnag"]["events"][0]["metaData"]["request"]["json"] == body
    assert vendor_request("rollbar", payloads["rollbar"])["body"] == raw.decode()
    assert vendor_request("raygun", payloads["raygun"])["rawData"] == raw.decode()


def test_a_path_info_without_its_leading_slash_gives_a_well_formed_url(
    receiver: Receiver, all_vendors: Env
) -> None:
    def failing(environ: Env, start_response: Any) -> Any:
        raise ValueError("no slash")

    reports = start(receiver, all_vendors)
    environ = web.environ_for("/")
    environ["PATH_INFO"] = "orders/7"
    with pytest.raises(ValueError, match="no slash"):
        web.call(ErrorwireMiddleware(failing), environ)
    event, payloads = reports.one()
    assert event.request is not None
    url = urlsplit(event.request.url)
    assert (url.scheme, url.path) == ("http", "/orders/7") and url.netloc
    assert event.request.path == "/orders/7"
    assert vendor_request("bugsnag", payloads["bugsnag"])["url"].endswith("/orders/7")
    assert vendor_request("raygun", payloads["raygun"])["url"] == "/orders/7"
