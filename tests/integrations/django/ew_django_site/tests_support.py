"""A middleware that names the person itself (errorwire.set_person wins over request.user)."""

from __future__ import annotations

from typing import Callable

from django.http import HttpRequest, HttpResponse

import errorwire


class SetPersonMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errorwire.set_person(id="set-by-app", username="explicit")
        return self.get_response(request)
