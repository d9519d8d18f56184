"""A Falcon request (WSGI or ASGI) -> the core's Request, only when an error is reported;
the person from ``req.context.user``; the copy of the body a WSGI app reads."""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional

from errorwire.core.client import Client
from errorwire.core.context import RequestState
from errorwire.core.event import Person, Request
from errorwire.core.http_parts import environ_headers, header_map
from errorwire.core.request import (
    DEFAULT_IP_HEADERS,
    BodyCapture,
    BodyCopy,
    build_request,
    is_json_type,
    parse_cookies,
)
from errorwire.core.safety import swallow
from errorwire.core.text import header, media_type
from errorwire.integrations.base import plain_params
from errorwire.integrations.people import person_of
from errorwire.integrations.wsgi_input import ENVIRON_KEY, tee_input

FRAMEWORK = "falcon"
PARAMS_KEY = "errorwire.falcon.params"
"""Where the responder's URI template values are kept in the request's own dict."""


def tee_stream(req: Any, env: Dict[str, Any], client: Optional[Client]) -> None:
    """Keep a capped copy of what the app reads, through ``req.stream`` or through
    ``req.bounded_stream`` (which Falcon makes from ``wsgi.input`` when first used), if
    ``client`` sends bodies."""
    if client is None or not client.options.send_request_bodies:
        return
    with swallow("copy request body"):
        if tee_input(env, client.options.max_request_body) is not None:
            req.stream = env["wsgi.input"]


def new_scope(req: Any, store: Dict[str, Any], client: Optional[Client]) -> RequestState:
    scope = RequestState(FRAMEWORK, lambda: _request_block(req, store, client))
    scope.person_loader = lambda: _person(req)
    return scope


def _person(req: Any) -> Optional[Person]:
    context = getattr(req, "context", None)
    try:
        user = getattr(context, "user", None)
        if user is None and isinstance(context, Mapping):
            user = context.get("user")
    except Exception:
        return None
    return person_of(user)


def _request_block(req: Any, store: Dict[str, Any], client: Optional[Client]) -> Request:
    """Built on the request thread when an error is reported: the request object is
    Falcon's, and only lives as long as the request."""
    raw_headers = store.get("headers") if "wsgi.input" not in store else None
    headers = header_map(raw_headers) if raw_headers is not None else environ_headers(store)
    fields = _body_fields(req, store, client)
    params = store.get(PARAMS_KEY)
    template = getattr(req, "uri_template", None)
    return build_request(
        url=str(req.url),
        method=str(req.method),
        headers=headers,
        query_string=str(req.query_string or ""),
        cookies=parse_cookies(header(headers, "cookie")),
        peer=getattr(req, "remote_addr", None),
        route=template if isinstance(template, str) else None,
        route_params=plain_params(params) if params else None,
        ip_headers=client.options.client_ip_headers if client else DEFAULT_IP_HEADERS,
        **fields,
    )


def _body_fields(req: Any, store: Dict[str, Any], client: Optional[Client]) -> Dict[str, Any]:
    """What the WSGI app read (the captured stream), else what the ASGI app parsed."""
    capture = store.get(ENVIRON_KEY)
    if isinstance(capture, BodyCapture):
        return capture.request_fields()
    if client is not None and client.options.send_request_bodies:
        return _parsed_media(req, client.options.max_request_body)
    return {}


def _parsed_media(req: Any, limit: int) -> Dict[str, Any]:
    """What the ASGI app parsed with ``await req.get_media()`` (Falcon caches it on the
    request); never read here. A JSON value is kept as its JSON text, a form as its fields."""
    # Private: get_media() would parse (and for ASGI, await) the body now; only the cache
    # says whether the app parsed it.
    media = getattr(req, "_media", None)
    if limit <= 0 or not isinstance(media, (dict, list, str, int, float, bool)):
        return {}
    content_type = req.content_type
    if media_type(content_type) == "application/x-www-form-urlencoded" and isinstance(media, dict):
        return {"form": media}
    if not is_json_type(content_type):
        return {}
    copy = BodyCopy(limit)
    copy.add(json.dumps(media, separators=(",", ":"), default=str).encode())
    return {"body": copy}
