"""What a vendor's answer means: done, wait and retry, shrink, or give up.

Pure functions over a status, headers and body (or the exception urllib3 raised),
so the rules can be read in one place and tested without a network.
"""

from __future__ import annotations

import json
import random
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Iterator, List, Mapping, Optional

import urllib3

from errorwire.core.outcomes import Outcome
from errorwire.core.text import header

SENT = Outcome.SENT
RETRY = Outcome.RETRY
RATE_LIMITED = Outcome.RATE_LIMITED
TOO_LARGE = Outcome.TOO_LARGE
REJECTED = Outcome.REJECTED

MAX_RETRY_AFTER = 24 * 3600.0


@dataclass
class Verdict:
    kind: Outcome
    cause: str
    """What happened, for the log and the drop reason: "HTTP 500", "connection refused"."""
    retry_after: Optional[float] = None
    message: Optional[str] = None
    """The vendor's own explanation, from its JSON error body."""


def judge_response(status: int, headers: Mapping[str, str], body: bytes) -> Verdict:
    cause = f"HTTP {status}"
    if 200 <= status < 300:
        return Verdict(SENT, cause)
    if status in (429, 503):
        wait = parse_retry_after(header(headers, "retry-after"))
        return Verdict(RATE_LIMITED, cause, retry_after=wait)
    if status == 413:
        return Verdict(TOO_LARGE, cause, message=vendor_message(body))
    if status >= 500 or status == 408:
        return Verdict(RETRY, cause, message=vendor_message(body))
    return Verdict(REJECTED, cause, message=vendor_message(body))


def judge_error(exc: BaseException) -> Verdict:
    return Verdict(RETRY, describe_error(exc))


def describe_error(exc: BaseException) -> str:
    """A short cause naming the kind of network failure."""
    errors = urllib3.exceptions
    chain = list(_chain(exc))
    root = chain[-1]

    def found(kind: Any) -> bool:
        return any(isinstance(e, kind) for e in chain)

    if isinstance(exc, errors.ProxyError):
        return f"proxy error ({root})"
    if found(errors.SSLError) or found(ssl.SSLError):
        return f"TLS error ({root})"
    if found(ConnectionRefusedError):
        return "connection refused"
    if found(ConnectionResetError):
        return "connection reset"
    if found(socket.gaierror):
        return "DNS lookup failed"
    # NewConnectionError subclasses ConnectTimeoutError, hence the checks above first.
    if isinstance(exc, errors.ConnectTimeoutError):
        return "connect timeout"
    if found((errors.ReadTimeoutError, socket.timeout, TimeoutError)):
        return "read timeout"
    if isinstance(exc, errors.ProtocolError):
        return f"connection broken ({type(root).__name__})"
    return f"connection error ({type(root).__name__})"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: urllib3 keeps the socket error in args or as the cause."""
    seen: List[int] = []
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.append(id(current))
        yield current
        wrapped = current.args[-1] if current.args else None
        if isinstance(wrapped, BaseException):
            current = wrapped
        else:
            current = current.__cause__ or current.__context__


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a Retry-After value (delay-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    delay = when.timestamp() - (time.time() if now is None else now)
    return min(max(delay, 0.0), MAX_RETRY_AFTER)


def backoff(failures: int, base: float, ceiling: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, never above ceiling."""
    exponent = min(max(failures - 1, 0), 30)
    delay = min(ceiling, base * (2.0**exponent))
    return delay / 2 + random.uniform(0, delay / 2)


def vendor_message(body: bytes) -> Optional[str]:
    """The vendor's explanation: Rollbar's ``message``, Bugsnag's ``errors``, or the text."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(data, dict):
        for key in ("message", "Message", "error", "errors"):
            value = data.get(key)
            if isinstance(value, list) and value:
                return "; ".join(str(v) for v in value)[:200]
            if isinstance(value, str) and value:
                return value[:200]
        return None
    return text[:200]
