"""50 concurrent requests as different users against a real threaded WSGI server."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from socketserver import ThreadingMixIn
from typing import Any, Dict, Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import wsgi_test_app as web
from receiver import Receiver
from reports import VENDORS, start, vendor_person_id

from errorwire.integrations.wsgi import ErrorwireMiddleware

USERS = 50


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def log_exception(self, exc_info: Any) -> None:
        pass


@pytest.fixture
def served_app() -> Iterator[str]:
    server = make_server(
        "127.0.0.1",
        0,
        ErrorwireMiddleware(web.app),
        server_class=_ThreadedServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch(url: str, user: str) -> int:
    request = urllib.request.Request(url, headers={"X-User": user})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_each_report_carries_its_own_user_and_request(
    served_app: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        statuses = list(
            pool.map(lambda n: fetch(f"{served_app}/user?n={n}", f"u{n}"), range(USERS))
        )
    assert statuses == [500] * USERS

    events = reports.settle()
    assert len(events) == USERS
    for event in events:
        assert event.person is not None and event.request is not None
        n = event.request.query["n"]
        assert (event.person.id, event.person.username) == (f"u{n}", f"user-u{n}")
        assert event.request.headers["X-User"] == f"u{n}"
        assert event.exceptions[0].message == f"failure of user u{n}"
    for vendor in VENDORS:
        ids = sorted(str(vendor_person_id(vendor, p)) for p in reports.payloads(vendor))
        assert ids == sorted(f"u{n}" for n in range(USERS))
