"""Bugsnag sessions after real requests through Flask and Starlette apps: the counts at
the sessions endpoint (checked against RELEASES.md), and each event's ``session``."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

import errorwire
from errorwire.core import client as client_module
from errorwire.release import sessions
from tests.receiver import Receiver, Reply
from tests.release_schemas import assert_valid_release_request
from tests.schemas import assert_valid
from tests.session_counts import counting_wsgi_app_source

flask = pytest.importorskip("flask")
starlette_apps = pytest.importorskip("starlette.applications")


def init(receiver: Receiver, **bugsnag: Any) -> None:
    errorwire.init(
        environment="production",
        code_version="1.4.2",
        bugsnag=errorwire.Bugsnag(
            api_key="bugsnag-key",
            endpoint=f"{receiver.url}/bugsnag/",
            sessions_endpoint=f"{receiver.url}/sessions",
            **bugsnag,
        ),
    )


def session_posts(receiver: Receiver) -> List[Any]:
    return [item for item in receiver.attempts if item.path.startswith("/sessions")]


def sessions_started(receiver: Receiver) -> int:
    total = 0
    for item in session_posts(receiver):
        assert_valid_release_request(item)
        total += sum(c["sessionsStarted"] for c in item.json()["sessionCounts"])
    return total


def bugsnag_events(receiver: Receiver) -> List[Dict[str, Any]]:
    payloads = [item.json() for item in receiver.received if item.path.startswith("/bugsnag")]
    for payload in payloads:
        assert_valid("bugsnag", payload)
    return [payload["events"][0] for payload in payloads]


def flask_app() -> Any:
    from errorwire.integrations.flask import Errorwire

    app = flask.Flask("sessions")

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.route("/fail")
    def fail() -> str:
        try:
            raise KeyError("handled first")
        except KeyError:
            errorwire.capture_exception()
        raise RuntimeError("then unhandled")

    Errorwire(app)
    return app


def test_flask_requests_are_counted_and_events_carry_their_session(receiver: Receiver) -> None:
    init(receiver)
    app = flask_app()
    with app.test_client() as client:
        for _ in range(5):
            assert client.get("/ok").data == b"ok"
        assert client.get("/fail").status_code == 500
        assert client.get("/fail").status_code == 500
    assert errorwire.flush(5)
    assert sessions_started(receiver) == 7
    minute = time.strftime("%Y-%m-%dT%H:%M:00", time.gmtime())
    counts = session_posts(receiver)[0].json()["sessionCounts"]
    assert all(len(c["startedAt"]) == len(minute) for c in counts)
    body = session_posts(receiver)[0].json()
    assert body["app"] == {"releaseStage": "production", "version": "1.4.2"}
    assert body["notifier"]["name"] == "errorwire"

    events = bugsnag_events(receiver)
    assert len(events) == 4
    by_request: Dict[str, List[Dict[str, Any]]] = {}
    for event in events:
        by_request.setdefault(event["session"]["id"], []).append(event)
    assert len(by_request) == 2  # two failing requests, one session each
    for same_request in by_request.values():
        handled, unhandled = sorted(same_request, key=lambda e: e["unhandled"])
        # Each event counts itself, and what its request reported before it.
        assert handled["session"]["events"] == {"handled": 1, "unhandled": 0}
        assert unhandled["session"]["events"] == {"handled": 1, "unhandled": 1}
        assert handled["session"]["startedAt"] == unhandled["session"]["startedAt"]
    assert errorwire.stats()["bugsnag_sessions"]["sent"] == 7


def test_starlette_requests_are_counted(receiver: Receiver) -> None:
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from errorwire.integrations.starlette import ErrorwireMiddleware

    def ok(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    def fail(request: Any) -> PlainTextResponse:
        raise RuntimeError("starlette failure")

    init(receiver)
    app = starlette_apps.Starlette(routes=[Route("/ok", ok), Route("/fail", fail)])
    app.add_middleware(ErrorwireMiddleware)
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(3):
            assert client.get("/ok").text == "ok"
        assert client.get("/fail").status_code == 500
    assert errorwire.flush(5)
    assert sessions_started(receiver) == 4
    (event,) = bugsnag_events(receiver)
    assert event["session"]["events"] == {"handled": 0, "unhandled": 1}
    assert len(event["session"]["id"]) == 32


def test_track_sessions_false_sends_no_counts_and_no_session(receiver: Receiver) -> None:
    init(receiver, track_sessions=False)
    app = flask_app()
    with app.test_client() as client:
        client.get("/ok")
        client.get("/fail")
    assert errorwire.flush(5)
    assert session_posts(receiver) == []
    assert all("session" not in event for event in bugsnag_events(receiver))
    assert "bugsnag_sessions" not in errorwire.stats()
    assert sessions._started == []  # no tracker: requests keep nothing (it would only grow)


def test_a_custom_endpoint_without_a_sessions_endpoint_counts_nothing(receiver: Receiver) -> None:
    errorwire.init(bugsnag=errorwire.Bugsnag(api_key="k", endpoint=f"{receiver.url}/bugsnag/"))
    with flask_app().test_client() as client:
        client.get("/ok")
    assert errorwire.flush(5)
    assert session_posts(receiver) == []


def test_the_worker_sends_counts_on_its_own(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "SEND_INTERVAL", 0.2)
    init(receiver)
    with flask_app().test_client() as client:
        for _ in range(3):
            client.get("/ok")
    deadline = time.monotonic() + 10
    while sessions_started(receiver) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sessions_started(receiver) == 3  # no flush, no error: the worker's own timer


def test_the_sessions_endpoints_202_is_a_delivery(receiver: Receiver) -> None:
    """Bugsnag's sessions endpoint answers 202 Accepted (bugsnag-go's publisher expects
    exactly that); bugsnag-python takes any 2xx, as errorwire does."""
    receiver.responder = lambda item: Reply(202) if item.path.startswith("/sessions") else None
    init(receiver)
    with flask_app().test_client() as client:
        for _ in range(2):
            client.get("/ok")
    assert errorwire.flush(5)
    errorwire.flush(5)  # nothing new, nothing waiting: nothing sent again
    assert len(session_posts(receiver)) == 1
    stats = errorwire.stats()["bugsnag_sessions"]
    assert (stats["sent"], stats["deliveries"], stats["waiting"]) == (2, 1, 0)
    assert stats["dropped"] == {}


@pytest.mark.allow_internal_errors
def test_a_refused_session_payload_is_logged_once_counted_and_not_retried(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.responder = lambda item: (
        Reply(400, body={"errors": ["bad"]}) if item.path.startswith("/sessions") else None
    )
    init(receiver)
    app = flask_app()
    with caplog.at_level(logging.WARNING, logger="errorwire"), app.test_client() as client:
        for _ in range(2):
            client.get("/ok")
        errorwire.flush(5)
        errorwire.flush(5)  # nothing new: nothing sent again
        client.get("/ok")
        errorwire.flush(5)
    posts = session_posts(receiver)
    assert [sum(c["sessionsStarted"] for c in p.json()["sessionCounts"]) for p in posts] == [2, 1]
    assert errorwire.stats()["bugsnag_sessions"]["dropped"] == {"refused_400": 3}
    refusals = [r for r in caplog.records if "sessions endpoint" in r.getMessage()]
    assert len(refusals) == 1


def test_counts_left_at_exit_are_sent(receiver: Receiver, tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(
        counting_wsgi_app_source(receiver)
        + textwrap.dedent(
            """
            for _ in range(4):
                list(wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None))
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sessions_started(receiver) == 4


def test_a_stalling_sessions_endpoint_does_not_hold_up_exit(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.responder = lambda item: Reply(200, stall=20) if "/sessions" in item.path else None
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import errorwire
            from errorwire.integrations.wsgi import ErrorwireMiddleware
            errorwire.init(shutdown_timeout=0.5, bugsnag=errorwire.Bugsnag(
                api_key="k", endpoint="{receiver.url}/bugsnag/",
                sessions_endpoint="{receiver.url}/sessions"))
            wrapped = ErrorwireMiddleware(lambda environ, start: [b"ok"])
            list(wrapped({{"REQUEST_METHOD": "GET", "PATH_INFO": "/"}}, lambda *a: None))
            """
        )
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(session_posts(receiver)) == 1  # it was tried
    assert time.monotonic() - started < 10  # not the 20 s stall, nor 3 s + 10 s of timeouts
