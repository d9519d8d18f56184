"""Secrets in URL-encoded pairs (``password%3Dhunter5``) are scrubbed like the plain
``password=hunter5`` form: in any string, and in what reaches every vendor."""

from __future__ import annotations

import pytest

import errorwire
from errorwire.core.scrub_rules import FILTERED, KeyMatcher, scrub_text
from tests.receiver import Receiver

KEYS = KeyMatcher()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password%3Dhunter5", f"password%3D{FILTERED}"),
        ("next=%2Fhome%3Fpassword%3Dhunter5", f"next=%2Fhome%3Fpassword%3D{FILTERED}"),
        ("user%3Dbob%26token%3Dabc123%26page%3D2", f"user%3Dbob%26token%3D{FILTERED}%26page%3D2"),
        ("api_key%3da1b2c3 sent", f"api_key%3d{FILTERED} sent"),
        ('{"secret"%3A"x9y8"}', f'{{"secret"%3A"{FILTERED}"}}'),
        ("user%3Dbob%26page%3D2", "user%3Dbob%26page%3D2"),
    ],
)
def test_encoded_pairs_are_scrubbed_like_plain_ones(text: str, expected: str) -> None:
    assert scrub_text(text, KEYS) == expected


def test_an_encoded_password_never_reaches_a_vendor(receiver: Receiver, all_vendors: dict) -> None:
    errorwire.init(**all_vendors)
    try:
        raise PermissionError("login failed: redirect=%2Flogin%3Fpassword%3Dhunter5%26x%3D1")
    except PermissionError:
        errorwire.capture_exception()
    errorwire.capture_message("retrying with token%3Dsk_live_abcdef")
    assert errorwire.flush(timeout=5.0)
    arrived = receiver.wait_for(6)
    assert len(arrived) == 6
    for item in arrived:
        body = item.body.decode()
        assert "hunter5" not in body and "sk_live_abcdef" not in body
        assert "password%3D[Filtered]" in body or "token%3D[Filtered]" in body


def test_an_escape_inside_a_plain_value_stays_part_of_it() -> None:
    assert scrub_text("password=ab%26cd&page=2", KEYS) == f"password={FILTERED}&page=2"
