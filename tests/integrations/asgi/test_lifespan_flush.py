"""The app's answer to a lifespan shutdown waits for the report queue (uvicorn kills its
workers with SIGTERM's default action right after it, so atexit never runs there)."""

from __future__ import annotations

from typing import Any, Dict, MutableMapping

from errorwire.integrations.asgi import ErrorwireMiddleware
from tests.integrations.asgi.asgi_support import lifespan_with_two_reports
from tests.receiver import Receiver
from tests.reports import start

Message = MutableMapping[str, Any]


async def lifespan_app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "lifespan"
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def test_shutdown_complete_reaches_the_server_after_the_queue_is_delivered(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    app = ErrorwireMiddleware(lifespan_app)
    arrived_at_answer = lifespan_with_two_reports(app, receiver, {"version": "3.0"})

    assert arrived_at_answer == {"lifespan.startup.complete": 0, "lifespan.shutdown.complete": 6}
    assert len(reports.settle()) == 2
