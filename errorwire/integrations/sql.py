"""Breadcrumbs of the app's SQL queries: the statement and its duration, never its
parameters (they hold the data: emails, card numbers...).

Django: on with ``init(sql_breadcrumbs=True)`` (or ``"sql_breadcrumbs": True`` in
``settings.ERRORWIRE``): the middleware puts a wrapper on each database connection
Django opens (``connection.execute_wrappers``, as ``connection.execute_wrapper``
does), so a request that runs no query costs nothing more.

SQLAlchemy: ``errorwire.integrations.sql.watch_engine(engine)`` once per engine (its
``before_cursor_execute`` / ``after_cursor_execute`` events); breadcrumbs are recorded
while ``sql_breadcrumbs`` is on.

Each query becomes a ``process`` breadcrumb, category ``sql``: the statement (cut to
1024 characters, scrubbed like every message) and ``duration_ms``.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

from errorwire.core import context
from errorwire.core.breadcrumbs import make_breadcrumb
from errorwire.core.safety import swallow

__all__ = ["enable", "watch_django", "watch_engine"]

CATEGORY = "sql"
STARTED = "errorwire_query_started"
"""Key of a query's start time in SQLAlchemy's ``context`` object."""

_enabled = False


def enable(on: bool) -> None:
    """Record query breadcrumbs from now on, or stop (``init(sql_breadcrumbs=...)``)."""
    global _enabled
    _enabled = on


def record_query(statement: Any, duration_ms: float, vendor: Optional[str] = None) -> None:
    data = {"duration_ms": round(duration_ms, 3)}
    if vendor:
        data["database"] = vendor  # type: ignore[assignment]
    context.add_breadcrumb(make_breadcrumb(statement, CATEGORY, data, type="process"))


# -- Django -----------------------------------------------------------------------------


def _django_wrapper(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, ctx: Any
) -> Any:
    if not _enabled:
        return execute(sql, params, many, ctx)
    started = time.perf_counter()
    try:
        return execute(sql, params, many, ctx)
    finally:
        with swallow("sql breadcrumb"):
            connection = ctx.get("connection") if isinstance(ctx, dict) else None
            record_query(
                sql, (time.perf_counter() - started) * 1000, getattr(connection, "vendor", None)
            )


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    with swallow("sql watch connection"):
        _wrap(connection)


def _wrap(connection: Any) -> None:
    wrappers = connection.execute_wrappers
    if _django_wrapper not in wrappers:
        wrappers.append(_django_wrapper)


def watch_django() -> None:
    """Wrap every Django database connection, open or opened later (idempotent)."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection_created, dispatch_uid=__name__)
    for connection in connections.all():
        if getattr(connection, "connection", None) is not None:  # already open
            _wrap(connection)


# -- SQLAlchemy -------------------------------------------------------------------------


def _before(conn: Any, cursor: Any, statement: Any, parameters: Any, ctx: Any, many: Any) -> None:
    if _enabled and ctx is not None:
        setattr(ctx, STARTED, time.perf_counter())


def _after(conn: Any, cursor: Any, statement: Any, parameters: Any, ctx: Any, many: Any) -> None:
    started = getattr(ctx, STARTED, None) if _enabled else None
    if started is not None:
        with swallow("sql breadcrumb"):
            vendor = getattr(getattr(conn, "dialect", None), "name", None)
            record_query(statement, (time.perf_counter() - started) * 1000, vendor)


def watch_engine(engine: Any) -> None:
    """Breadcrumbs of ``engine``'s queries (a SQLAlchemy ``Engine``; idempotent)."""
    from sqlalchemy import event

    if not event.contains(engine, "before_cursor_execute", _before):
        event.listen(engine, "before_cursor_execute", _before)
        event.listen(engine, "after_cursor_execute", _after)
