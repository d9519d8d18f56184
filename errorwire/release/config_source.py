"""The configuration a command works with, read the way the app reads it: the
environment, Django's ``settings.ERRORWIRE``, a Flask app's ``config["ERRORWIRE"]``
(its factory called as the app's server would), or a ``module:callable`` of the user's."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, Mapping, Optional

from errorwire.core.config import ConfigError, Options


def _load_object(spec: str, what: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    if not module_name:
        raise ConfigError(f"{what} must be module:name, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as ``flask --app`` and ``gunicorn`` find the app
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{what}: cannot import {module_name!r} ({exc})") from None
    if not attribute:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"{what}: {module_name!r} has no {attribute!r}") from None


def _from_result(result: Any, what: str) -> Options:
    """Options from what the user's code gave: Options, init()'s keyword arguments, or
    nothing when it called ``errorwire.init`` itself."""
    if isinstance(result, Options):
        return result
    if isinstance(result, Mapping):
        return Options.from_kwargs(result)
    from errorwire.api import get_client

    client = get_client()
    if client is not None:
        return client.options
    raise ConfigError(
        f"{what} returned {type(result).__name__}, and errorwire.init() was not called: "
        "return errorwire.init()'s keyword arguments (a dict) or an errorwire.Options"
    )


def _flask_options(spec: str) -> Options:
    target = _load_object(spec if ":" in spec else f"{spec}:create_app", "--flask-app")
    app = target
    if callable(target) and not hasattr(target, "config"):
        app = target()  # a factory, called as ``flask --app`` would
    config = getattr(app, "config", None)
    options = config.get("ERRORWIRE") if isinstance(config, Mapping) else None
    if options:
        return Options.from_kwargs(options)
    return _from_result(None, "--flask-app") if _has_client() else Options()


def _django_options(settings_module: str) -> Options:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        import django
        from django.conf import settings

        django.setup()
        options = getattr(settings, "ERRORWIRE", None)
    except ImportError as exc:
        raise ConfigError(f"--django-settings: cannot load {settings_module!r} ({exc})") from None
    if options:
        return Options.from_kwargs(options)
    return _from_result(None, "--django-settings") if _has_client() else Options()


def _has_client() -> bool:
    from errorwire.api import get_client

    return get_client() is not None


def load_options(
    config: Optional[str] = None,
    django_settings: Optional[str] = None,
    flask_app: Optional[str] = None,
) -> Options:
    """The app's Options; from the environment alone when no source is named."""
    if config:
        target = _load_object(config, "--config")
        return _from_result(target() if callable(target) else target, "--config")
    if django_settings:
        return _django_options(django_settings)
    if flask_app:
        return _flask_options(flask_app)
    return Options()
