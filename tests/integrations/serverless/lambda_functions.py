"""Lambda handlers run by the real runtime client (``python -m awslambdaric
lambda_functions.<name>``). errorwire reads its settings from the environment."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Dict

import errorwire
from errorwire.integrations import aws_lambda

log = logging.getLogger("orders")


def _act(event: Dict[str, Any]) -> Dict[str, Any]:
    log.warning("handling %s", event.get("path", event.get("do")))
    if event.get("do") == "note":  # reported, yet the handler returns normally
        errorwire.capture_message("stock of item 7 is low", level="warning")
    if event.get("do") == "sleep":
        time.sleep(float(event["seconds"]))
    if event.get("do") == "fail" or event.get("httpMethod") == "POST":
        errorwire.add_breadcrumb("charging the card", category="payments")
        raise ValueError("order 42 could not be charged")
    return {"statusCode": 200, "body": "ok"}


@aws_lambda.wrap
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    return _act(event)


@aws_lambda.wrap
async def async_handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    await asyncio.sleep(0)
    return _act(event)


@aws_lambda.wrap(timeout_warning=None)
def no_warning(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    return _act(event)
