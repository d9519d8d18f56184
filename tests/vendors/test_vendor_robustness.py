"""Bad input: an encoder never raises; what it cannot compute is left out, not guessed."""

from __future__ import annotations

import copy
from typing import Any, Dict

import pytest

from errorwire.core import safety
from errorwire.core.event import Event, Person
from tests.vendors.vendor_events import (
    VENDORS,
    bugsnag_event,
    encode,
    encode_all,
    event_from,
    lookup_missing_key,
    raised,
    rollbar_traces,
    sample_request,
)


class Unprintable:
    def __str__(self) -> str:
        raise ValueError("no text for you")

    __repr__ = __str__


def test_an_exception_that_was_never_raised_has_no_frames() -> None:
    payloads = encode_all(event_from(ValueError("built, not raised")))
    assert rollbar_traces(payloads["rollbar"])[0]["frames"] == []
    # Raygun requires one frame with a line number: 0 says "not known".
    assert payloads["raygun"]["details"]["error"]["stackTrace"] == [{"lineNumber": 0}]
    assert bugsnag_event(payloads["bugsnag"])["exceptions"][0]["stacktrace"] == []


def test_encoding_does_not_change_the_event() -> None:
    event = event_from(raised(lookup_missing_key), request=sample_request(), extra={"a": [1]})
    before = copy.deepcopy(event)
    first = encode_all(event)
    assert encode_all(event) == first
    assert event == before


def test_unprintable_values_are_left_out_or_named_by_type() -> None:
    event = event_from(
        raised(lookup_missing_key),
        person=Person(id=Unprintable()),  # type: ignore[arg-type]
        extra={"obj": Unprintable(), Unprintable(): "value of an unprintable key"},
    )
    payloads = encode_all(event)
    assert "person" not in payloads["rollbar"]["data"]
    assert "user" not in payloads["raygun"]["details"]
    assert "user" not in bugsnag_event(payloads["bugsnag"])
    assert payloads["raygun"]["details"]["userCustomData"] == {
        "obj": "<Unprintable object>",
        "<unknown>": "value of an unprintable key",
    }


def test_empty_event_is_still_a_valid_payload_for_each_vendor() -> None:
    payloads = encode_all(Event())
    assert payloads["rollbar"]["data"]["body"] == {"message": {"body": ""}}
    assert payloads["raygun"]["details"]["error"]["className"] == "LogMessage"
    assert bugsnag_event(payloads["bugsnag"])["exceptions"][0]["errorClass"] == "LogMessage"


REQUEST_HOLDER = {
    "rollbar": lambda payload: payload["data"],
    "raygun": lambda payload: payload["details"],
    "bugsnag": lambda payload: payload["events"][0],
}


@pytest.mark.allow_internal_errors
@pytest.mark.parametrize("vendor", VENDORS)
def test_a_malformed_section_is_left_out_and_counted(vendor: str) -> None:
    event = event_from(raised(lookup_missing_key), extra={"kept": True})
    event.request = 42  # type: ignore[assignment] - as if a before_send hook returned junk
    payload: Dict[str, Any] = encode(vendor, event)
    assert "request" not in REQUEST_HOLDER[vendor](payload)
    assert safety.internal_errors[f"{vendor} request"] == 1
    assert "kept" in str(payload), "the rest of the payload is still sent"
