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
from errorwire.core.request import BodyCopy, body_copy, build_request, parse_cookies
from errorwire.core.text import header


def event_source(event: Any) -> Optional[str]:
    """``aws:api-gateway``, ``aws:api-gateway-v2``, ``aws:lambda-url``, ``aws:elb``,
    ``aws:sqs``, ``aws:s3``, ``aws:sns``, ``aws:eventbridge``...: None when unknown."""
    if not isinstance(event, Mapping):
        return None
    return _http_source(event) or _other_source(event)


def _http_source(event: Mapping[str, Any]) -> Optional[str]:
    context = event.get("requestContext")
    if isinstance(context, Mapping):
        if "elb" in context:
            return "aws:elb"
        if isinstance(context.get("http"), Mapping):
            domain = str(context.get("domainName") or "")
            return "aws:lambda-url" if ".lambda-url." in domain else "aws:api-gateway-v2"
    return "aws:api-gateway" if "httpMethod" in event else None


def _other_source(event: Mapping[str, Any]) -> Optional[str]:
    """The source of a records event (SQS, S3, SNS...) or EventBridge's."""
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
    url = _url(parts, str(context.get("domainName") or ""))
    params = event.get("pathParameters")
    return build_request(
        url=url,
        method=parts["method"],
        query_string=parts["query_string"],
        headers=parts["headers"],
        cookies=parse_cookies(header(parts["headers"], "cookie")),
        body=_body(event, max_body),
        peer=_text_or_none(parts["peer"]),
        route=_text_or_none(parts["route"]),
        route_params=dict(params) if isinstance(params, Mapping) else None,
        ip_headers=ip_headers,
    )


def _url(parts: Mapping[str, Any], domain: str) -> str:
    headers = parts["headers"]
    host = header(headers, "host") or domain
    scheme = header(headers, "x-forwarded-proto") or "https"
    query_string = parts["query_string"]
    return f"{scheme}://{host}{parts['path']}" + (f"?{query_string}" if query_string else "")


def _text_or_none(value: Any) -> Optional[str]:
    return None if value is None else str(value)


def _format_2(event: Mapping[str, Any], http: Mapping[str, Any]) -> Dict[str, Any]:
    """Method, path, query, headers, peer and route of a payload format 2.0 event."""
    route_key = str(event.get("routeKey") or "")
    return {
        "method": str(http.get("method") or ""),
        "path": str(event.get("rawPath") or http.get("path") or "/"),
        "query_string": str(event.get("rawQueryString") or ""),
        "headers": _headers_with_cookies(event),
        "peer": http.get("sourceIp"),
        "route": route_key.split(" ", 1)[-1] if route_key not in ("", "$default") else None,
    }


def _headers_with_cookies(event: Mapping[str, Any]) -> Dict[str, str]:
    """Format 2.0 moves the cookies out of the headers: put them back as one Cookie header."""
    headers = _headers(event.get("headers"), None)
    cookies = event.get("cookies")
    if isinstance(cookies, list) and cookies and header(headers, "cookie") is None:
        headers["cookie"] = "; ".join(str(c) for c in cookies)
    return headers


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
    return body_copy(raw, limit)
