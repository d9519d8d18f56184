from __future__ import annotations

import asyncio
import json
import time
from typing import AsyncIterator, Iterator, List

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from tests.concurrent_checkouts import tag_request_number
from tests.integrations.app_errors import OutOfStock as OutOfStock  # the tests catch it here
from tests.integrations.app_errors import reserve_item

raised: List[BaseException] = []


class PageableError(Exception):
    pass


class Exploder:
    def explode(self) -> str:
        raise LookupError("template helper failed")


def ok(request: HttpRequest) -> HttpResponse:
    return render(request, "ew_ok.html", {"title": "fine"})


def item(request: HttpRequest, item_id: int) -> HttpResponse:
    reserve_item(item_id, raised)
    return HttpResponse("unreachable")


def template(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "ew_boom.html", {"title": "lazy", "thing": Exploder()})


def template_in_view(request: HttpRequest) -> HttpResponse:
    return render(request, "ew_boom.html", {"title": "eager", "thing": Exploder()})


def template_syntax(request: HttpRequest) -> HttpResponse:
    return render(request, "ew_syntax.html", {"title": "broken"})


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def body() -> Iterator[bytes]:
        yield b"part one\n"
        error = RuntimeError("stream broke")
        raised.append(error)
        raise error

    return StreamingHttpResponse(body(), content_type="text/plain")


def form(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"bad order for {request.POST['item']}")


def json_body(request: HttpRequest) -> HttpResponse:
    payload = json.loads(request.body)
    raise ValueError(f"bad json with {sorted(payload)}")


def upload(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"cannot store {[f.name for f in request.FILES.values()]}")


def unread(request: HttpRequest) -> HttpResponse:
    raise ValueError("body never read")


@sensitive_variables("card")
@sensitive_post_parameters("password", "card")
def sensitive(request: HttpRequest) -> HttpResponse:
    card = request.POST["card"]
    raise ValueError(f"login failed for {request.POST['user']} ({len(card)})")


@sensitive_post_parameters()
def sensitive_all(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"rejected {sorted(request.POST)}")


def unavailable(request: HttpRequest) -> HttpResponse:
    return HttpResponse("down for maintenance", status=503)


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such item")


def denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not yours")


def bad(request: HttpRequest) -> HttpResponse:
    raise BadRequest("malformed")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered")


def me(request: HttpRequest) -> HttpResponse:
    tag_request_number(request.GET.get("n"))
    time.sleep(0.005)  # let the other requests interleave
    raise RuntimeError(f"failure of {request.user.get_username()} at {request.GET.get('n')}")


def pageable(request: HttpRequest) -> HttpResponse:
    raise PageableError("rendered by a middleware")


async def async_item(request: HttpRequest, item_id: int) -> HttpResponse:
    reserve_item(item_id, raised)
    return HttpResponse("unreachable")


async def async_me(request: HttpRequest) -> HttpResponse:
    """Sets its request's tag, context and metadata, lets the other requests run, fails."""
    number = request.GET.get("n")
    tag_request_number(number)
    await asyncio.sleep(0.01)
    raise RuntimeError(f"async failure at {number}")


async def async_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def body() -> AsyncIterator[bytes]:
        yield b"async part one\n"
        error = RuntimeError("async stream broke")
        raised.append(error)
        raise error

    return StreamingHttpResponse(body(), content_type="text/plain")


def legacy(request: HttpRequest, slug: str) -> HttpResponse:
    raise KeyError(slug)
