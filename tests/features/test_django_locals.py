"""include_locals under Django: ``@sensitive_variables`` is honoured as Django honours it
(the named variables, or all of them for a bare decorator, of the decorated view and of
what it calls), a QuerySet is not evaluated, a lazy object not resolved, a QueryDict's
secret keys filtered by name. Checked in the bytes that arrive at the receiver."""

# ruff: noqa: F841 - the views' unused locals are what the reports must carry

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Iterator, List

import pytest

from tests.django_settings import configure_once
from tests.receiver import Receiver

django = pytest.importorskip("django")

configure_once()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse, QueryDict  # noqa: E402
from django.test import AsyncClient, Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.functional import SimpleLazyObject  # noqa: E402
from django.views.decorators.debug import sensitive_variables  # noqa: E402

PIN = "planted-pin-8812"
PASSPHRASE = "planted-passphrase-5521"
resolved: List[str] = []


def verify(pin_code: str) -> None:
    """Called from a decorated view: Django hides its ``pin_code`` too (it walks up)."""
    attempt = pin_code
    raise PermissionError("wrong pin")


@sensitive_variables("pin_code", "attempt", "passphrase")
def named_view(request: HttpRequest) -> HttpResponse:
    pin_code = PIN
    passphrase = PASSPHRASE
    visible = "shown-value"
    verify(pin_code)
    return HttpResponse("unreachable")


@sensitive_variables()
def bare_view(request: HttpRequest) -> HttpResponse:
    pin_code = PIN
    visible = "-".join(("hidden", "too"))  # built at run time: not in the source context
    raise ValueError("everything here is sensitive")


def lazy_view(request: HttpRequest) -> HttpResponse:
    kinds = ContentType.objects.filter(app_label="auth")
    someone = SimpleLazyObject(lambda: resolved.append("someone") or "alice")
    form = QueryDict(f"user=alice&password={PIN}&secret_answer={PASSPHRASE}")
    raise RuntimeError("lazy values stay lazy")


@sensitive_variables("pin_code")
async def async_view(request: HttpRequest) -> HttpResponse:
    pin_code = PIN
    visible = "async-shown"
    raise ValueError("async view failed")


urlpatterns = [
    path("named", named_view),
    path("bare", bare_view),
    path("lazy", lazy_view),
    path("async", async_view),
]


def arrived(receiver: Receiver) -> List[bytes]:
    return [item.body for item in receiver.wait_for(3)]


def bugsnag_locals(receiver: Receiver, function: str) -> Dict[str, Any]:
    """One frame's variables in Bugsnag's ``locals`` tab."""
    tab = receiver.by_vendor("bugsnag")[0].json()["events"][0]["metaData"]["locals"]
    found = [v for label, v in tab.items() if label.endswith(f" in {function}")]
    assert len(found) == 1, list(tab)
    result: Dict[str, Any] = found[0]
    return result


def rollbar_frame(receiver: Receiver, function: str) -> Dict[str, Any]:
    body = receiver.by_vendor("rollbar")[0].json()["data"]["body"]
    traces = body["trace_chain"] if "trace_chain" in body else [body["trace"]]
    found = [f for t in traces for f in t["frames"] if f.get("method") == function]
    assert found, function
    frame: Dict[str, Any] = found[-1]
    return frame


def test_named_sensitive_variables_are_filtered_in_the_view_and_below(
    start: Callable[..., Any], receiver: Receiver, site: object
) -> None:
    start(include_locals=True)
    assert Client(raise_request_exception=False).get("/named").status_code == 500
    for body in arrived(receiver):
        assert PIN.encode() not in body and PASSPHRASE.encode() not in body
    view = bugsnag_locals(receiver, "named_view")
    assert view["pin_code"] == "[Filtered]" and view["passphrase"] == "[Filtered]"
    assert view["visible"] == "'shown-value'"
    assert view["request"] == "<WSGIRequest: GET '/named'>"
    below = bugsnag_locals(receiver, "verify")
    assert below == {"pin_code": "[Filtered]", "attempt": "[Filtered]"}
    assert rollbar_frame(receiver, "verify")["args"] == ["[Filtered]"]


def test_a_bare_decorator_filters_every_variable(
    start: Callable[..., Any], receiver: Receiver, site: object
) -> None:
    start(include_locals=True)
    assert Client(raise_request_exception=False).get("/bare").status_code == 500
    for body in arrived(receiver):
        assert PIN.encode() not in body and b"hidden-too" not in body
    view = bugsnag_locals(receiver, "bare_view")
    assert view == {"request": "[Filtered]", "pin_code": "[Filtered]", "visible": "[Filtered]"}
    frame = rollbar_frame(receiver, "bare_view")
    assert frame["argspec"] == ["request"] and frame["args"] == ["[Filtered]"]


@pytest.fixture
def no_admin_mails() -> Iterator[None]:
    """Django's own AdminEmailHandler renders every frame's locals (running the QuerySet's
    query) before it finds no ADMINS on older versions; an app without admin mails."""
    django_logger = logging.getLogger("django")
    saved = list(django_logger.handlers)
    django_logger.handlers = [h for h in saved if type(h).__name__ != "AdminEmailHandler"]
    yield
    django_logger.handlers = saved


def test_querysets_and_lazy_objects_are_not_evaluated(
    start: Callable[..., Any], receiver: Receiver, site: object, no_admin_mails: None
) -> None:
    resolved.clear()
    start(include_locals=True)
    with CaptureQueriesContext(connection) as queries:
        assert Client(raise_request_exception=False).get("/lazy").status_code == 500
        arrived(receiver)
    assert len(queries.captured_queries) == 0
    assert resolved == []
    view = bugsnag_locals(receiver, "lazy_view")
    assert view["kinds"] == "<QuerySet (query not run)>"
    assert view["someone"] == "<SimpleLazyObject (lazy, not evaluated)>"
    # A QueryDict shows its items like a dict: secret keys are filtered by name.
    assert view["form"] == (
        "QueryDict({'user': ['alice'], 'password': [Filtered], 'secret_answer': [Filtered]})"
    )
    for item in receiver.received:
        assert PIN.encode() not in item.body and PASSPHRASE.encode() not in item.body


@pytest.mark.skipif(
    django.VERSION < (5, 0), reason="Django < 5.0 has no @sensitive_variables for async views"
)
def test_sensitive_variables_of_an_async_view(
    start: Callable[..., Any], receiver: Receiver, site: object
) -> None:
    import asyncio

    start(include_locals=True)

    async def fetch() -> int:
        response = await AsyncClient(raise_request_exception=False).get("/async")
        return int(response.status_code)

    assert asyncio.run(fetch()) == 500
    for body in arrived(receiver):
        assert PIN.encode() not in body
    view = bugsnag_locals(receiver, "async_view")
    assert view["pin_code"] == "[Filtered]" and view["visible"] == "'async-shown'"
