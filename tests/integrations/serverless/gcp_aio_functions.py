"""An ``async def`` HTTP function on the functions-framework's ASGI app (``aio``)."""

from __future__ import annotations

from typing import Any

import functions_framework.aio

import errorwire
from errorwire.integrations import gcp


@functions_framework.aio.http
@gcp.wrap
async def orders(request: Any) -> Any:
    if request.method == "POST":
        payload = await request.json()
        errorwire.add_breadcrumb("charging the card", category="payments")
        raise ValueError(f"order {payload['order']} could not be charged")
    return {"status": "ok"}
