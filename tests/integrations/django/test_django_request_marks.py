"""What a Django view, and code it starts, sees of its request: a thread running in a copy of
the request's context never sees a later request; a request served inside a view leaves the
outer one's state as it was; inside errorwire's WSGI layer, reports have Django's request."""

from __future__ import annotations

import contextvars
import io
import threading
from types import ModuleType
from typing import Any, Dict, Iterator, List, Optional

import pytest

pytest.importorskip("django")

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.views.decorators.debug import sensitive_post_parameters

import errorwire
from errorwire.core.context import in_request
from errorwire.integrations.wsgi import ErrorwireMiddleware as WSGIMiddleware
from tests.reports import Reports


class LaterRequestSeen(Exception):
    pass


class InnerFailed(Exception):
    pass


class OuterFailed(Exception):
    pass


class Refused(Exception):
    pass


later_running = threading.Event()
checked = threading.Event()
seen_from_thread: List[Optional[str]] = []


def first(request: HttpRequest) -> HttpResponse:
    """Leaves a thread behind, in a copy of this request's context, that looks for its
    request only while a later request runs on the server's thread."""

    def look() -> None:
        later_running.wait(10)
        marked = in_request()
        seen_from_thread.append(None if marked is None else marked.handle.path)
        try:
            raise LaterRequestSeen("reported from the left-behind thread")
        except LaterRequestSeen as exc:
            errorwire.capture_exception(exc)
        checked.set()

    threading.Thread(target=contextvars.copy_context().run, args=(look,), daemon=True).start()
    return HttpResponse("first")


def later(request: HttpRequest) -> HttpResponse:
    later_running.set()
    assert checked.wait(10), "the left-behind thread never looked"
    return HttpResponse("later")


def inner(request: HttpRequest, number: int) -> HttpResponse:
    errorwire.set_tag("inner", str(number))
    raise InnerFailed(f"inner {number}")


def outer(request: HttpRequest) -> HttpResponse:
    errorwire.set_tag("outer", "1")
    served = Client(raise_request_exception=False).get("/inner/7/")
    assert served.status_code == 500
    raise OuterFailed(f"outer after an inner {served.status_code}")


@sensitive_post_parameters("password")
def refuse(request: HttpRequest, item_id: int) -> HttpResponse:
    request.POST.get("password")
    raise Refused(f"item {item_id}")


urls = ModuleType("thread_marks_urls")
urls.urlpatterns = [  # type: ignore[attr-defined]
    path("first/", first),
    path("later/", later),
    path("inner/<int:number>/", inner),
    path("outer/", outer),
    path("refuse/<int:item_id>/", refuse),
]


@pytest.fixture(autouse=True)
def site() -> Iterator[None]:
    later_running.clear()
    checked.clear()
    seen_from_thread.clear()
    with override_settings(ROOT_URLCONF=urls):
        yield


def tags(event: Any) -> Dict[str, str]:
    return dict(str(tag).split(":", 1) for tag in event.tags)


def test_a_thread_in_a_copy_of_a_requests_context_never_sees_a_later_request(
    reports: Reports,
) -> None:
    client = Client()
    assert client.get("/first/").content == b"first"
    assert client.get("/later/").content == b"later"
    assert seen_from_thread and seen_from_thread[0] != "/later/"
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "LaterRequestSeen"
    assert event.request is None or not event.request.url.endswith("/later/")


def test_a_request_served_inside_a_view_leaves_the_outer_requests_state_as_it_was(
    reports: Reports,
) -> None:
    assert Client(raise_request_exception=False).get("/outer/").status_code == 500
    events = {event.exceptions[0].short_type: event for event in reports.settle()}
    assert set(events) == {"InnerFailed", "OuterFailed"}
    inner_event, outer_event = events["InnerFailed"], events["OuterFailed"]
    assert inner_event.request is not None and inner_event.request.url.endswith("/inner/7/")
    assert tags(inner_event).get("inner") == "7" and "outer" not in tags(inner_event)
    assert outer_event.request is not None and outer_event.request.url.endswith("/outer/")
    assert tags(outer_event).get("outer") == "1" and "inner" not in tags(outer_event)


def test_inside_errorwires_wsgi_layer_a_report_has_djangos_request(reports: Reports) -> None:
    """The WSGI layer marks the context as in its request; Django's middleware marks it as in
    Django's, inside: the report has Django's route and filtered parameters."""
    app = WSGIMiddleware(WSGIHandler())
    body = b"password=hunter2&item=socks"
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/refuse/4/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    statuses: List[str] = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(result)
    assert statuses and statuses[0].startswith("500")
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "Refused"
    assert event.request is not None and event.request.route_params == {"item_id": 4}
    assert event.request.form == {"password": "[Filtered]", "item": "socks"}
