"""Bugsnag sessions of a real Sanic app under its server: one per request, the event's
session counting the error, the counts at the sessions endpoint."""

from __future__ import annotations

from tests.integrations.sanic.sanic_apps import make_app, serve
from tests.receiver import Receiver
from tests.session_counts import assert_each_request_is_one_session


def test_each_request_is_one_session(receiver: Receiver) -> None:
    assert_each_request_is_one_session(receiver, serve(make_app()))
