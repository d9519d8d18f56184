"""The HTTP request behind a GraphQL operation, for a GraphQL integration used
without errorwire's web integration (which would have marked the request itself).

GraphQL servers hand resolvers a context holding the request the web framework
made: Strawberry's ``{"request": ...}`` or ``context.request``, graphene-django's
request itself. Read from it, and only when an error is reported: a Django
``HttpRequest`` (as the Django integration reads it), an ASGI request with a
``scope`` (Starlette's, under Strawberry's ASGI app and FastAPI router), a WSGI
environ or a request object holding one (Flask, WebOb). Bodies are what the
framework already read; nothing here reads one.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from errorwire.core.client import Client
from errorwire.core.context import RequestState
from errorwire.core.event import Person, UploadedFile
from errorwire.core.http_parts import header_map
from errorwire.core.request import DEFAULT_IP_HEADERS, BodyCapture
from errorwire.core.request_copy import RequestCopy
from errorwire.integrations.asgi import scope_person
from errorwire.integrations.wsgi import copy_from_environ

Builder = Callable[[], Optional[RequestCopy]]
PersonLoader = Callable[[], Optional[Person]]

STATE_ATTRIBUTE = "_errorwire_graphql_scope"
STATE_KEY = "errorwire.graphql_scope"


def new_scope(request: Any, framework: str, client: Optional[Client]) -> RequestState:
    """A RequestState for ``request`` (a GraphQL context's web request; None: no request block),
    its request block read with ``client``'s options."""
    builder, person = readers(request, client)
    scope = RequestState(framework, builder)
    scope.person_loader = person
    return scope


def scope_kept_in(request: Any, framework: str, client: Optional[Client]) -> RequestState:
    """The RequestState kept on the web ``request`` (made on first use): one per request, whichever
    resolver of it asks. Kept on the request, never on the GraphQL context, which an app
    may share between requests. A request that can keep nothing gets a RequestState per call."""
    if isinstance(request, dict):  # a WSGI environ
        found = request.get(STATE_KEY)
        if found is None:
            found = request.setdefault(STATE_KEY, new_scope(request, framework, client))
        return found  # type: ignore[no-any-return]
    attributes = getattr(request, "__dict__", None)
    if not isinstance(attributes, dict):
        return new_scope(request, framework, client)
    found = attributes.get(STATE_ATTRIBUTE)
    if found is None:
        found = attributes.setdefault(STATE_ATTRIBUTE, new_scope(request, framework, client))
    return found  # type: ignore[no-any-return]


def request_in(context: Any) -> Any:
    """The web request of a GraphQL context: itself, its ``request`` key or attribute."""
    if context is None or _is_request(context):
        return context
    if isinstance(context, Mapping):
        return context.get("request")
    try:
        return getattr(context, "request", None)
    except Exception:  # a context whose properties raise outside a request
        return None


def _is_request(obj: Any) -> bool:
    if isinstance(obj, Mapping):
        return "wsgi.input" in obj or "REQUEST_METHOD" in obj
    return _is_django(obj)


def readers(
    request: Any, client: Optional[Client]
) -> Tuple[Optional[Builder], Optional[PersonLoader]]:
    """How to read the request block and the person of ``request`` when a report needs them."""
    if request is None:
        return None, None
    if _is_django(request):
        from errorwire.integrations import django_request

        return (lambda: django_request.build_request(request)), (
            lambda: django_request.load_person(request)
        )
    scope = getattr(request, "scope", None)
    if isinstance(scope, Mapping) and scope.get("type") in ("http", "websocket"):
        return (lambda: asgi_request(request, scope, client)), (lambda: scope_person(scope))
    environ = request if isinstance(request, Mapping) else getattr(request, "environ", None)
    if isinstance(environ, Mapping) and "REQUEST_METHOD" in environ:
        return (lambda: copy_from_environ(environ)), None
    return None, None


def _is_django(obj: Any) -> bool:
    django_http = sys.modules.get("django.http")
    return django_http is not None and isinstance(obj, django_http.HttpRequest)


def asgi_request(request: Any, scope: Mapping[str, Any], client: Optional[Client]) -> RequestCopy:
    """An ASGI request (Starlette's): the scope's URL, headers and peer, and the body or
    form Starlette already read (``Request.body()`` / ``.form()`` keep them), with
    ``client``'s body and IP header options."""
    options = client.options if client is not None else None
    url = str(request.url)
    method = str(scope.get("method") or "GET")
    headers = header_map(scope.get("headers") or ())
    raw_query = scope.get("query_string") or b""
    query = raw_query.decode("latin-1") if isinstance(raw_query, bytes) else str(raw_query)
    peer = scope.get("client")
    ip_headers = options.client_ip_headers if options else DEFAULT_IP_HEADERS
    fields: Dict[str, Any] = {}
    if options is None or options.send_request_bodies:
        fields = _body_fields(request, headers, options.max_request_body if options else 0)
    return RequestCopy(
        url=url,
        method=method,
        headers=headers,
        query_string=query,
        peer=str(peer[0]) if peer else None,
        ip_headers=ip_headers,
        **fields,
    )


def _body_fields(request: Any, headers: Dict[str, str], limit: int) -> Dict[str, Any]:
    read = getattr(request, "__dict__", {})
    form = read.get("_form")
    if form is not None and hasattr(form, "multi_items"):
        values: Dict[str, Any] = {}
        files: List[UploadedFile] = []
        for name, value in form.multi_items():
            if isinstance(value, str):
                values[name] = value
            else:  # an UploadFile: its name, size and type, never its contents
                files.append(
                    UploadedFile(
                        field=name,
                        filename=getattr(value, "filename", None),
                        size=getattr(value, "size", None),
                        content_type=getattr(value, "content_type", None),
                    )
                )
        return {"form": values, "files": files}
    body = read.get("_body")
    if isinstance(body, bytes) and body and limit > 0:
        capture = BodyCapture(headers.get("content-type"), limit)
        capture.add(body)
        return capture.request_fields()
    return {}
