"""errorwire: report unhandled exceptions of web apps to Rollbar, Raygun and Bugsnag."""

from errorwire import testing
from errorwire.__about__ import __version__
from errorwire.api import (
    add_breadcrumb,
    capture_exception,
    capture_message,
    flush,
    get_client,
    init,
    set_person,
    stats,
)
from errorwire.core.config import Bugsnag, ConfigError, Options, Raygun, Rollbar
from errorwire.core.event import Event
from errorwire.core.monitor import monitor
from errorwire.core.scoping import add_metadata, scope, set_context, set_tag, set_tags
from errorwire.integrations.logging import LoggingHandler
from errorwire.release.deploy import notify_deploy

__all__ = [
    "Bugsnag",
    "ConfigError",
    "Event",
    "LoggingHandler",
    "Options",
    "Raygun",
    "Rollbar",
    "__version__",
    "add_breadcrumb",
    "add_metadata",
    "capture_exception",
    "capture_message",
    "flush",
    "get_client",
    "init",
    "monitor",
    "notify_deploy",
    "scope",
    "set_context",
    "set_person",
    "set_tag",
    "set_tags",
    "stats",
    "testing",
]
