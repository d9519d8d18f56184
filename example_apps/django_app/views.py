"""One view per way a request can fail, plus one that works."""

from __future__ import annotations

import contextvars
import json
import threading
from typing import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

import errorwire


class PaymentDeclined(Exception):
    pass


class Invoice:
    number = "A-1"
    total = 12
    count = 0

    def per_item(self) -> float:
        return self.total / self.count  # ZeroDivisionError while the template renders


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("all good")


def view_error(request: HttpRequest) -> HttpResponse:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc
    return HttpResponse("paid")


def nested(request: HttpRequest) -> HttpResponse:
    return HttpResponse(charge("4242"))


def template(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "invoice.html", {"invoice": Invoice()})


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def rows() -> Iterator[bytes]:
        yield b"id,amount\n1,10\n"
        raise PaymentDeclined("the export stopped after one row")

    return StreamingHttpResponse(rows(), content_type="text/csv")


def email_receipt(order: str) -> None:
    """Work outside the request: Django has no hook there, so report it by hand."""
    try:
        raise ConnectionError(f"mail server refused the receipt of {order}")
    except ConnectionError:
        errorwire.capture_exception()


def background(request: HttpRequest) -> HttpResponse:
    # Run it in a copy of the request's context: its report then carries the request.
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(email_receipt, "A-1")).start()
    return HttpResponse("order placed")


def item(request: HttpRequest, item_id: int) -> HttpResponse:
    who = request.headers.get("x-user")  # a real app has request.user from its session
    if who:
        errorwire.set_person(id=who, username=who)
    raise LookupError(f"item {item_id} is out of stock")


@csrf_exempt
@sensitive_post_parameters("coupon")
def checkout(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body)
    return HttpResponse(str(sum(body["cart"]) + body["coupon"]))  # TypeError: int + str
