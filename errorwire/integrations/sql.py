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
from time import perf_counter
from typing import Any, Callable, Dict, Optional

from errorwire.core import context
from errorwire.core.breadcrumbs import MAX_MESSAGE_CHARS
from errorwire.core.context import current_scope
from errorwire.core.event import Breadcrumb
from errorwire.core.safety import swallow, swallowed_error

__all__ = ["watch_django", "watch_engine"]

CATEGORY = "sql"
STARTED = "errorwire_query_started"
"""Key of a query's start time in SQLAlchemy's ``context`` object."""


def _recording() -> bool:
    """``sql_breadcrumbs`` of the client configured now (read per query: a later
    ``init()`` turns them on or off for connections and engines watched before)."""
    options = context.configured()
    return options is not None and options.sql_breadcrumbs


def record_query(statement: Any, seconds: float, vendor: Optional[str] = None) -> None:
    """The query's breadcrumb, made field by field: it runs once per query (a Django
    query costs ~18,000 instructions; ``make_breadcrumb`` and ``round`` doubled it)."""
    text = statement if type(statement) is str else str(statement)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "\u2026"
    # int() then /: milliseconds to 3 decimals; round(x, 3) converts through a decimal string
    data: Dict[str, Any] = {"duration_ms": int(seconds * 1_000_000) / 1000}
    if vendor:
        data["database"] = vendor
    current_scope().breadcrumbs.append(
        Breadcrumb(text, CATEGORY, "info", "process", data, time.time())
    )


# -- Django -----------------------------------------------------------------------------


def _django_wrapper(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, ctx: Any
) -> Any:
    if not _recording():
        return execute(sql, params, many, ctx)
    started = perf_counter()
    try:
        return execute(sql, params, many, ctx)
    finally:
        try:  # not ``with swallow``: a context manager per query costs more than the rest
            record_query(sql, perf_counter() - started, ctx["connection"].vendor)
        except Exception as error:
            swallowed_error("sql breadcrumb", error)


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
    if ctx is not None and _recording():
        setattr(ctx, STARTED, perf_counter())


def _after(conn: Any, cursor: Any, statement: Any, parameters: Any, ctx: Any, many: Any) -> None:
    started = getattr(ctx, STARTED, None) if _recording() else None
    if started is not None:
        with swallow("sql breadcrumb"):
            vendor = getattr(getattr(conn, "dialect", None), "name", None)
            record_query(statement, perf_counter() - started, vendor)


def watch_engine(engine: Any) -> None:
    """Breadcrumbs of ``engine``'s queries (a SQLAlchemy ``Engine``; idempotent)."""
    from sqlalchemy import event

    if not event.contains(engine, "before_cursor_execute", _before):
        event.listen(engine, "before_cursor_execute", _before)
        event.listen(engine, "after_cursor_execute", _after)
