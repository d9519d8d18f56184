"""Django: its 4xx exceptions reach the middleware and are ignored; its own error log is no
second report; breadcrumbs come from the request's log records."""

from __future__ import annotations

import logging
from typing import Any, Callable

import pytest

from tests.django_settings import configure_once
from tests.features.feature_payloads import (
    assert_one_report_at_each_vendor,
)
from tests.receiver import Receiver

django = pytest.importorskip("django")

configure_once()  # the same base as tests/integrations/django

from django.core.exceptions import PermissionDenied, SuspiciousOperation  # noqa: E402
from django.http import Http404, HttpRequest, HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402

log = logging.getLogger("shop")


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such order")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("bad host header")


def crash(request: HttpRequest) -> HttpResponse:
    log.info("charging card of order %s", request.GET.get("order"))
    raise ValueError("card processor down")


urlpatterns = [
    path("missing", missing),
    path("forbidden", forbidden),
    path("suspicious", suspicious),
    path("crash", crash),
]


def test_django_4xx_exceptions_send_nothing_and_a_crash_is_reported_once(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger, site: Client
) -> None:
    client = start()
    assert site.get("/missing").status_code == 404
    assert site.get("/forbidden").status_code == 403
    assert site.get("/suspicious").status_code == 400
    assert site.get("/nowhere").status_code == 404
    # Django logs "Internal Server Error: /crash" with exc_info to django.request,
    # which propagates to the root logger's LoggingHandler: not a second report.
    assert site.get("/crash?order=77").status_code == 500
    crumbs = ["charging card of order 77"]
    assert_one_report_at_each_vendor(receiver, "ValueError: card processor down", crumbs)
    assert client.stats()["client"]["duplicate"] == 1  # the django.request record of the crash
