"""Django for errorwire's tests.

Django's settings can be configured once per process. They are configured here
(``tests/django_settings.py``), at import, only if nobody did before; every test
then applies what it relies on with ``override_settings`` (autouse fixture), so
the suite also runs inside a process whose settings someone else configured.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from tests.django_settings import configure_once

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

try:
    import django
except ImportError:  # the tests skip themselves (pytest.importorskip)
    django = None

ERRORWIRE_MIDDLEWARE = "errorwire.integrations.django.ErrorwireMiddleware"
SITE_MIDDLEWARE = [
    ERRORWIRE_MIDDLEWARE,
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ew_django_site.middleware.ErrorPageMiddleware",
    "ew_django_site.middleware.FailingMiddleware",
]
SITE_SETTINGS: Dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["testserver", "127.0.0.1", "localhost"],
    "ROOT_URLCONF": "ew_django_site.urls",
    "MIDDLEWARE": SITE_MIDDLEWARE,
    "TEMPLATES": [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(_HERE / "ew_django_site" / "templates")],
        }
    ],
}

if django is not None:
    configure_once(**SITE_SETTINGS)


@pytest.fixture(autouse=True)
def _site_settings() -> Iterator[None]:
    if django is None:
        yield
        return
    from django.test import override_settings

    with override_settings(**SITE_SETTINGS):
        yield


@pytest.fixture(scope="session")
def django_db() -> None:
    """The auth and session tables, created once per test session."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
