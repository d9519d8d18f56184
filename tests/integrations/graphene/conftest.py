"""graphene-django under a real WSGI server; Django configured once per process
(tests/django_settings.py), each test applying its settings with ``override_settings``."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

pytest.importorskip("graphene")
pytest.importorskip("django")
pytest.importorskip("httpx")

from tests.django_settings import configure_once

configure_once()  # before graphene_django: it reads the settings at import
pytest.importorskip("graphene_django")


@pytest.fixture(scope="session")
def graphene_db() -> None:
    """The auth and session tables (remote users are created in them), once per session."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@pytest.fixture(autouse=True)
def _graphene_site(graphene_db: None) -> Iterator[None]:
    from django.test import override_settings

    with override_settings(**SITE):
        yield


SITE: Dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
    "ROOT_URLCONF": "tests.integrations.graphene.graphene_apps",
    "AUTHENTICATION_BACKENDS": ["django.contrib.auth.backends.RemoteUserBackend"],
}
