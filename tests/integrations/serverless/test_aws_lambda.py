"""The real Lambda runtime client (``awslambdaric``) runs the handlers of
lambda_functions.py, driven by a local Runtime API (lambda_runtime_api.py); errorwire
reports over HTTP to the receiver."""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator

import pytest

try:
    import awslambdaric  # noqa: F401
except ImportError as missing:  # a C extension: it may not build on every machine
    pytest.skip(f"awslambdaric cannot be imported here: {missing}", allow_module_level=True)

from tests.integrations.serverless import function_processes as processes
from tests.integrations.serverless.lambda_runtime_api import RuntimeAPI
from tests.receiver import Receiver, Reply
from tests.reports import VENDORS, vendor_context, vendor_exception_classes, vendor_request

FUNCTION = "orders"
CARD = "4111111111111111"

API_GATEWAY_EVENT: Dict[str, Any] = {
    "resource": "/orders/{id}",
    "path": "/orders/42",
    "httpMethod": "POST",
    "headers": {
        "Host": "api.example.com",
        "X-Forwarded-Proto": "https",
        "Content-Type": "application/json",
        "Authorization": "Bearer sk-live-secret",
        "Cookie": "session=abc123; theme=dark",
    },
    "multiValueHeaders": None,
    "queryStringParameters": {"coupon": "SPRING"},
    "multiValueQueryStringParameters": {"coupon": ["SPRING"]},
    "pathParameters": {"id": "42"},
    "requestContext": {
        "resourcePath": "/orders/{id}",
        "httpMethod": "POST",
        "identity": {"sourceIp": "203.0.113.9"},
    },
    "body": f'{{"card": "{CARD}", "password": "hunter2", "item": "book"}}',
    "isBase64Encoded": False,
}


@pytest.fixture
def runtime(receiver: Receiver) -> Iterator[RuntimeAPI]:
    with RuntimeAPI(lambda: len(receiver.received)) as api:
        yield api


def run_function(runtime: RuntimeAPI, receiver: Receiver, handler: str) -> Any:
    env = processes.function_environment(
        receiver,
        AWS_LAMBDA_RUNTIME_API=runtime.address,
        AWS_LAMBDA_FUNCTION_NAME=FUNCTION,
        AWS_LAMBDA_FUNCTION_VERSION="7",
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/orders",
        AWS_LAMBDA_LOG_STREAM_NAME="2026/12/07/[7]abc",
    )
    return processes.start(["-m", "awslambdaric", f"lambda_functions.{handler}"], env)


