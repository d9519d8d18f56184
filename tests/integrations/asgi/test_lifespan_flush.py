"""The app's answer to a lifespan shutdown waits for the report queue (uvicorn kills its
workers with SIGTERM's default action right after it, so atexit never runs there)."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, MutableMapping

import pytest

import errorwire
from errorwire.integrations.asgi import ErrorwireMiddleware
from tests.receiver import Receiver, Reply
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


def quart_app() -> Any:
    """A Quart app in errorwire's wrapper: Quart's own lifespan (failed before: the Quart
    wrapper let the lifespan through untouched)."""
    pytest.importorskip("quart")
    from tests.integrations.quart.quart_apps import make_app

    return make_app()


@pytest.mark.parametrize(
    "make", [lambda: ErrorwireMiddleware(lifespan_app), quart_app], ids=["asgi", "quart"]
)
def test_shutdown_complete_reaches_the_server_after_the_queue_is_delivered(
    make: Callable[[], Any], receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    receiver.responder = lambda item: Reply(
        status=202 if item.vendor == "raygun" else 200,
        body={"err": 0, "result": {"uuid": "0"}} if item.vendor == "rollbar" else {},
        stall=0.1,
    )
    app = make()
    inbox: List[Message] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    arrived_at_answer: Dict[str, int] = {}

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            for index in range(2):
                try:
                    raise RuntimeError(f"failure {index}")
                except RuntimeError as exc:
                    errorwire.capture_exception(exc)
        arrived_at_answer[message["type"]] = len(receiver.received)

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
    asyncio.run(app(scope, receive, send))

    assert arrived_at_answer == {"lifespan.startup.complete": 0, "lifespan.shutdown.complete": 6}
    assert len(reports.settle()) == 2
