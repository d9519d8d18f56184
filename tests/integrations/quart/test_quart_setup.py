"""Setting the extension up: options from app.config, Quart re-raising, apps without auth."""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
from typing import Any, Dict, List

import httpx

import errorwire
from errorwire.core.request import BodyCopy
from errorwire.integrations.quart import Errorwire
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.quart.quart_apps import make_app
from tests.receiver import Receiver, Reply
from tests.reports import VENDORS, Reports, vendor_person_id
from tests.served_apps import fetch


def test_options_come_from_app_config(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    reports = Reports(receiver)
    app = make_app(with_errorwire=False)
    app.config["ERRORWIRE"] = {
        **all_vendors,
        "before_send": reports.keep,
        "environment": "staging",
    }
    Errorwire(app)
    Errorwire(app)  # a second time changes nothing
    with serve(app) as url:
        assert fetch(url + "/view-error")[0] == 500
    event, payloads = reports.one()
    assert event.environment == "staging"
    assert payloads["rollbar"]["data"]["environment"] == "staging"


def test_quart_re_raising_the_error_is_still_one_report(reports: Reports) -> None:
    """With PROPAGATE_EXCEPTIONS Quart (0.19+) raises the error out of the app after its
    signal (uvicorn answers 500): the wrapper sees the same exception again, reported once."""
    with serve(make_app(PROPAGATE_EXCEPTIONS=True)) as url:
        assert fetch(url + "/view-error")[0] == 500
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


def test_without_quart_auth_on_the_app_there_is_no_person(reports: Reports) -> None:
    with serve(make_app(auth=False)) as url:
        assert fetch(url + "/profile")[0] == 500
    event, payloads = reports.one()
    assert event.person is None
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) is None


def test_set_person_wins_over_quart_auth(reports: Reports) -> None:
    with serve(make_app()) as url, httpx.Client(base_url=url) as client:
        assert client.post("/sign-in", data={"user": "alice-7"}).status_code == 200
        assert client.post("/users/o-1/checkout", headers={"X-User": "bob"}).status_code == 500
    event, payloads = reports.one()
    assert event.person is not None
    assert (event.person.id, event.person.username) == ("bob", "name-bob")
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "bob"


def test_a_missing_quart_names_the_extra_to_install() -> None:
    code = "import sys; sys.modules['quart'] = None; import errorwire.integrations.quart"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "pip install errorwire[quart]" in result.stderr.splitlines()[-1]


def test_only_plain_copies_of_a_quart_request_reach_the_worker(all_vendors: Any) -> None:
    """The builder handed to the worker holds the fields copied on the request's task (the
    route, its arguments, the JSON the app read): no Quart request, no integration code."""
    client = errorwire.init(**all_vendors)
    builders: List[Any] = []
    submit = client.transport.submit

    def keep_builder(event: Any) -> bool:
        builders.append(event.deferred_request.build)
        return submit(event)

    client.transport.submit = keep_builder  # type: ignore[method-assign]
    with serve(make_app()) as url:
        assert fetch(url + "/items/7?tag=a", method="POST", json={"qty": -1})[0] == 500
    (build,) = builders
    assert isinstance(build, functools.partial)
    assert build.func.__module__ == "errorwire.integrations.base"
    assert _plain(list(build.args))
    request = build()
    assert (request.url, request.route, request.json) == (
        url + "/items/7?tag=a",
        "/items/<int:item_id>",
        {"qty": -1},
    )


def _plain(value: Any, depth: int = 0) -> bool:
    """Plain data all the way down, or errorwire's own body copy: nothing of Quart."""
    if isinstance(value, (str, bytes, int, float, bool, type(None), BodyCopy)):
        return True
    if isinstance(value, (list, tuple)) and depth < 6:
        return all(_plain(item, depth + 1) for item in value)
    if isinstance(value, dict) and depth < 6:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return False


def test_the_apps_lifespan_shutdown_waits_for_the_report_queue(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    """As for Starlette (the ASGI middleware): Quart's ``lifespan.shutdown.complete``
    reaches the server once the reports queued are delivered (failed before: the Quart
    wrapper let the lifespan through untouched)."""
    reports = Reports(receiver)
    errorwire.init(**all_vendors, before_send=reports.keep)
    receiver.responder = lambda item: Reply(
        status=202 if item.vendor == "raygun" else 200,
        body={"err": 0, "result": {"uuid": "0"}} if item.vendor == "rollbar" else {},
        stall=0.1,
    )
    app = make_app()
    inbox: List[Dict[str, Any]] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    arrived_at_answer: Dict[str, int] = {}

    async def receive() -> Dict[str, Any]:
        return inbox.pop(0)

    async def send(message: Dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            for index in range(2):
                try:
                    raise RuntimeError(f"failure {index}")
                except RuntimeError as exc:
                    errorwire.capture_exception(exc)
        arrived_at_answer[message["type"]] = len(receiver.received)

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]

    assert arrived_at_answer == {"lifespan.startup.complete": 0, "lifespan.shutdown.complete": 6}
    assert len(reports.settle()) == 2
