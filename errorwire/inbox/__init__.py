"""A local inbox that speaks the Rollbar, Raygun and Bugsnag ingestion APIs.

    python -m errorwire.inbox [--host 127.0.0.1] [--port 8484] [--db PATH]

In tests and scripts::

    from errorwire.inbox import start_inbox
    with start_inbox() as inbox:          # free port, scratch database
        errorwire.init(raygun=errorwire.Raygun(api_key="k", endpoint=inbox.endpoints()["raygun"]))

Needs the optional extra: ``pip install "errorwire[inbox]"``.
"""

from __future__ import annotations

try:
    import jsonschema  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
    import yaml  # noqa: F401
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"errorwire.inbox needs {missing.name!r}: pip install 'errorwire[inbox]'"
    ) from missing

from errorwire.inbox.app import PATHS, create_app
from errorwire.inbox.server import DEFAULT_DB, RunningInbox, serve, serve_in_thread, start_inbox
from errorwire.inbox.store import Store

__all__ = [
    "DEFAULT_DB",
    "PATHS",
    "RunningInbox",
    "Store",
    "create_app",
    "serve",
    "serve_in_thread",
    "start_inbox",
]
