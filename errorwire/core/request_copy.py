"""A request's named fields, copied on the request thread, and the request block the
worker builds from them.

Parsing headers, URL, query, cookies and body on the request thread would cost the
failing request tens of µs, so it only copies the parts: plain values (and errorwire's
own body copy), never a framework object or a closure over one. The worker turns them
into a ``core.event.Request`` with ``request_of``, one function for every framework.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from errorwire.core.event import Request, UploadedFile
from errorwire.core.http_parts import (
    build_url,
    environ_headers,
    environ_url,
    header_map,
    host_of,
    wsgi_str,
)
from errorwire.core.request import (
    DEFAULT_IP_HEADERS,
    BodyCapture,
    BodyCopy,
    build_request,
    parse_cookies,
)
from errorwire.core.scrub_rules import FILTERED

ALL_FIELDS = "__ALL__"
"""``sensitive_fields`` that filters every form field (Django's spelling)."""


class AsgiOrigin(NamedTuple):
    """The URL parts of an ASGI request, as it came in (before routing moved them)."""

    scheme: str
    server: Optional[Tuple[str, Optional[int]]]
    root_path: str
    path: str


class RequestCopy(NamedTuple):
    """What the request thread copied of a request; ``request_of`` builds the block.
    Immutable (a named tuple: a frozen dataclass took 4 times the instructions to make).

    Headers and URL come from the first of: ``headers`` and ``url`` as the framework gave
    them, the CGI entries of a WSGI ``environ``, ASGI ``raw_headers`` and ``origin``. The
    body fields (``body``, ``form``, ``files``: None when the framework did not give them)
    win over what errorwire's own ``capture`` of the body kept.
    """

    method: str = "GET"
    url: str = ""
    headers: Optional[Mapping[str, str]] = None
    raw_headers: Sequence[Tuple[bytes, bytes]] = ()
    origin: Optional[AsgiOrigin] = None
    environ: Optional[Mapping[str, str]] = None
    """A WSGI environ's plain entries (``plain_environ``): headers, URL, method, query and
    peer are read from it."""
    query_string: str = ""
    peer: Optional[str] = None
    capture: Optional[BodyCapture] = None
    body: Optional[BodyCopy] = None
    form: Optional[Mapping[str, Any]] = None
    files: Optional[Sequence[UploadedFile]] = None
    route: Optional[str] = None
    route_params: Optional[Mapping[str, Any]] = None
    ip_headers: Sequence[str] = DEFAULT_IP_HEADERS
    sensitive_fields: Union[str, Sequence[str], None] = None
    """Form fields (and JSON body keys) shown as ``[Filtered]``, ``ALL_FIELDS`` for all;
    when set the raw body is left out (Django's ``@sensitive_post_parameters``)."""


def plain_environ(environ: Mapping[str, Any]) -> Dict[str, str]:
    """The text entries of a WSGI environ: the CGI variables and headers (PEP 3333 has
    them ``str``), not ``wsgi.input`` nor what frameworks keep there (their request)."""
    return {key: value for key, value in environ.items() if value.__class__ is str}


def request_of(copy: RequestCopy) -> Request:
    """The request block of ``copy`` (on the worker)."""
    environ = copy.environ
    if environ is not None:
        headers = environ_headers(environ)
        url = copy.url or environ_url(environ)
        method = str(environ.get("REQUEST_METHOD") or "GET")
        query = wsgi_str(str(environ.get("QUERY_STRING") or ""))
        peer = environ.get("REMOTE_ADDR") or None
        cookie = headers.get("Cookie")
    else:
        headers = dict(copy.headers) if copy.headers is not None else header_map(copy.raw_headers)
        url, method, query, peer = copy.url, copy.method, copy.query_string, copy.peer
        origin = copy.origin
        if not url and origin is not None:
            host = host_of(headers.get("host"), origin.server, origin.scheme)
            url = build_url(origin.scheme, host, origin.root_path, origin.path, query)
        cookie = headers.get("cookie")
    body: Dict[str, Any] = copy.capture.request_fields() if copy.capture is not None else {}
    for name in ("body", "form", "files"):
        given = getattr(copy, name)
        if given is not None:
            body[name] = given
    request = build_request(
        url=url,
        method=method,
        headers=headers,
        query_string=query,
        cookies=parse_cookies(cookie),
        peer=peer,
        route=copy.route,
        route_params=copy.route_params,
        ip_headers=copy.ip_headers,
        **body,
    )
    if copy.sensitive_fields:
        filter_sensitive(request, copy.sensitive_fields)
    return request


def filter_sensitive(request: Request, sensitive: Union[str, Sequence[str]]) -> None:
    """Those form values (all for ``ALL_FIELDS``) are filtered, likewise in a JSON object
    body, and the raw body is left out."""
    names = None if sensitive == ALL_FIELDS else set(sensitive)
    request.form = {
        k: FILTERED if names is None or k in names else v for k, v in request.form.items()
    }
    if isinstance(request.json, dict):
        request.json = {
            k: FILTERED if names is None or k in names else v for k, v in request.json.items()
        }
    request.body = None
