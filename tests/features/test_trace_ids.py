"""The OpenTelemetry span recording around a failing request: its trace id and span id
go with the report to every vendor (the real opentelemetry-sdk)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, Callable, Dict, Iterator, List

import pytest

pytest.importorskip("opentelemetry.sdk.trace")

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

import errorwire
from tests.receiver import Receiver
from tests.reports import start

Env = Dict[str, Any]
tracer = TracerProvider().get_tracer("errorwire-tests")
"""Its own provider: the process-wide one is the app's, and can be set only once."""


class SpanIds:
    """The ids of the spans the traced middleware made, in order."""

    def __init__(self) -> None:
        self.seen: List[Dict[str, str]] = []

    def record(self, span: Any) -> None:
        context = span.get_span_context()
        self.seen.append(
            {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
        )


@pytest.fixture
def spans() -> Iterator[SpanIds]:
    yield SpanIds()


def assert_trace_reported(payloads: Dict[str, Dict[str, Any]], ids: Dict[str, str]) -> None:
    assert payloads["rollbar"]["data"]["custom"]["trace"] == ids
    assert payloads["bugsnag"]["events"][0]["metaData"]["trace"] == ids
    details = payloads["raygun"]["details"]
    assert details["userCustomData"]["trace"] == ids
    assert {f"trace_id:{ids['trace_id']}", f"span_id:{ids['span_id']}"} <= set(details["tags"])


def test_flask_request_in_a_span(receiver: Receiver, all_vendors: Env, spans: SpanIds) -> None:
    flask = pytest.importorskip("flask")
    from errorwire.integrations.flask import Errorwire

    app = flask.Flask("traced")
    Errorwire(app)

    @app.route("/pay")
    def pay() -> str:
        raise RuntimeError("declined")

    inner: Callable[..., Any] = app.wsgi_app

    def traced(environ: Env, start_response: Any) -> Any:  # what OTel's WSGI middleware does
        with tracer.start_as_current_span("GET /pay") as span:
            spans.record(span)
            return inner(environ, start_response)

    app.wsgi_app = traced  # type: ignore[method-assign]
    reports = start(receiver, all_vendors)
    assert app.test_client().get("/pay").status_code == 500
    event, payloads = reports.one()
    assert event.trace == spans.seen[0]
    assert_trace_reported(payloads, spans.seen[0])


def test_starlette_request_in_a_span(receiver: Receiver, all_vendors: Env, spans: SpanIds) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from errorwire.integrations.starlette import ErrorwireMiddleware

    async def pay(request: Any) -> Any:
        raise RuntimeError("declined")

    app = Starlette(routes=[Route("/pay", pay)])
    app.add_middleware(ErrorwireMiddleware)

    async def traced(scope: Env, receive: Any, send: Any) -> None:  # OTel's ASGI middleware
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        with tracer.start_as_current_span("GET /pay") as span:
            spans.record(span)
            await app(scope, receive, send)

    reports = start(receiver, all_vendors)
    with TestClient(traced, raise_server_exceptions=False) as client:
        assert client.get("/pay").status_code == 500
    event, payloads = reports.one()
    assert event.trace == spans.seen[0]
    assert_trace_reported(payloads, spans.seen[0])


def test_no_span_no_trace(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    with trace.use_span(trace.INVALID_SPAN):
        try:
            raise RuntimeError("outside any trace")
        except RuntimeError as exc:
            errorwire.capture_exception(exc)
    event, payloads = reports.one()
    assert event.trace == {}
    assert "trace" not in payloads["bugsnag"]["events"][0].get("metaData", {})
    assert "trace" not in payloads["rollbar"]["data"].get("custom", {})


def test_opentelemetry_is_never_imported_by_errorwire() -> None:
    code = (
        "import sys, errorwire\n"
        "errorwire.init()\n"
        "try:\n"
        "    raise ValueError('x')\n"
        "except ValueError as exc:\n"
        "    errorwire.capture_exception(exc)\n"
        "errorwire.flush(1)\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
