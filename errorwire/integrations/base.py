"""What every web integration needs, with no framework in it (werkzeug's sansio is the
model): a request's URL from its ASGI or WSGI parts, plain copies of route arguments.

A framework module reads its framework's objects and hands plain values to these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from errorwire.core.event import DeferredRequest, Request
from errorwire.core.request import BodyCapture, build_request, parse_cookies

if TYPE_CHECKING:
    from errorwire.core.client import Client

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
"""The port a URL leaves out for its scheme."""


def plain(value: Any) -> Any:
    """``value`` if JSON has it as is (text, number, bool, None), else its ``str``: a route
    argument converted to a model, a UUID or a date reaches the worker as text."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def plain_params(params: Mapping[Any, Any]) -> Dict[str, Any]:
    """Route arguments as plain values under text keys."""
    return {str(key): plain(value) for key, value in dict(params).items()}


def host_of(
    host_header: Optional[str], server: Optional[Tuple[str, Optional[int]]], scheme: str
) -> str:
    """The URL's host: the Host header, else the server's address (its port only when it is
    not the scheme's default), else ``localhost``."""
    if host_header:
        return host_header
    if not server:
        return "localhost"
    name, port = server[0], server[1]
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        return f"{name}:{port}"
    return str(name)


def build_url(scheme: str, host: str, root_path: str, path: str, query: str) -> str:
    """``scheme://host/root/path?query``; a path that already starts with the root (ASGI
    servers before the spec said so) keeps it once."""
    if root_path and not path.startswith(root_path):
        path = root_path + path
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def asgi_url(
    scope: Mapping[str, Any], host_header: Optional[str], root_path: str, path: str, query: str
) -> str:
    """The URL of an ASGI request (``root_path`` and ``path`` as it came in)."""
    scheme = scope.get("scheme") or ("ws" if scope.get("type") == "websocket" else "http")
    return build_url(
        scheme, host_of(host_header, scope.get("server"), scheme), root_path, path, query
    )


def header_map(raw: Iterable[Tuple[bytes, bytes]]) -> Dict[str, str]:
    """ASGI header pairs -> lower-cased names; repeated headers joined as HTTP allows."""
    headers: Dict[str, List[str]] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        headers.setdefault(key, []).append(value.decode("latin-1"))
    return {k: ("; " if k == "cookie" else ", ").join(v) for k, v in headers.items()}


def asgi_request(
    raw_headers: List[Tuple[bytes, bytes]],
    url_scope: Dict[str, Any],
    origin: Tuple[str, str],
    capture: Optional[BodyCapture],
    fields: Dict[str, Any],
) -> Request:
    """The request block of an ASGI request, on the worker, from what the request thread
    copied: its raw headers, the scope's URL parts, the path as it came in, errorwire's
    copy of the body and the named fields (method, query, peer, route...)."""
    headers = header_map(raw_headers)
    root_path, path = origin
    body = capture.request_fields() if capture is not None else {}
    return build_request(
        url=asgi_url(url_scope, headers.get("host"), root_path, path, fields["query_string"]),
        headers=headers,
        cookies=parse_cookies(headers.get("cookie")),
        **body,
        **fields,
    )


def query_text(raw: Any) -> str:
    """An ASGI ``query_string`` (bytes) as text."""
    if isinstance(raw, bytes):
        return raw.decode("latin-1")
    return "" if raw is None else str(raw)


def defer_request(
    fields: Dict[str, Any],
    client: Optional[Client],
    body_fields: Callable[[int], Dict[str, Any]],
) -> DeferredRequest:
    """The request block, built on the worker from ``fields`` (plain values the request
    thread copied), with what ``body_fields(limit)`` copies of the body when the client
    sends bodies, and the client's trusted IP headers."""
    if client is None or client.options.send_request_bodies:
        fields.update(body_fields(client.options.max_request_body if client is not None else 0))
    if client is not None:
        fields["ip_headers"] = client.options.client_ip_headers
    return DeferredRequest(lambda: request_from_fields(fields))


def request_from_fields(fields: Dict[str, Any]) -> Request:
    """The request block of ``fields``, its cookies parsed from the Cookie header."""
    headers: Dict[str, str] = fields["headers"]
    return build_request(cookies=parse_cookies(headers.get("cookie")), **fields)
