"""Without a before_send hook, the request block is built on the worker from copies the
request thread took: what arrives must be the same as when it is built up front."""

from __future__ import annotations

import contextlib
from typing import Any, Dict, List

import pytest

pytest.importorskip("flask")
pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

import errorwire
from tests.integrations.flask import flask_test_app
from tests.integrations.request_copies import assert_plain_request_copy, keep_request_copies
from tests.integrations.starlette.starlette_apps import make_app
from tests.receiver import Receiver
from tests.reports import vendor_context, vendor_request
from tests.schemas import assert_valid


def arrived(receiver: Receiver) -> Dict[str, Dict[str, Any]]:
    assert errorwire.flush(timeout=10.0)
    items = receiver.wait_for(3, timeout=10.0)
    payloads = {item.vendor: item.json() for item in items}
    for vendor, payload in payloads.items():
        assert_valid(vendor, payload)
    assert sorted(payloads) == ["bugsnag", "raygun", "rollbar"]
    return payloads


def urls(payloads: Dict[str, Dict[str, Any]]) -> List[str]:
    """Bugsnag's, Raygun's (its path; the query has a field of its own) and Rollbar's URL."""
    return [str(vendor_request(vendor, payloads[vendor]).get("url")) for vendor in sorted(payloads)]


def assert_item_7_reported(receiver: Receiver, host: str, route: str) -> Dict[str, Any]:
    """``/items/7?color=red`` arrived at each vendor as requested of ``host``, with its
    query, route parameter and ``route`` as context: Rollbar's request block."""
    payloads = arrived(receiver)
    url = f"http://{host}/items/7?color=red"
    assert urls(payloads) == [url, "/items/7", url]
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["GET"] == {"color": "red"}
    assert rollbar["params"] == {"item_id": 7}
    assert vendor_context("rollbar", payloads["rollbar"]) == route
    assert vendor_context("bugsnag", payloads["bugsnag"]) == route
    return rollbar


def test_flask_request_is_built_on_the_worker(receiver: Receiver, all_vendors: Any) -> None:
    errorwire.init(**all_vendors)
    client = flask_test_app.make_app(True).test_client()
    response = client.get("/items/7?color=red", headers={"User-Agent": "worker-test"})
    assert response.status_code == 500

    rollbar = assert_item_7_reported(receiver, "localhost", "/items/<int:item_id>")
    assert rollbar["headers"]["User-Agent"] == "worker-test"


def test_starlette_request_is_built_on_the_worker(receiver: Receiver, all_vendors: Any) -> None:
    errorwire.init(**all_vendors)
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        response = client.post("/items/7?color=red", json={"qty": -1})
    assert response.status_code == 500

    rollbar = assert_item_7_reported(receiver, "testserver", "/items/{item_id}")
    assert rollbar["json"] == {"qty": -1}


def test_only_plain_copies_of_an_asgi_request_reach_the_worker(all_vendors: Any) -> None:
    """The event holds the named fields, copied on the request thread: not the scope dict
    (its app, router, user) nor a method of the middleware."""
    copies = keep_request_copies(errorwire.init(**all_vendors))
    with TestClient(make_app(), raise_server_exceptions=False) as http:
        assert http.get("/view-error?tag=a").status_code == 500
    (copied,) = copies
    assert assert_plain_request_copy(copied).url == "http://testserver/view-error?tag=a"


@pytest.mark.parametrize("path", ["/items/7?color=red", "/stream"])
def test_only_plain_copies_of_a_flask_request_reach_the_worker(all_vendors: Any, path: str) -> None:
    """Inside Flask's request context and after it (a streamed body): the environ's plain
    entries and the route, never the environ itself (``werkzeug.request``, ``wsgi.input``)."""
    copies = keep_request_copies(errorwire.init(**all_vendors))
    client = flask_test_app.make_app(True).test_client()
    response = client.get(path)
    assert response.status_code == (200 if path == "/stream" else 500)
    with contextlib.suppress(RuntimeError):  # the streamed body fails as it is read
        response.get_data()
    assert errorwire.flush(timeout=10.0)
    built = assert_plain_request_copy(copies[-1])
    assert built.url == f"http://localhost{path}"
    assert built.route == ("/items/<int:item_id>" if path != "/stream" else "/stream")
