"""Bugsnag session counts as the receiver got them (each request checked against the
sessions API in tests/release_schemas.py), and an init() that counts them."""

from __future__ import annotations

import textwrap
from typing import Any, ContextManager, Dict, List

import httpx

import errorwire
from tests.receiver import Receiver
from tests.release_schemas import assert_valid_release_request


def init_counting(receiver: Receiver, **options: Any) -> None:
    """errorwire reporting to Bugsnag at ``receiver``, sessions counted."""
    errorwire.init(
        bugsnag=errorwire.Bugsnag(
            api_key="bugsnag-key",
            endpoint=f"{receiver.url}/bugsnag/",
            sessions_endpoint=f"{receiver.url}/sessions",
        ),
        **options,
    )


def counting_wsgi_app_source(receiver: Receiver) -> str:
    """Python source that sets errorwire up to count Bugsnag sessions to ``receiver`` and
    defines ``wrapped``: a WSGI app answering 200, in errorwire's middleware."""
    return textwrap.dedent(
        f"""
        import errorwire
        from errorwire.integrations.wsgi import ErrorwireMiddleware
        errorwire.init(bugsnag=errorwire.Bugsnag(
            api_key="k", endpoint="{receiver.url}/bugsnag/",
            sessions_endpoint="{receiver.url}/sessions"))
        def app(environ, start_response):
            start_response("200 OK", [])
            return [b"ok"]
        wrapped = ErrorwireMiddleware(app)
        """
    )


def started_counts(receiver: Receiver) -> List[int]:
    """The ``sessionsStarted`` of each session count the receiver got, in order."""
    found = []
    for item in receiver.received:
        if item.path.startswith("/sessions"):
            assert_valid_release_request(item)
            found.extend(c["sessionsStarted"] for c in item.json()["sessionCounts"])
    return found


def sessions_started(receiver: Receiver) -> int:
    return sum(started_counts(receiver))


def bugsnag_event_sessions(receiver: Receiver) -> List[Dict[str, Any]]:
    """The ``session.events`` of each Bugsnag event the receiver got."""
    events = [item.json()["events"][0] for item in receiver.by_vendor("bugsnag")
              if not item.path.startswith("/sessions")]  # fmt: skip
    return [event["session"]["events"] for event in events]


def assert_each_request_is_one_session(
    receiver: Receiver, served: ContextManager[str], *, ok: str = "/ok", error: str = "/view-error"
) -> None:
    """Three good requests and a failing one to the app ``served`` serves: four sessions
    at the sessions endpoint, the failing one's event counting itself as unhandled."""
    init_counting(receiver)
    with served as url, httpx.Client(base_url=url, timeout=10.0) as client:
        for _ in range(3):
            assert client.get(ok).status_code == 200
        assert client.get(error).status_code == 500
    assert errorwire.flush(5)
    assert sessions_started(receiver) == 4
    assert bugsnag_event_sessions(receiver) == [{"handled": 0, "unhandled": 1}]
