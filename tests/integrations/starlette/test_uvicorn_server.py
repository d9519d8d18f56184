"""The Starlette app behind a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Iterator, List

import httpx
import pytest

pytest.importorskip("uvicorn")

import contextlib

from integrations.asgi.asgi_support import Records, serve
from receiver import Receiver
from reports import VENDORS, start, vendor_person_id, vendor_request
from starlette_apps import make_app

import errorwire

UVICORN_LOGGER = "uvicorn.error"


@pytest.fixture
def server_log() -> Iterator[Records]:
    """errorwire's LoggingHandler on uvicorn's error logger, plus a record of what it logged."""
    logger = logging.getLogger(UVICORN_LOGGER)
    records = Records()
    reporter = errorwire.LoggingHandler(level=logging.ERROR)
    logger.addHandler(records)
    logger.addHandler(reporter)
    try:
        yield records
    finally:
        logger.removeHandler(records)
        logger.removeHandler(reporter)


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

    async def hit_all(url: str) -> List[int]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"/users/o-{i}/checkout",
                        headers={"X-User": f"user-{i}", "X-Request-Id": f"req-{i}"},
                        content=f"order body {i}".encode(),
                    )
                    for i in range(count)
                )
            )
        return [r.status_code for r in responses]

    with serve(make_app()) as url:
        assert asyncio.run(hit_all(url)) == [500] * count

    events = reports.settle()
    assert len(events) == count
    seen = set()
    for event in events:
        assert event.request is not None and event.person is not None
        number = event.request.url.split("/users/o-", 1)[1].split("/", 1)[0]
        seen.add(number)
        assert event.person.id == f"user-{number}"
        assert event.request.headers["x-request-id"] == f"req-{number}"
        assert event.request.route_params == {"order": f"o-{number}"}
        assert event.exceptions[0].message == f"user user-{number} order o-{number}"
    assert seen == {str(i) for i in range(count)}
    for vendor in VENDORS:
        for payload in reports.payloads(vendor):
            headers = vendor_request(vendor, payload)["headers"]
            number = headers["x-request-id"].split("-", 1)[1]
            assert vendor_person_id(vendor, payload) == f"user-{number}", vendor
