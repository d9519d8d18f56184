"""An AWS Lambda handler behind API Gateway, with errorwire.

Deploy with ``lambda_function.handler`` as the handler and ``ROLLBAR_*``, ``RAYGUN_*``
or ``BUGSNAG_*`` in the function's environment. An error escaping the handler is
reported (the API Gateway request as its request), delivered before Lambda freezes
the process, and re-raised.
"""

from __future__ import annotations

import json
from typing import Any, Dict

from errorwire.integrations import aws_lambda


class OrderDeclined(Exception):
    pass


@aws_lambda.wrap
def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    order = json.loads(event.get("body") or "{}")
    if order.get("card", "").startswith("4000"):
        raise OrderDeclined(f"card declined for order {order.get('id')}")
    return {"statusCode": 201, "body": json.dumps({"id": order.get("id")})}
