"""Functions served by the real functions-framework in the Cloud Functions tests.
errorwire reads its settings from the environment."""

from __future__ import annotations

import logging
import time
from typing import Any

import functions_framework

import errorwire
from errorwire.integrations import gcp

log = logging.getLogger("orders")


@functions_framework.http
@gcp.wrap
def orders(request: Any) -> Any:
    log.warning("order request %s", request.path)
    if request.path == "/slow":
        time.sleep(float(request.args.get("seconds", "0")))
        return "slow but done"
    if request.method == "POST":
        payload = request.get_json()
        errorwire.add_breadcrumb("charging the card", category="payments")
        raise ValueError(f"order {payload['order']} could not be charged")
    return {"status": "ok"}


@functions_framework.cloud_event
@gcp.wrap
def on_upload(cloud_event: Any) -> None:
    if cloud_event.data.get("name", "").endswith(".bad"):
        raise RuntimeError(f"cannot process {cloud_event.data['name']}")
