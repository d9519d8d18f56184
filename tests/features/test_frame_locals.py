"""include_locals: a Flask app served over real HTTP fails inside helpers holding planted
secrets; the bytes that arrive at the receiver carry each in-project frame's arguments
and locals, as safe reprs, with every secret filtered."""

# ruff: noqa: F841 - the helpers' unused locals are what the reports must carry

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Optional

import pytest

import errorwire
from tests.receiver import Receiver
from tests.reports import VENDORS, Reports, start
from tests.threaded_servers import fetch_status, serving

flask = pytest.importorskip("flask")

from werkzeug.local import LocalProxy  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

CARD = "4111 1111 1111 1111"
API_KEY = "sk_live_planted_api_key_0001"
PASSWORD = "hunter2-planted-password"
NESTED_PASSWORD = "nested-planted-password-77"
BEARER = "Bearer abcdefPLANTEDtoken123456"
SECRETS = (CARD, API_KEY, PASSWORD, NESTED_PASSWORD, "abcdefPLANTEDtoken123456")
evaluated: List[str] = []


class PaymentDeclined(Exception):
    pass


class Order:
    def __init__(self, number: int) -> None:
        self.number = number

    def __repr__(self) -> str:
        return f"<Order {self.number}>"


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class Recursive:
    def __repr__(self) -> str:
        return f"<Recursive {self!r}>"


def charge(order: Order, instrument: str, *notes: str, api_key: str, **options: Any) -> None:
    password = PASSWORD
    customer = {"name": "alice", "profile": {"password": NESTED_PASSWORD, "plan": "gold"}}
    header = BEARER
    amount_cents = 4200
    raise PaymentDeclined(f"card declined for order {order.number}")


def checkout(order_id: int) -> None:
    order = Order(order_id)
    lazy_user = LocalProxy(lambda: evaluated.append("user") or "alice")
    broken = BrokenRepr()
    recursive = Recursive()
    essay = "x" * 1000
    charge(order, CARD, "gift wrap", api_key=API_KEY, retries=3)


def make_app() -> Any:
    app = flask.Flask("locals_app")

    @app.route("/checkout/<int:order_id>")
    def checkout_view(order_id: int) -> str:
        checkout(order_id)
        return "unreachable"

    @app.route("/ok")
    def ok() -> str:
        return "fine"

    errorwire.integrations.flask.Errorwire(app)
    return app


@pytest.fixture
def served() -> Iterator[str]:
    import errorwire.integrations.flask  # noqa: F401

    with serving(make_server("127.0.0.1", 0, make_app(), threaded=True)) as url:
        yield url


def reported(receiver: Receiver, all_vendors: Dict[str, Any], url: str, **options: Any) -> Reports:
    reports = start(receiver, all_vendors, **options)
    assert fetch_status(f"{url}/checkout/17", {}) == 500
    reports.one()
    return reports


