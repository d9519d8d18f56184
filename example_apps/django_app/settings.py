"""Settings of the example project: the one errorwire line is in MIDDLEWARE."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Dict

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "example only, never in production"
DEBUG = False  # the production error path: Django answers 500 and errorwire reports
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
]
MIDDLEWARE = [
    "errorwire.integrations.django.ErrorwireMiddleware",  # first: it sees everything below
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ERRORWIRE: Dict[str, Any] = {
    # errorwire.init's keyword arguments; the environment fills in what is left out, e.g.
    # "rollbar": errorwire.Rollbar(access_token="..."), "environment": "staging",
}

ROOT_URLCONF = "django_app.urls"
WSGI_APPLICATION = "django_app.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(tempfile.gettempdir()) / "errorwire-example-django.sqlite3",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
USE_TZ = True
