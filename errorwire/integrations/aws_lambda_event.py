"""What an AWS Lambda event says about where it came from, and the HTTP request it
carries when it is one (API Gateway REST and HTTP APIs, function URLs, ALB).

Read only when a report is made: a plain dict in, plain data out, never raises.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Dict, Mapping, Optional, Sequence
from urllib.parse import urlencode

from errorwire.core.event import Request
from errorwire.core.request import BodyCopy, build_request, parse_cookies
from errorwire.core.text import header


def event_source(event: Any) -> Optional[str]:
    """``aws:api-gateway``, ``aws:api-gateway-v2``, ``aws:lambda-url``, ``aws:elb``,
    ``aws:sqs``, ``aws:s3``, ``aws:sns``, ``aws:eventbridge``...: None when unknown."""
    if not isinstance(event, Mapping):
        return None
    context = event.get("requestContext")
    if isinstance(context, Mapping):
        if "elb" in context:
            return "aws:elb"
        if isinstance(context.get("http"), Mapping):
            domain = str(context.get("domainName") or "")
            return "aws:lambda-url" if ".lambda-url." in domain else "aws:api-gateway-v2"
        if "httpMethod" in event:
            return "aws:api-gateway"
    if "httpMethod" in event:
        return "aws:api-gateway"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        source = records[0].get("eventSource") or records[0].get("EventSource")
        return str(source) if source else None
    if event.get("source") == "aws.events" or "detail-type" in event:
        return "aws:eventbridge"
    return None


def http_request(event: Any, *, max_body: int, ip_headers: Sequence[str]) -> Optional[Request]:
    """The request an HTTP event carries (scrubbed later like any request), else None."""
    if not isinstance(event, Mapping):
        return None
    context = event.get("requestContext")
    context = context if isinstance(context, Mapping) else {}
    http = context.get("http")
    if isinstance(http, Mapping):  # payload format 2.0: HTTP APIs, function URLs
        parts = _format_2(event, http)
    elif "httpMethod" in event:  # payload format 1.0: REST APIs, ALB
        parts = _format_1(event, context)
    else:
        return None
    headers = parts["headers"]
    host = header(headers, "host") or str(context.get("domainName") or "")
    scheme = header(headers, "x-forwarded-proto") or "https"
    query_string = parts["query_string"]
    url = f"{scheme}://{host}{parts.pop('path')}" + (f"?{query_string}" if query_string else "")
    params = event.get("pathParameters")
    peer, route = parts.pop("peer"), parts.pop("route")
    return build_request(
        url=url,
        cookies=parse_cookies(header(headers, "cookie")),
        body=_body(event, max_body),
        peer=None if peer is None else str(peer),
        route=None if route is None else str(route),
        route_params=dict(params) if isinstance(params, Mapping) else None,
        ip_headers=ip_headers,
        **parts,
    )


def _format_2(event: Mapping[str, Any], http: Mapping[str, Any]) -> Dict[str, Any]:
    """Method, path, query, headers, peer and route of a payload format 2.0 event."""
    headers = _headers(event.get("headers"), None)
    cookies = event.get("cookies")
    if isinstance(cookies, list) and cookies and header(headers, "cookie") is None:
        headers["cookie"] = "; ".join(str(c) for c in cookies)
    route_key = str(event.get("routeKey") or "")
    return {
        "method": str(http.get("method") or ""),
        "path": str(event.get("rawPath") or http.get("path") or "/"),
        "query_string": str(event.get("rawQueryString") or ""),
        "headers": headers,
        "peer": http.get("sourceIp"),
        "route": route_key.split(" ", 1)[-1] if route_key and route_key != "$default" else None,
    }


def _format_1(event: Mapping[str, Any], context: Mapping[str, Any]) -> Dict[str, Any]:
    """Method, path, query, headers, peer and route of a payload format 1.0 event."""
    identity = context.get("identity")
    return {
        "method": str(event.get("httpMethod") or ""),
        "path": str(event.get("path") or "/"),
        "query_string": _query_string(
            event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
        ),
        "headers": _headers(event.get("headers"), event.get("multiValueHeaders")),
        "peer": identity.get("sourceIp") if isinstance(identity, Mapping) else None,
        "route": event.get("resource"),
    }


def _headers(single: Any, multi: Any) -> Dict[str, str]:
    headers: Dict[str, str] = {}
    if isinstance(multi, Mapping):
        for name, values in multi.items():
            if isinstance(values, list):
                headers[str(name)] = ", ".join(str(v) for v in values)
    if isinstance(single, Mapping):
        for name, value in single.items():
            headers.setdefault(str(name), str(value))
    return headers


def _query_string(multi: Any, single: Any) -> str:
    if isinstance(multi, Mapping):
        pairs = [(str(k), str(v)) for k, vs in multi.items() if isinstance(vs, list) for v in vs]
        return urlencode(pairs)
    if isinstance(single, Mapping):
        return urlencode([(str(k), str(v)) for k, v in single.items()])
    return ""


def _body(event: Mapping[str, Any], limit: int) -> Optional[BodyCopy]:
    body = event.get("body")
    if not isinstance(body, str) or not body or limit <= 0:
        return None
    raw = body.encode("utf-8", "replace")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError):
            return None
    copy = BodyCopy(limit)
    copy.add(raw)
    return copy
