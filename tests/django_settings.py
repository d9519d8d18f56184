"""The Django base every Django test of errorwire shares.

Django's settings can be configured once per process: whichever test module
imports first configures them (unless someone else did before); what each test
relies on beyond this base it applies with ``override_settings``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def configure_once(**extra: Any) -> None:
    """Configure Django with a fresh SQLite database, unless settings are configured."""
    import django
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        SECRET_KEY="errorwire-tests",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(Path(tempfile.mkdtemp(prefix="errorwire-django-")) / "db"),
            }
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        USE_TZ=True,
        **extra,
    )
    django.setup()


def errorwire_site(urlconf: str) -> Any:
    """``override_settings`` for a test module's own URLconf (``urlconf``, its module name)
    behind errorwire's middleware: DEBUG off, the test client's host allowed."""
    from django.test import override_settings

    return override_settings(
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=urlconf,
        MIDDLEWARE=["errorwire.integrations.django.ErrorwireMiddleware"],
    )
