"""The Starlette app behind a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import httpx
import pytest

pytest.importorskip("uvicorn")

import contextlib

import errorwire
from tests.concurrent_checkouts import (
    assert_payload_scopes_match_their_requests,
    checkout_reports,
    post_checkouts,
)
from tests.integrations.asgi.asgi_support import Records, reporting_log, serve
from tests.integrations.starlette.starlette_apps import make_app
from tests.receiver import Receiver
from tests.reports import start

UVICORN_LOGGER = "uvicorn.error"


@pytest.fixture
def server_log() -> Iterator[Records]:
    """errorwire's LoggingHandler on uvicorn's error logger, plus a record of what it logged."""
    with reporting_log(UVICORN_LOGGER) as records:
        yield records


@pytest.mark.parametrize("path", ["/view-error", "/stream", "/background"])
def test_uvicorn_exception_log_record_is_no_second_report(
    receiver: Receiver, all_vendors: Dict[str, Any], server_log: Records, path: str
) -> None:
    reports = start(receiver, all_vendors)
    with serve(make_app()) as url:
        bare_status = 500 if path == "/view-error" else 200
        assert status_of(url + path) == bare_status
        records = server_log.wait_for(1)
    assert [r.getMessage().strip() for r in records] == ["Exception in ASGI application"]
    logged = records[0].exc_info[1] if records[0].exc_info else None
    assert logged is not None

    event, _ = reports.one()
    assert event.handled is False
    assert event.logger_name is None  # the middleware's report, not the log record's
    assert reports.exceptions[0] is logged or reports.exceptions[0] in _leaves(logged)
    client = errorwire.get_client()
    assert client is not None
    assert client.stats()["client"].get("duplicate") == 1


def status_of(url: str) -> int:
    """The status line's code; a stream that breaks after it is cut off (as without errorwire)."""
    with httpx.stream("GET", url) as response:
        with contextlib.suppress(httpx.RemoteProtocolError):
            response.read()
        return response.status_code


def _leaves(exc: BaseException) -> List[BaseException]:
    members = getattr(exc, "exceptions", None)
    if not members:
        return [exc]
    return [leaf for member in members for leaf in _leaves(member)]


def test_50_concurrent_users_each_get_their_own_person_and_request(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors, storm_limit=1000)
    count = 50

    with serve(make_app()) as url:
        assert post_checkouts(url, count, body=True) == [500] * count

    for number, event, request in checkout_reports(reports, count):
        assert request.headers["x-request-id"] == f"req-{number}"
        assert request.route_params == {"order": f"o-{number}"}
        assert event.exceptions[0].message == f"user user-{number} order o-{number}"
    assert_payload_scopes_match_their_requests(reports)
