"""Middleware that fails, or turns a view's error into a page of its own."""

from __future__ import annotations

from typing import Callable, Optional

from django.http import HttpRequest, HttpResponse


class MiddlewareFailed(Exception):
    pass


class FailingMiddleware:
    """Raises on requests that ask for it (``X-Fail-In-Middleware``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.headers.get("X-Fail-In-Middleware"):
            raise MiddlewareFailed(f"middleware failed on {request.path}")
        return self.get_response(request)


class ErrorPageMiddleware:
    """Renders ``PageableError`` itself: 503 for ``status=503``, else 409 (no signal sent)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> Optional[HttpResponse]:
        if type(exception).__name__ != "PageableError":
            return None
        status = int(request.GET.get("status", "409"))
        return HttpResponse(f"our own error page ({exception})", status=status)
