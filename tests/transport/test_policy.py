"""The response rules as pure functions: Retry-After, backoff, the vendors' messages."""

from __future__ import annotations

from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from errorwire.transport import policy

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        (formatdate(NOW + 30, usegmt=True), 30.0),
        (formatdate(NOW - 30, usegmt=True), 0.0),
        ("99999999", policy.MAX_RETRY_AFTER),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_or_an_http_date(value: object, seconds: object) -> None:
    assert policy.parse_retry_after(value, now=NOW) == seconds  # type: ignore[arg-type]


@given(
    failures=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0.001, max_value=10),
    ceiling=st.floats(min_value=0.001, max_value=600),
)
def test_backoff_grows_with_jitter_and_never_passes_the_ceiling(
    failures: int, base: float, ceiling: float
) -> None:
    full = min(ceiling, base * 2.0 ** min(failures - 1, 30))
    delay = policy.backoff(failures, base, ceiling)
    assert full / 2 <= delay <= full <= ceiling


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, policy.SENT),
        (202, policy.SENT),
        (429, policy.RATE_LIMITED),
        (503, policy.RATE_LIMITED),
        (500, policy.RETRY),
        (502, policy.RETRY),
        (408, policy.RETRY),
        (413, policy.TOO_LARGE),
        (400, policy.REJECTED),
        (401, policy.REJECTED),
        (403, policy.REJECTED),
        (422, policy.REJECTED),
        (404, policy.REJECTED),
    ],
)
def test_each_status_has_its_rule(status: int, kind: str) -> None:
    assert policy.judge_response(status, {}, b"").kind == kind


def test_retry_after_header_is_found_whatever_its_case() -> None:
    verdict = policy.judge_response(429, {"retry-after": "3"}, b"")
    assert verdict.retry_after == 3.0


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b'{"err": 1, "message": "invalid access token"}', "invalid access token"),
        (b'{"errors": ["apiKey missing", "events empty"]}', "apiKey missing; events empty"),
        (b"Invalid API Key", "Invalid API Key"),
        (b"{}", None),
        (b"", None),
    ],
)
def test_the_vendor_message_is_read_from_its_error_body(body: bytes, text: object) -> None:
    assert policy.vendor_message(body) == text
