"""Bugsnag sessions of a real Channels app under its server: one per request, the event's
session counting the error, the counts at the sessions endpoint."""

from __future__ import annotations

from typing import Any, Dict, List

import httpx

import errorwire
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.channels.channels_apps import make_app
from tests.receiver import Receiver
from tests.session_counts import init_counting, sessions_started


def bugsnag_sessions(receiver: Receiver) -> List[Dict[str, Any]]:
    events = [item.json()["events"][0] for item in receiver.by_vendor("bugsnag")
              if not item.path.startswith("/sessions")]  # fmt: skip
    return [event["session"]["events"] for event in events]


def test_each_request_is_one_session(receiver: Receiver) -> None:
    init_counting(receiver)
    with serve(make_app()) as url, httpx.Client(base_url=url, timeout=10.0) as client:
        for _ in range(3):
            assert client.get("/ok").status_code == 200
        assert client.get("/view-error").status_code == 500
    assert errorwire.flush(5)
    assert sessions_started(receiver) == 4
    assert bugsnag_sessions(receiver) == [{"handled": 0, "unhandled": 1}]
