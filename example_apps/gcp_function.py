"""A Google Cloud Function (HTTP) with errorwire.

    functions-framework --target orders --source example_apps/gcp_function.py

An error escaping the function is reported (its request as the report's request),
delivered before the response is sent, and re-raised: the framework answers 500.
"""

from __future__ import annotations

from typing import Any

import functions_framework

from errorwire.integrations import gcp


class InventoryMissing(Exception):
    pass


@functions_framework.http
@gcp.wrap
def orders(request: Any) -> Any:
    order = request.get_json(silent=True) or {}
    if order.get("sku") == "discontinued":
        raise InventoryMissing(f"no stock record for sku {order['sku']}")
    return {"accepted": order.get("sku")}
