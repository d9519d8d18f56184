"""The real functions-framework server (gunicorn) serves gcp_functions.py; errorwire
reports over HTTP to the receiver."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest

pytest.importorskip("functions_framework")

from tests.helpers import free_port
from tests.integrations.serverless import function_processes as processes
from tests.receiver import Receiver
from tests.reports import VENDORS, vendor_context, vendor_exception_classes, vendor_request

CARD = "4111111111111111"


def serve(
    receiver: Receiver, target: str, signature: str, source: str = "gcp_functions.py"
) -> Tuple[Any, str]:
    port = free_port()
    env = processes.function_environment(
        receiver, K_SERVICE=target, K_REVISION=f"{target}-00007", FUNCTION_TIMEOUT_SEC="4"
    )
    process = processes.start(
        [
            "-m",
            "functions_framework",
            "--target",
            target,
            "--source",
            source,
            "--signature-type",
            signature,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"functions-framework did not start: {processes.stop(process)}"
                ) from None
            time.sleep(0.1)


def call(
    url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None
) -> Tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def http_function(receiver: Receiver) -> Iterator[str]:
    process, base = serve(receiver, "orders", "http")
    try:
        yield base
    finally:
        processes.stop(process)


def test_http_function_success_failure_and_timeout_warning(
    http_function: str, receiver: Receiver
) -> None:
    status, body = call(f"{http_function}/ok")
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    sent = json.dumps({"order": 42, "card": CARD, "password": "hunter2"}).encode()
    headers = {
        "Content-Type": "application/json",
        "Cookie": "session=abc123",
        "X-Forwarded-For": "203.0.113.9",
        "Function-Execution-Id": "exec-1",
    }
    status, _ = call(f"{http_function}/orders?coupon=SPRING", sent, headers)
    assert status == 500  # the framework's answer, as without errorwire
    # The reports were delivered before the function raised into the framework.
    assert len(receiver.received) == len(VENDORS)
    found = processes.arrived(receiver)
    for vendor in VENDORS:
        (payload,) = found[vendor]
        assert vendor_exception_classes(vendor, payload) == ["ValueError"]
        facts = processes.custom_data(vendor, payload, "gcp")
        assert facts["function_name"] == "orders"
        assert facts["revision"] == "orders-00007"
        assert facts["trigger"] == "http"
        assert facts["execution_id"] == "exec-1"
        assert facts["cold_start"] is False  # the second call of the instance
        text = str(vendor_request(vendor, payload))
        assert "hunter2" not in text and CARD not in text and "abc123" not in text
    rollbar = vendor_request("rollbar", found["rollbar"][0])
    assert rollbar["url"].endswith("/orders?coupon=SPRING")
    assert (rollbar["method"], rollbar["user_ip"]) == ("POST", "203.0.113.9")
    assert rollbar["body"] and '"order": 42' in rollbar["body"]
    assert vendor_context("rollbar", found["rollbar"][0]) == "orders"
    bugsnag = found["bugsnag"][0]["events"][0]
    assert bugsnag["unhandled"] is True
    assert any(c["name"] == "charging the card" for c in bugsnag["breadcrumbs"])

    # 4 s timeout (FUNCTION_TIMEOUT_SEC), still running 1.5 s before it: a warning.
    began = time.monotonic()
    status, body = call(f"{http_function}/slow?seconds=3")
    assert (status, body) == (200, b"slow but done")
    assert time.monotonic() - began < 5  # the warning (sent from its own thread) held nothing
    assert len(receiver.wait_for(2 * len(VENDORS), timeout=2)) == 2 * len(VENDORS)
    warnings = processes.arrived(receiver)
    for vendor, payloads in warnings.items():
        assert (
            processes.message_of(vendor, payloads[1])
            == "Google Cloud Function orders is about to time out"
        )
        assert vendor_exception_classes(vendor, payloads[1]) == ["TimeoutWarning"]
    assert (
        processes.rollbar_innermost_method(warnings["rollbar"][1]) == "orders"
    )  # in its time.sleep
    # A call that finishes well in time sends nothing more.
    assert call(f"{http_function}/slow?seconds=0.1")[0] == 200
    time.sleep(0.3)
    assert len(receiver.received) == 2 * len(VENDORS)


def test_cloud_event_function(receiver: Receiver) -> None:
    process, base = serve(receiver, "on_upload", "cloudevent")
    try:

        def event(event_id: str, name: str) -> Tuple[int, bytes]:
            headers = {
                "Content-Type": "application/json",
                "ce-id": event_id,
                "ce-specversion": "1.0",
                "ce-type": "google.cloud.storage.object.v1.finalized",
                "ce-source": "//storage.googleapis.com/projects/_/buckets/uploads",
                "ce-subject": f"objects/{name}",
            }
            return call(base, json.dumps({"name": name}).encode(), headers)

        assert event("evt-1", "photo.jpg")[0] == 200
        assert receiver.received == []
        assert event("evt-2", "broken.bad")[0] == 500
        assert len(receiver.received) == len(VENDORS)  # delivered before the 500 was sent
        for vendor, (payload,) in processes.arrived(receiver).items():
            assert vendor_exception_classes(vendor, payload) == ["RuntimeError"]
            facts = processes.custom_data(vendor, payload, "gcp")
            assert facts["trigger"] == "cloudevent"
            assert facts["execution_id"] == "evt-2"
            assert facts["event"]["type"] == "google.cloud.storage.object.v1.finalized"
            assert facts["event"]["subject"] == "objects/broken.bad"
            assert facts["cold_start"] is False
        assert "request" not in processes.arrived(receiver)["rollbar"][0]["data"]
    finally:
        processes.stop(process)


def test_async_http_function_on_the_asgi_app(receiver: Receiver) -> None:
    pytest.importorskip("functions_framework.aio")  # functions-framework >= 3.9
    process, base = serve(receiver, "orders", "http", source="gcp_aio_functions.py")
    try:
        status, body = call(f"{base}/ok")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        sent = json.dumps({"order": 42, "password": "hunter2"}).encode()
        headers = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}
        status, _ = call(f"{base}/orders?coupon=SPRING", sent, headers)
        assert status == 500
        assert len(receiver.received) == len(VENDORS)  # delivered before the 500 was sent
        found = processes.arrived(receiver)
        for vendor in VENDORS:
            (payload,) = found[vendor]
            assert vendor_exception_classes(vendor, payload) == ["ValueError"]
            assert processes.custom_data(vendor, payload, "gcp")["trigger"] == "http"
            assert "hunter2" not in str(payload)
        rollbar = vendor_request("rollbar", found["rollbar"][0])
        assert rollbar["url"].endswith("/orders?coupon=SPRING")
        assert (rollbar["method"], rollbar["user_ip"]) == ("POST", "203.0.113.9")
        bugsnag = found["bugsnag"][0]["events"][0]
        assert any(c["name"] == "charging the card" for c in bugsnag["breadcrumbs"])
    finally:
        processes.stop(process)
