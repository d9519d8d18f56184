"""A script through errorwire's serverless, scheduler and log-library integrations:
each fails once, with an exception class of its own.

    python example_apps/more_integrations.py   # vendors from ROLLBAR_*, RAYGUN_*, BUGSNAG_*

- AWS Lambda: lambda_function.py's handler, called as the Lambda runtime calls it, with
  an API Gateway event.
- Google Cloud Functions: gcp_function.py served by the functions-framework's own app.
- APScheduler: a BackgroundScheduler whose job raises.
- loguru and structlog: an exception logged through each.

An integration whose library is not installed is skipped, saying so. ``nox -s demo``
runs it against the local inbox.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict

import errorwire

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


class SchedulerJobFailed(Exception):
    pass


class LoguruLoggedError(Exception):
    pass


class StructlogLoggedError(Exception):
    pass


class LambdaContext:
    """What the Lambda runtime hands a handler (the fields errorwire reads)."""

    function_name = "orders"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/orders"
    log_stream_name = "2026/12/07/[$LATEST]demo"

    def __init__(self, timeout: float) -> None:
        self.deadline = time.time() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.deadline - time.time()) * 1000), 0)


def aws_lambda() -> None:
    import lambda_function

    event = {
        "resource": "/orders",
        "path": "/orders",
        "httpMethod": "POST",
        "headers": {"Host": "api.example.com", "Content-Type": "application/json"},
        "requestContext": {"identity": {"sourceIp": "203.0.113.9"}},
        "body": json.dumps({"id": 42, "card": "4000000000000002"}),
    }
    with contextlib.suppress(lambda_function.OrderDeclined):  # Lambda: a failed invocation
        lambda_function.handler(event, LambdaContext(timeout=30))


def gcp() -> None:
    import functions_framework

    app = functions_framework.create_app("orders", str(HERE / "gcp_function.py"), "http")
    answer = app.test_client().post("/", json={"sku": "discontinued"})
    assert answer.status_code == 500, answer.status_code


def apscheduler() -> None:
    from apscheduler.events import EVENT_JOB_ERROR
    from apscheduler.schedulers.background import BackgroundScheduler

    from errorwire.integrations.apscheduler import Errorwire

    def nightly_export() -> None:
        raise SchedulerJobFailed("the export bucket is not writable")

    scheduler = BackgroundScheduler(timezone="UTC")
    Errorwire(scheduler)
    failed = threading.Event()
    scheduler.add_listener(lambda event: failed.set(), EVENT_JOB_ERROR)
    scheduler.start()
    scheduler.add_job(nightly_export, id="nightly-export")
    failed.wait(10)
    scheduler.shutdown()


def loguru() -> None:
    from loguru import logger

    from errorwire.integrations.loguru import sink

    logger.add(sink, level="INFO")
    logger.info("importing {} rows", 120)
    try:
        raise LoguruLoggedError("row 17 has no id")
    except LoguruLoggedError:
        logger.exception("import failed")


def structlog() -> None:
    import structlog as structlog_

    from errorwire.integrations.structlog import processor

    structlog_.configure(
        processors=[
            structlog_.processors.add_log_level,
            processor,
            structlog_.processors.format_exc_info,
            structlog_.processors.JSONRenderer(),
        ]
    )
    log = structlog_.get_logger("billing")
    log.info("invoice_run_started", invoices=3)
    try:
        raise StructlogLoggedError("invoice 7 has no customer")
    except StructlogLoggedError:
        log.exception("invoice_run_failed", invoice=7)


RUNS: Dict[str, Callable[[], None]] = {
    "aws_lambda": aws_lambda,
    "gcp": gcp,
    "apscheduler": apscheduler,
    "loguru": loguru,
    "structlog": structlog,
}
NEEDS = {"gcp": "functions_framework", "apscheduler": "apscheduler", "loguru": "loguru",
         "structlog": "structlog"}  # fmt: skip


def main() -> int:
    errorwire.init()
    for name, run in RUNS.items():
        needed = NEEDS.get(name)
        if needed and importlib.util.find_spec(needed) is None:
            print(f"{name}: SKIPPED, {needed} is not installed")
            continue
        run()
        print(f"{name}: failed once, reported")
    return 0 if errorwire.flush(timeout=20) else 1


if __name__ == "__main__":
    sys.exit(main())
