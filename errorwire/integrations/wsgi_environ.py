"""A WSGI environ -> the core's Request (only called when an error is reported)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence
from urllib.parse import quote

from errorwire.core.event import Request
from errorwire.core.request import DEFAULT_IP_HEADERS, BodyCapture, build_request, parse_cookies
from errorwire.integrations.base import build_url, host_of

_PATH_SAFE = "/;=,:@!$&'()*+~"
_UNPREFIXED_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def _wsgi_str(value: str) -> str:
    """PEP 3333 keeps bytes as latin-1 str; give people the UTF-8 text they sent."""
    try:
        return value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return value


def environ_headers(environ: Mapping[str, Any]) -> Dict[str, str]:
    headers: Dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key in _UNPREFIXED_HEADERS:
            name = _UNPREFIXED_HEADERS[key]
        else:
            continue
        if isinstance(value, str) and value != "":
            headers[name] = _wsgi_str(value)
    return headers


def environ_url(environ: Mapping[str, Any]) -> str:
    """The full URL as PEP 3333 reconstructs it (path percent-encoded, query raw)."""
    scheme = str(environ.get("wsgi.url_scheme") or "http")
    port = str(environ.get("SERVER_PORT") or "")
    server = (str(environ.get("SERVER_NAME") or "localhost"), int(port) if port.isdigit() else None)
    host = host_of(environ.get("HTTP_HOST"), server, scheme)
    path = str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or "")
    if not path.startswith("/"):  # a server that leaves it out: still a well-formed URL
        path = "/" + path
    quoted = quote(path, safe=_PATH_SAFE, encoding="latin-1")
    return build_url(scheme, host, "", quoted, str(environ.get("QUERY_STRING") or ""))


def request_from_environ(
    environ: Mapping[str, Any],
    capture: Optional[BodyCapture],
    ip_headers: Sequence[str] = DEFAULT_IP_HEADERS,
    url: Optional[str] = None,
    **framework_fields: Any,
) -> Request:
    """``framework_fields`` (body, form, files, route, route_params) come from a
    framework that already parsed them and win over what the body capture kept."""
    headers = environ_headers(environ)
    fields = {**(capture.request_fields() if capture is not None else {}), **framework_fields}
    return build_request(
        url=url or environ_url(environ),
        method=str(environ.get("REQUEST_METHOD") or "GET"),
        headers=headers,
        query_string=_wsgi_str(str(environ.get("QUERY_STRING") or "")),
        cookies=parse_cookies(headers.get("Cookie")),
        peer=environ.get("REMOTE_ADDR") or None,
        ip_headers=ip_headers,
        **fields,
    )
