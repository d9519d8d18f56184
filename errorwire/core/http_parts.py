"""A request's URL and headers from its ASGI or WSGI parts, with no framework in it
(werkzeug's sansio is the model): called on the worker, from what the request thread
copied (``core.request_copy``), and by integrations that build a request block at once.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional, Tuple
from urllib.parse import quote

from errorwire.core.request import joined_headers

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
"""The port a URL leaves out for its scheme."""

_PATH_SAFE = "/;=,:@!$&'()*+~"
_UNPREFIXED_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


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


def asgi_scheme(scope: Mapping[str, Any]) -> str:
    """An ASGI scope's scheme, which a server may leave out."""
    return scope.get("scheme") or ("ws" if scope.get("type") == "websocket" else "http")


def asgi_url(
    scope: Mapping[str, Any], host_header: Optional[str], root_path: str, path: str, query: str
) -> str:
    """The URL of an ASGI request (``root_path`` and ``path`` as it came in)."""
    scheme = asgi_scheme(scope)
    return build_url(
        scheme, host_of(host_header, scope.get("server"), scheme), root_path, path, query
    )


def header_map(raw: Iterable[Tuple[bytes, bytes]]) -> Dict[str, str]:
    """ASGI header pairs -> lower-cased names; repeated headers joined as HTTP allows."""
    return joined_headers((name.decode("latin-1"), value.decode("latin-1")) for name, value in raw)


def wsgi_str(value: str) -> str:
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
            headers[name] = wsgi_str(value)
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
