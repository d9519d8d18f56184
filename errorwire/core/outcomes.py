"""The words for what became of a report: why one was dropped (``DropReason``, the keys
``errorwire.stats()`` counts it under) and what a vendor's answer meant (``Outcome``).

Both are ``str`` enums: a member is equal to, hashes like and prints as its value, so
the stats keys users read stay the strings the README lists.
"""

from __future__ import annotations

from enum import Enum
from typing import Dict, Optional


class Word(str, Enum):
    """A ``str`` enum that prints as its value, on every Python (3.11 made ``str()`` of a
    ``str`` mixin enum print ``Class.MEMBER``)."""

    def __str__(self) -> str:
        return str(self.value)


class DropReason(Word):
    """Why a report was not sent. The value is its key in ``errorwire.stats()``."""

    IGNORED = "ignored"
    DUPLICATE = "duplicate"
    NESTED = "dropped_nested"
    CONFIG = "dropped_config"
    ENVIRONMENT = "dropped_environment"
    SAMPLED = "dropped_sampled"
    BEFORE_SEND = "dropped_before_send"
    RELEASE_STAGE = "dropped_release_stage"
    SCRUB_FAILED = "dropped_scrub_failed"
    EXIT = "dropped_shutdown"
    STORM = "storm_suppressed"
    QUEUE_FULL = "queue_full"
    QUEUE_CLOSED = "closed"
    BACKLOG_FULL = "backlog_full"
    RETRIES_EXHAUSTED = "retries_exhausted"
    TOO_LARGE = "too_large"
    REJECTED = "rejected"
    RATE_LIMITED = "rate_limited"
    CIRCUIT_OPEN = "circuit_open"
    SHUTDOWN = "shutdown"
    INTERNAL_ERROR = "internal_error"
    SPOOL_FULL = "spool_full"
    CORRUPT_FILE = "corrupt_file"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"

    @property
    def sentence(self) -> str:
        """What the log says of it (the first time)."""
        return _SENTENCES.get(self, self.value.replace("_", " "))

    def key(self, status: Optional[int] = None) -> str:
        """The stats key: the value, with the HTTP status for a vendor's refusal
        (``rejected_403``, ``refused_401``)."""
        return str(self.value) if status is None else f"{self.value}_{status}"


_SENTENCES: Dict[DropReason, str] = {
    DropReason.IGNORED: "its exception class is in ignore (or the defaults)",
    DropReason.DUPLICATE: "the same exception object was reported already",
    DropReason.NESTED: (
        "a capture started inside another capture on the same thread (a __repr__, hook or "
        "log call reporting while a report was built)"
    ),
    DropReason.CONFIG: "the configuration is not usable",
    DropReason.ENVIRONMENT: "environment not in enabled_environments",
    DropReason.SAMPLED: "sample_rate",
    DropReason.BEFORE_SEND: "before_send returned None",
    DropReason.RELEASE_STAGE: "environment not in bugsnag.notify_release_stages",
    DropReason.SCRUB_FAILED: "scrubbing failed",
    DropReason.EXIT: "the process exited before it was sent",
    DropReason.STORM: "more reports of one grouping key in a minute than storm_limit",
    DropReason.QUEUE_FULL: "the report queue is full",
    DropReason.QUEUE_CLOSED: "the report queue is closed",
    DropReason.BACKLOG_FULL: "the vendor's backlog is full",
    DropReason.RETRIES_EXHAUSTED: "every attempt failed",
    DropReason.TOO_LARGE: "the vendor refused it as too large",
    DropReason.REJECTED: "the vendor rejected it",
    DropReason.RATE_LIMITED: "the vendor asks to wait longer than retry_backoff_max",
    DropReason.CIRCUIT_OPEN: "the vendor's circuit is open",
    DropReason.SHUTDOWN: "the transport shut down before it was sent",
    DropReason.INTERNAL_ERROR: "errorwire failed while sending it",
    DropReason.SPOOL_FULL: "the spool is full",
    DropReason.CORRUPT_FILE: "the spool file is corrupt",
    DropReason.REFUSED: "the vendor refused them",
    DropReason.UNREACHABLE: "the vendor could not be reached",
}


class Outcome(Word):
    """What a vendor's answer to one delivery attempt means (``transport.policy``)."""

    SENT = "sent"
    RETRY = "retry"
    """A 5xx or a connection error: counts against max_retries and towards the circuit."""
    RATE_LIMITED = "rate_limited"
    """429 or 503: wait as told (or back off); the report is kept, not charged a retry."""
    TOO_LARGE = "too_large"
    REJECTED = "rejected"
    """The vendor refused the report itself (400, 401, 403, 422...): retrying cannot help."""


class NextStep(Word):
    """What a delivery attempt leaves its sender to do (``Deliverer.attempt``)."""

    DONE = "done"
    """Delivered, or dropped for good."""
    AGAIN = "again"
    """Kept: tried again when its lane is ready."""
    EXHAUSTED = "exhausted"
    """Every retry failed."""
    SPLIT = "split"
    """Its batch (several reports in one payload, transport/batch.py) was refused as a
    whole: its reports go one by one next, none charged for it."""