def rollbar_frames(payload: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Rollbar frames by function name (the innermost one wins)."""
    body = payload["data"]["body"]
    traces = body["trace_chain"] if "trace_chain" in body else [body["trace"]]
    return {
        str(frame.get("method")).rsplit(".", 1)[-1]: frame
        for trace in traces
        for frame in trace["frames"]
    }


def tab(vendor: str, payload: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The frame-variables object of Bugsnag (a metaData tab) or Raygun (userCustomData)."""
    if vendor == "bugsnag":
        found: Optional[Dict[str, Any]] = payload["events"][0].get("metaData", {}).get("locals")
    else:
        found = payload["details"].get("userCustomData", {}).get("locals")
    return found


def frame_in_tab(entries: Dict[str, Any], function: str) -> Dict[str, Any]:
    matches = [v for label, v in entries.items() if label.endswith(f" in {function}")]
    assert matches, list(entries)
    found: Dict[str, Any] = matches[0]
    return found


def test_locals_arrive_in_every_vendor_with_planted_secrets_filtered(
    served: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    evaluated.clear()
    reported(receiver, all_vendors, served, include_locals=True)
    assert len(receiver.received) == 3
    for item in receiver.received:
        raw = item.body.decode("utf-8")
        for secret in SECRETS:
            assert secret not in raw, (item.vendor, secret)
        assert "[Filtered]" in raw

    frames = rollbar_frames(receiver.by_vendor("rollbar")[0].json())
    charge_frame = frames["charge"]
    assert charge_frame["argspec"] == ["order", "instrument"]
    assert charge_frame["args"][0] == "<Order 17>"
    assert charge_frame["args"][1] == "'[Filtered]'"  # a card number, by value
    assert charge_frame["args"][2] == "'gift wrap'"  # *notes
    assert charge_frame["varargspec"] == "notes"
    assert charge_frame["kwargs"] == {"api_key": "[Filtered]", "retries": "3"}
    local = charge_frame["locals"]
    assert local["password"] == "[Filtered]"  # by name
    nested = "{'name': 'alice', 'profile': {'password': [Filtered], 'plan': 'gold'}}"
    assert local["customer"] == nested
    assert local["header"] == "'Bearer [Filtered]'"  # by value
    assert local["amount_cents"] == "4200"
    checkout_frame = frames["checkout"]
    assert checkout_frame["args"] == ["17"] and checkout_frame["argspec"] == ["order_id"]
    outer = checkout_frame["locals"]
    assert outer["order"] == "<Order 17>"
    assert outer["lazy_user"] == "<LocalProxy (proxy, not evaluated)>"
    assert outer["broken"] == "<BrokenRepr object (repr failed: RuntimeError)>"
    assert outer["recursive"] == "<Recursive object (repr failed: RecursionError)>"
    assert len(outer["essay"]) == 256 and outer["essay"].startswith("'xxx")
    assert evaluated == []  # the LocalProxy was not resolved
    # Library frames (Flask, Werkzeug) carry nothing.
    assert "args" not in frames["dispatch_request"] and "locals" not in frames["dispatch_request"]

    for vendor in ("bugsnag", "raygun"):
        entries = tab(vendor, receiver.by_vendor(vendor)[0].json())
        assert entries is not None, vendor
        first_label = next(iter(entries))
        assert re.fullmatch(r"tests/features/test_frame_locals\.py:\d+ in charge", first_label)
        values = frame_in_tab(entries, "charge")
        assert values["order"] == "<Order 17>"
        assert values["instrument"] == "'[Filtered]'"
        assert values["*notes"] == ["'gift wrap'"]
        assert values["api_key"] == "[Filtered]" and values["retries"] == "3"
        assert values["password"] == "[Filtered]"
        assert "'password': [Filtered]" in values["customer"]
        assert frame_in_tab(entries, "checkout")["lazy_user"].startswith("<LocalProxy")
        assert not any("dispatch_request" in label for label in entries)


def test_by_default_no_frame_variables_are_collected(
    served: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = reported(receiver, all_vendors, served)
    event = reports.events[0]
    assert all(frame.variables is None for info in event.exceptions for frame in info.frames)
    for frame in rollbar_frames(receiver.by_vendor("rollbar")[0].json()).values():
        assert not {"args", "argspec", "kwargs", "locals"} & set(frame)
    for vendor in ("bugsnag", "raygun"):
        assert tab(vendor, receiver.by_vendor(vendor)[0].json()) is None
    for item in receiver.received:
        assert b'"4200"' not in item.body and b"<Order 17>" not in item.body


def test_the_app_answers_as_without_errorwire(
    served: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    start(receiver, all_vendors, include_locals=True)
    assert fetch_status(f"{served}/ok", {}) == 200
    assert fetch_status(f"{served}/checkout/3", {}) == 500
    assert errorwire.flush(timeout=10.0)
    assert sorted(item.vendor for item in receiver.wait_for(3)) == sorted(VENDORS)


def test_include_locals_must_be_a_bool() -> None:
    with pytest.raises(errorwire.ConfigError, match="include_locals"):
        errorwire.init(include_locals="yes")


async def fetch_invoice(invoice_id: int, token: str) -> None:
    total = {"net": 100, "card": CARD}
    raise LookupError(f"invoice {invoice_id} missing")


def test_async_frames_of_a_starlette_app_carry_their_locals(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from errorwire.integrations.starlette import ErrorwireMiddleware

    async def invoice(request: Request) -> PlainTextResponse:
        invoice_id = int(request.path_params["invoice_id"])
        await fetch_invoice(invoice_id, API_KEY)
        return PlainTextResponse("unreachable")

    app = Starlette(routes=[Route("/invoices/{invoice_id}", invoice)])
    app.add_middleware(ErrorwireMiddleware)
    reports = start(receiver, all_vendors, include_locals=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/invoices/9").status_code == 500
    reports.one()
    for item in receiver.received:
        assert API_KEY.encode() not in item.body and CARD.encode() not in item.body
    frames = rollbar_frames(receiver.by_vendor("rollbar")[0].json())
    assert frames["fetch_invoice"]["args"] == ["9", "[Filtered]"]  # token, by name
    assert frames["fetch_invoice"]["locals"] == {"total": "{'net': 100, 'card': '[Filtered]'}"}
    assert frames["invoice"]["locals"]["invoice_id"] == "9"
    assert frames["invoice"]["args"][0].startswith("<starlette.requests.Request object")