@pytest.mark.parametrize("handler", ["handler", "async_handler"])
def test_success_failure_and_timeout_under_the_real_runtime_client(
    handler: str, runtime: RuntimeAPI, receiver: Receiver
) -> None:
    process = run_function(runtime, receiver, handler)
    try:
        began = time.monotonic()
        ok = runtime.invoke({"do": "ok"}, timeout=30)
        assert ok.outcome == "response", processes.stop(process)
        assert ok.body == {"statusCode": 200, "body": "ok"}
        assert time.monotonic() - began < 10  # the 28.5 s timeout warning never waited for
        assert ok.reports_by_then == 0

        failed = runtime.invoke(API_GATEWAY_EVENT, timeout=30)
        assert failed.outcome == "error", processes.stop(process)
        assert failed.body["errorType"] == "ValueError"  # the runtime saw the error unchanged
        assert failed.body["errorMessage"] == "order 42 could not be charged"
        # Delivered before the handler raised into the runtime (which may freeze next).
        assert failed.reports_by_then == len(VENDORS)

        found = processes.arrived(receiver)
        for vendor in VENDORS:
            (payload,) = found[vendor]
            assert vendor_exception_classes(vendor, payload) == ["ValueError"]
            assert vendor_context(vendor, payload) in (FUNCTION, None)
            facts = processes.custom_data(vendor, payload, "lambda")
            assert facts["function_name"] == FUNCTION
            assert facts["function_version"] == "7"
            assert facts["request_id"] == failed.request_id
            assert facts["cold_start"] is False  # the second invocation of the process
            assert facts["event_source"] == "aws:api-gateway"
            assert facts["log_group"] == "/aws/lambda/orders"
            assert 0 < facts["remaining_time_ms"] <= 30_000
            request = vendor_request(vendor, payload)
            text = str(request)
            assert "hunter2" not in text and CARD not in text and "sk-live-secret" not in text
            assert "abc123" not in text
        rollbar = vendor_request("rollbar", found["rollbar"][0])
        assert rollbar["url"] == "https://api.example.com/orders/42?coupon=SPRING"
        assert (rollbar["method"], rollbar["user_ip"]) == ("POST", "203.0.113.9")
        assert vendor_context("rollbar", found["rollbar"][0]) == FUNCTION
        bugsnag = found["bugsnag"][0]["events"][0]
        assert bugsnag["unhandled"] is True
        assert bugsnag["severityReason"]["type"] == "unhandledException"
        assert bugsnag["request"]["clientIp"] == "203.0.113.9"
        assert any(c["name"] == "charging the card" for c in bugsnag["breadcrumbs"])

        # A handler still running 1.5 s before its 3 s deadline: a warning report, sent
        # while it runs; then Lambda ends the process, as the runtime API does here.
        stuck = runtime.invoke({"do": "sleep", "seconds": 20}, timeout=3, wait=3)
        assert stuck.outcome is None
        arrived_all = receiver.wait_for(2 * len(VENDORS), timeout=1)
        assert len(arrived_all) == 2 * len(VENDORS)
        warnings = processes.arrived(receiver)
        for vendor in VENDORS:
            payload = warnings[vendor][1]
            message = f"AWS Lambda function {FUNCTION} is about to time out"
            assert processes.message_of(vendor, payload) == message
            facts = processes.custom_data(vendor, payload, "lambda")
            assert facts["request_id"] == stuck.request_id
            assert 0 < facts["remaining_time_ms"] <= 1600
            assert vendor_exception_classes(vendor, payload) == ["TimeoutWarning"]
        # The stack the handler was running when the warning fired: in time.sleep in _act.
        assert processes.rollbar_innermost_method(warnings["rollbar"][1]) == "_act"
        assert warnings["rollbar"][1]["data"]["level"] == "warning"
        bugsnag_warning = warnings["bugsnag"][1]["events"][0]
        assert bugsnag_warning["severity"] == "warning" and bugsnag_warning["unhandled"] is False
    finally:
        processes.stop(process)


def test_cold_start_and_no_warning_when_turned_off(runtime: RuntimeAPI, receiver: Receiver) -> None:
    process = run_function(runtime, receiver, "no_warning")
    try:
        first = runtime.invoke({"do": "fail"}, timeout=30)
        assert first.outcome == "error", processes.stop(process)
        assert first.reports_by_then == len(VENDORS)
        found = processes.arrived(receiver)
        for vendor, (payload,) in found.items():
            facts = processes.custom_data(vendor, payload, "lambda")
            assert facts["cold_start"] is True
            assert facts["event_source"] is None
        # Not an HTTP event: no request block.
        assert "request" not in found["rollbar"][0]["data"]
        assert "request" not in found["bugsnag"][0]["events"][0]
        # Close to its deadline and no warning asked for: nothing more is reported.
        slow = runtime.invoke({"do": "sleep", "seconds": 1.8}, timeout=2.5)
        assert slow.outcome == "response"
        assert len(receiver.received) == len(VENDORS)
        # A handler that reports something and returns: delivered before its response.
        noted = runtime.invoke({"do": "note"}, timeout=30)
        assert noted.outcome == "response"
        assert noted.reports_by_then == 2 * len(VENDORS)
        for vendor, payloads in processes.arrived(receiver).items():
            assert processes.message_of(vendor, payloads[1]) == "stock of item 7 is low"
    finally:
        processes.stop(process)


def test_the_flush_never_runs_past_the_deadline(runtime: RuntimeAPI, receiver: Receiver) -> None:
    """Vendors that stall: the handler still raises into the runtime before its deadline
    (Lambda would otherwise count a timeout instead of the handler's error)."""
    receiver.script(*[Reply(stall=4.0)] * len(VENDORS))
    process = run_function(runtime, receiver, "no_warning")
    try:
        failed = runtime.invoke({"do": "fail"}, timeout=1.5, wait=10)
        took = failed.answered_at - failed.delivered_at
        assert failed.outcome == "error", processes.stop(process)
        assert failed.body["errorType"] == "ValueError"
        # The flush gives up 0.1 s before the 1.5 s deadline (unbounded, it would wait the
        # 2 s shutdown_timeout); 0.25 s of slack for a loaded machine's scheduling.
        assert took < 1.5 + 0.25, took
        assert took > 1.0, took  # it did wait for the stalled vendors until then
    finally:
        processes.stop(process)
