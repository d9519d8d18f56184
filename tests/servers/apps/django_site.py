"""Django, as WSGI (waitress) and ASGI (daphne): settings, URLs and views in one module."""

from __future__ import annotations

import os

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from .common import failure, init


def pid(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(os.getpid()), content_type="text/plain")


def fail(request: HttpRequest) -> HttpResponse:
    raise failure(request.GET["token"])


urlpatterns = [path("pid", pid), path("fail", fail)]

settings.configure(
    SECRET_KEY="errorwire-server-tests",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    MIDDLEWARE=["errorwire.integrations.django.ErrorwireMiddleware"],
    INSTALLED_APPS=[],
    DEBUG=False,
)
django.setup()
init()
