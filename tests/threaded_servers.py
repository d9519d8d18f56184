"""Real threaded HTTP servers on 127.0.0.1 for the concurrency tests, and a client that
answers with the status code (of 4xx/5xx answers too)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any, Callable, Dict, Iterator, List, Tuple, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from errorwire.core.event import Event, Person
from tests.reports import Reports

T = TypeVar("T")


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def log_exception(self, exc_info: Any) -> None:
        pass


def wsgiref_server(app: Any) -> WSGIServer:
    """The standard library's WSGI server, one thread per request, on a free port."""
    return make_server(
        "127.0.0.1", 0, app, server_class=_ThreadedServer, handler_class=_QuietHandler
    )


@contextmanager
def serving(server: Any) -> Iterator[str]:
    """Serve with ``server`` (a ``socketserver``-style server) in a thread; its base URL."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch_status(url: str, headers: Dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def concurrently(count: int, call: Callable[[int], T]) -> List[T]:
    """``call(n)`` for n in 0..count-1, all at once (one thread each); results in order."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def users_fail_at_once(reports: Reports, url: str, count: int) -> List[Tuple[str, Event, Person]]:
    """``count`` users (``X-User: u{n}``) fetch ``url`` followed by their number ``n`` at
    once, and each fails: every report's request is its user's own; (n, event, person) each."""
    statuses = concurrently(count, lambda n: fetch_status(f"{url}{n}", {"X-User": f"u{n}"}))
    assert statuses == [500] * count
    events = reports.settle()
    assert len(events) == count
    reported = []
    for event in events:
        assert event.person is not None and event.request is not None
        n = event.request.query["n"]
        assert event.request.headers["X-User"] == f"u{n}"
        reported.append((str(n), event, event.person))
    return reported
