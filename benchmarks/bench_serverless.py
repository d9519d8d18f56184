"""What ``errorwire.integrations.aws_lambda.wrap`` adds to one invocation that succeeds,
and what the loguru sink and structlog processor add to one record below their report
level (a breadcrumb). Wall clock, best of 5 rounds, errorwire configured with a vendor
on a closed port (nothing is reported on these paths).

    python benchmarks/bench_serverless.py

Not part of ``nox -s bench`` (it needs loguru and structlog; each is skipped, saying so,
when missing). On a shared VM take the ratios, not the microseconds.
"""

from __future__ import annotations

import io
import time
import timeit
from typing import Any, Callable, Dict, List, Tuple

import errorwire
from errorwire.integrations import aws_lambda

ROUNDS = 5
CALLS = 20_000


class Context:
    """The fields of the runtime's LambdaContext that errorwire reads."""

    function_name = "bench"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.deadline = time.time() + 900

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.time()) * 1000)


def per_call(call: Callable[[], Any]) -> float:
    """Microseconds per call, the best of ``ROUNDS``."""
    return min(timeit.repeat(call, number=CALLS, repeat=ROUNDS)) / CALLS * 1e6


def lambda_rows() -> List[Tuple[str, float]]:
    def handler(event: Dict[str, Any], context: Any) -> int:
        return 1

    event = {"httpMethod": "GET", "path": "/"}
    context = Context()
    wrapped = aws_lambda.wrap(handler)
    quiet = aws_lambda.wrap(timeout_warning=None)(handler)
    return [
        ("lambda handler, bare", per_call(lambda: handler(event, context))),
        ("lambda handler, wrap", per_call(lambda: wrapped(event, context))),
        ("lambda handler, wrap(timeout_warning=None)", per_call(lambda: quiet(event, context))),
    ]


def loguru_rows() -> List[Tuple[str, float]]:
    try:
        from loguru import logger
    except ImportError:
        print("loguru: SKIPPED, not installed")
        return []
    from errorwire.integrations.loguru import sink

    logger.remove()
    rows = []
    for label, target, fmt in (
        ("loguru info record, a sink doing nothing", lambda message: None, None),
        ("  errorwire's sink instead", sink, None),
        ("  errorwire's sink, format='{message}'", sink, "{message}"),
    ):
        extra = {} if fmt is None else {"format": fmt}
        handler_id = logger.add(target, level="INFO", **extra)
        rows.append((label, per_call(lambda: logger.info("order {} shipped", 42))))
        logger.remove(handler_id)
    return rows


def structlog_rows() -> List[Tuple[str, float]]:
    try:
        import structlog
    except ImportError:
        print("structlog: SKIPPED, not installed")
        return []
    from errorwire.integrations.structlog import processor

    rows = []
    for label, chain in (
        ("structlog info event, JSON", []),
        ("  + errorwire processor", [processor]),
    ):
        structlog.configure(
            processors=[
                structlog.processors.add_log_level,
                *chain,
                structlog.processors.JSONRenderer(),
            ],
            logger_factory=structlog.PrintLoggerFactory(file=io.StringIO()),
            cache_logger_on_first_use=True,
        )
        log = structlog.get_logger()
        rows.append((label, per_call(lambda log=log: log.info("order_shipped", order=42))))
    structlog.reset_defaults()
    return rows


def main() -> None:
    errorwire.init(rollbar=errorwire.Rollbar(access_token="t", endpoint="http://127.0.0.1:9/"))
    rows = lambda_rows() + loguru_rows() + structlog_rows()
    width = max(len(name) for name, _ in rows)
    for name, micros in rows:
        print(f"{name:<{width}}  {micros:8.2f} us")


if __name__ == "__main__":
    main()
