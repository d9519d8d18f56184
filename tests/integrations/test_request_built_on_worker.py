"""Without a before_send hook, the request block is built on the worker from copies the
request thread took: what arrives must be the same as when it is built up front."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

pytest.importorskip("flask")
pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

import errorwire
from tests.integrations.flask import flask_test_app
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


def test_flask_request_is_built_on_the_worker(receiver: Receiver, all_vendors: Any) -> None:
    errorwire.init(**all_vendors)
    client = flask_test_app.make_app(True).test_client()
    response = client.get("/items/7?color=red", headers={"User-Agent": "worker-test"})
    assert response.status_code == 500

    payloads = arrived(receiver)
    url = "http://localhost/items/7?color=red"
    assert urls(payloads) == [url, "/items/7", url]
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["GET"] == {"color": "red"}
    assert rollbar["headers"]["User-Agent"] == "worker-test"
    assert rollbar["params"] == {"item_id": 7}
    assert vendor_context("rollbar", payloads["rollbar"]) == "/items/<int:item_id>"
    assert vendor_context("bugsnag", payloads["bugsnag"]) == "/items/<int:item_id>"


def test_starlette_request_is_built_on_the_worker(receiver: Receiver, all_vendors: Any) -> None:
    errorwire.init(**all_vendors)
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        response = client.post("/items/7?color=red", json={"qty": -1})
    assert response.status_code == 500

    payloads = arrived(receiver)
    url = "http://testserver/items/7?color=red"
    assert urls(payloads) == [url, "/items/7", url]
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["GET"] == {"color": "red"}
    assert rollbar["json"] == {"qty": -1}
    assert rollbar["params"] == {"item_id": 7}
    assert vendor_context("rollbar", payloads["rollbar"]) == "/items/{item_id}"
    assert vendor_context("bugsnag", payloads["bugsnag"]) == "/items/{item_id}"
