"""The module-level API (``errorwire.init``, ``capture_exception``...) over one Client."""

from __future__ import annotations

import atexit
import threading
from typing import Any, Dict, Mapping, Optional

from errorwire.core import breadcrumbs, context, exit_signal, safety
from errorwire.core.client import Client
from errorwire.core.config import ConfigError, Options
from errorwire.core.counters import Counters
from errorwire.core.event import Person
from errorwire.core.outcomes import DropReason
from errorwire.core.scoping import About
from errorwire.integrations import excepthooks, sql

_lock = threading.Lock()
_first_client = threading.Lock()
"""Held from the check for a client to the init() that makes it: concurrent first
reports make one client (each making its own would close the queue of the last)."""
_client: Optional[Client] = None
_unconfigured = Counters()
"""Reports lost because no client could be made from the environment (stats() has them)."""


def init(**options: Any) -> Client:
    """Configure errorwire (see README.md for every option). Raises ConfigError."""
    global _client
    new = Client(Options.from_kwargs(options))
    context.configure(max_breadcrumbs=new.options.max_breadcrumbs)
    sql.enable(new.options.sql_breadcrumbs)
    if new.options.log_breadcrumbs:
        breadcrumbs.install()
    else:
        breadcrumbs.uninstall()
    with _lock:
        old, _client = _client, new
        for name, count in _unconfigured.take().items():  # lost before there was a client
            new.counters.count(name, count)
    excepthooks.configure(new.options.excepthooks)
    if old is not None:
        old.close(timeout=0.5)
    exit_signal.install(_flush_then_close, new.options.shutdown_timeout)
    return new


def get_client() -> Optional[Client]:
    return _client


def ensure_client(**defaults: Any) -> Client:
    """The configured client; ``init(**defaults)`` (plus the environment) if there is none."""
    client = _client
    if client is not None:
        return client
    with _first_client:
        client = _client
        if client is not None:
            return client
        return init(**defaults)


def implicit_client() -> Optional[Client]:
    """The client for a report: ``ensure_client()``, or None when configuring from the
    environment fails. Only an explicit ``init()`` raises ConfigError; at report time
    the failure is logged once and each report lost to it counted as dropped_config."""
    client = _client
    if client is not None:
        return client
    try:
        return ensure_client()
    except ConfigError as error:
        _unconfigured.drop(DropReason.CONFIG, str(error))
        return None


def capture_exception(
    exc: Optional[BaseException] = None,
    *,
    level: Optional[str] = None,
    extra: Optional[Mapping[str, Any]] = None,
    fingerprint: Optional[str] = None,
    grouping_key: Optional[str] = None,
    tags: Optional[Mapping[str, Any]] = None,
    context: Optional[str] = None,
    metadata: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> Optional[str]:
    """Report ``exc`` (default: the exception being handled) as handled. Returns the event id.

    ``fingerprint`` (or its alias ``grouping_key``) groups the report under that
    key at every vendor, instead of the key errorwire computes from the stack.
    ``tags``, ``context`` and ``metadata`` (sections) add to the current scope's for
    this report only (see ``set_tag``, ``set_context``, ``add_metadata``).
    """
    client = implicit_client()
    if client is None:
        return None
    about = _about(tags, context, metadata)
    return client.capture_exception(
        exc, level=level, extra=extra, fingerprint=fingerprint or grouping_key, about=about
    )


def capture_message(
    message: str,
    level: str = "info",
    extra: Optional[Mapping[str, Any]] = None,
    *,
    fingerprint: Optional[str] = None,
    grouping_key: Optional[str] = None,
    tags: Optional[Mapping[str, Any]] = None,
    context: Optional[str] = None,
    metadata: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> Optional[str]:
    """Report a message. ``fingerprint`` / ``grouping_key``, ``tags``, ``context``,
    ``metadata``: as for ``capture_exception``."""
    client = implicit_client()
    if client is None:
        return None
    about = _about(tags, context, metadata)
    return client.capture_message(
        message, level=level, extra=extra, fingerprint=fingerprint or grouping_key, about=about
    )


def _about(
    tags: Optional[Mapping[str, Any]],
    context: Optional[str],
    metadata: Optional[Mapping[str, Mapping[str, Any]]],
) -> Optional[About]:
    """What a capture call adds to the scope's tags, context and metadata; None for nothing."""
    given = tags is not None or context is not None or metadata is not None
    return About(tags, context, metadata) if given else None


def set_person(
    id: Optional[object] = None,
    username: Optional[str] = None,
    email: Optional[str] = None,
    name: Optional[str] = None,
    anonymous: Optional[bool] = None,
) -> None:
    """The person of the current scope's reports; ``name`` is the full name, ``anonymous``
    marks a visitor who is not logged in."""
    context.current_scope().set_person(
        Person(
            id=None if id is None else str(id),
            username=username,
            email=email,
            name=name,
            anonymous=None if anonymous is None else bool(anonymous),
        )
    )


def add_breadcrumb(
    message: str,
    category: Optional[str] = None,
    data: Optional[Mapping[str, Any]] = None,
    *,
    level: str = "info",
    type: str = "manual",
) -> None:
    """Record what happened, for the next report of this request (or thread / task).

    ``type`` is one of manual, navigation, request, log, state, user, process,
    error (anything else becomes manual).
    """
    context.add_breadcrumb(
        breadcrumbs.make_breadcrumb(message, category, data, level=level, type=type)
    )


def flush(timeout: float = 2.0) -> bool:
    """Wait up to ``timeout`` seconds; True when everything queued was delivered or dropped."""
    client = _client
    return True if client is None else client.flush(timeout)


def stats() -> Dict[str, Any]:
    """Counters: sent, retried, dropped by reason, per vendor; errorwire's own failures."""
    client = _client
    if client is None:
        lost = _unconfigured.snapshot()
        counters: Dict[str, Any] = {"client": lost} if lost else {}
    else:
        counters = client.stats()
    failures = safety.failure_counts()
    if failures:  # errorwire's own failures, by step and error type
        counters["internal_errors"] = failures
    return counters


def _shutdown() -> None:
    client = _client
    if client is not None:
        client.close()


def _flush_then_close() -> None:
    """At SIGTERM: a close that ``atexit`` already began may be the one interrupted, so
    wait for the queue itself rather than only closing."""
    client = _client
    if client is not None:
        client.flush(client.options.shutdown_timeout)
        client.close(timeout=0.0)


atexit.register(_shutdown)
