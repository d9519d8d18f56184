"""On a FIPS machine OpenSSL refuses SHA-1 unless the caller says it is not for security.
errorwire's hashes (grouping keys, Rollbar's long fingerprints) say so, and keep working."""

from __future__ import annotations

import hashlib
from typing import Any, Dict

import pytest

import errorwire
from tests.receiver import Receiver
from tests.reports import VENDORS
from tests.schemas import assert_valid

_real_sha1 = hashlib.sha1


def _fips_sha1(data: bytes = b"", *, usedforsecurity: bool = True) -> Any:
    """SHA-1 as OpenSSL in FIPS mode hands it out."""
    if usedforsecurity:
        raise ValueError("[digital envelope routines] unsupported: sha1 in FIPS mode")
    return _real_sha1(data, usedforsecurity=False)


@pytest.fixture(autouse=True)
def fips_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashlib, "sha1", _fips_sha1)


def _failing_checkout() -> None:
    raise KeyError("pear")


@pytest.mark.parametrize("kind", ["message", "exception"])
def test_reports_are_grouped_and_sent_on_a_fips_machine(
    kind: str, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        hashlib.sha1(b"x")  # the machine really refuses security SHA-1
    errorwire.init(**all_vendors)
    long_fingerprint = "checkout-" + "x" * 60  # over Rollbar's 40: sent as its SHA-1
    if kind == "message":
        event_id = errorwire.capture_message("card declined for order 7")
    else:
        try:
            _failing_checkout()
        except KeyError as exc:
            event_id = errorwire.capture_exception(exc, fingerprint=long_fingerprint)
    assert event_id is not None
    assert errorwire.flush(timeout=10.0)
    arrived = receiver.wait_for(3, timeout=10.0)
    assert len(arrived) == 3
    payloads = {vendor: receiver.by_vendor(vendor)[0].json() for vendor in VENDORS}
    for vendor, payload in payloads.items():
        assert_valid(vendor, payload)
    grouping = payloads["raygun"]["details"]["groupingKey"]
    if kind == "message":
        expected = _real_sha1(b"card declined for order 7").hexdigest()
        assert grouping == expected
    else:
        assert grouping == long_fingerprint
        expected = _real_sha1(long_fingerprint.encode("utf-8")).hexdigest()
        assert payloads["rollbar"]["data"]["fingerprint"] == expected
