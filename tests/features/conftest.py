from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

import pytest

import errorwire
from errorwire.core import breadcrumbs


@pytest.fixture
def app_logging() -> Iterator[logging.Logger]:
    """What an app's logging setup does: root at INFO with errorwire's handler for errors."""
    root = logging.getLogger()
    old_level = root.level
    handler = errorwire.LoggingHandler(level=logging.ERROR)
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    yield logging.getLogger("shop")
    root.removeHandler(handler)
    root.setLevel(old_level)
    breadcrumbs.uninstall()


@pytest.fixture
def start(all_vendors: dict) -> Callable[..., errorwire.core.client.Client]:
    """``errorwire.init`` against the receiver with all three vendors, plus ``options``."""

    def init(**options: Any) -> errorwire.core.client.Client:
        return errorwire.init(**{**all_vendors, **options})

    return init


@pytest.fixture
def site(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Django test client for the test module's own ``urlpatterns`` behind errorwire's
    middleware (the module configures Django: ``tests.django_settings``)."""
    from django.test import Client

    from tests.django_settings import errorwire_site

    with errorwire_site(request.module.__name__):
        yield Client(raise_request_exception=False)
