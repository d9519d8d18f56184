"""Exception chains raised for real, encoded for all three vendors: frame order, chain order,
what is left out, and schema validity."""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List, Tuple

import pytest

from errorwire.vendors.base import to_json
from tests.vendors.vendor_events import (
    BrokenStr,
    bugsnag_event,
    deep_recursion_error,
    encode_all,
    event_from,
    fail_suppressing_context,
    fail_while_handling,
    fail_with,
    fail_with_group,
    lookup_missing_key,
    raised,
    raygun_errors,
    rollbar_traces,
    traceback_lines,
    wrap_with_cause,
)

PAYMENT_FAILED = "tests.vendors.vendor_events.PaymentFailed"


def _short(function: str) -> str:
    return function.rsplit(".", 1)[-1]


def _rollbar_frames(trace: Dict[str, Any]) -> List[Tuple[str, int]]:
    return [(_short(frame["method"]), frame["lineno"]) for frame in trace["frames"]]


def _raygun_frames(error: Dict[str, Any]) -> List[Tuple[str, int]]:
    return [(_short(frame["methodName"]), frame["lineNumber"]) for frame in error["stackTrace"]]


def _bugsnag_frames(exception: Dict[str, Any]) -> List[Tuple[str, int]]:
    return [(_short(frame["method"]), frame["lineNumber"]) for frame in exception["stacktrace"]]


def _classes(payloads: Dict[str, Dict[str, Any]]) -> Dict[str, List[str]]:
    return {
        "rollbar": [t["exception"]["class"] for t in rollbar_traces(payloads["rollbar"])],
        "raygun": [e["className"] for e in raygun_errors(payloads["raygun"])],
        "bugsnag": [e["errorClass"] for e in bugsnag_event(payloads["bugsnag"])["exceptions"]],
    }


def test_single_exception_frames_are_ordered_as_each_vendor_documents() -> None:
    exc = raised(lookup_missing_key)
    oldest_first = traceback_lines(exc)
    assert oldest_first[-1][0] == "lookup_missing_key"

    payloads = encode_all(event_from(exc))

    body = payloads["rollbar"]["data"]["body"]
    assert list(body) == ["trace"]
    assert _rollbar_frames(body["trace"]) == oldest_first
    assert body["trace"]["exception"] == {"class": "KeyError", "message": "'missing'"}
    error = payloads["raygun"]["details"]["error"]
    assert "innerError" not in error
    assert _raygun_frames(error) == oldest_first[::-1]
    exceptions = bugsnag_event(payloads["bugsnag"])["exceptions"]
    assert len(exceptions) == 1
    assert _bugsnag_frames(exceptions[0]) == oldest_first[::-1]
    assert exceptions[0]["type"] == "python"
    assert payloads["rollbar"]["data"]["title"] == "KeyError: 'missing'"


def test_frames_carry_file_code_context_and_project_flag() -> None:
    exc = raised(lookup_missing_key)
    payloads = encode_all(event_from(exc))
    _function, lineno = traceback_lines(exc)[-1]

    rollbar_frame = rollbar_traces(payloads["rollbar"])[0]["frames"][-1]
    assert rollbar_frame["filename"].endswith("/tests/vendors/vendor_events.py")
    assert rollbar_frame["filename"].startswith("/"), "Rollbar wants the full path"
    assert rollbar_frame["code"].strip() == 'data["missing"] += 1'
    assert rollbar_frame["context"]["pre"][-1].strip() == "data: Dict[str, int] = {}"
    assert rollbar_frame["context"]["post"], "lines after the failing line"

    raygun_frame = payloads["raygun"]["details"]["error"]["stackTrace"][0]
    assert raygun_frame["fileName"] == "tests/vendors/vendor_events.py"
    assert raygun_frame["className"] == "tests.vendors.vendor_events"

    bugsnag_frame = bugsnag_event(payloads["bugsnag"])["exceptions"][0]["stacktrace"][0]
    assert bugsnag_frame["file"] == "tests/vendors/vendor_events.py"
    assert bugsnag_frame["inProject"] is True
    code = bugsnag_frame["code"]
    assert code[str(lineno)].strip() == 'data["missing"] += 1'
    assert code[str(lineno - 1)].strip() == "data: Dict[str, int] = {}"
    numbers = sorted(int(n) for n in code)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))

    if sys.version_info >= (3, 11):
        column = rollbar_frame["colno"]
        assert rollbar_frame["code"][column - 1 :].startswith('data["missing"]')
        assert raygun_frame["columnNumber"] == column == bugsnag_frame["columnNumber"]


def test_stdlib_frames_are_not_in_project() -> None:
    exc = raised(lambda: json.loads("{not json"))
    frames = bugsnag_event(encode_all(event_from(exc))["bugsnag"])["exceptions"][0]["stacktrace"]
    by_file = {frame["file"]: frame["inProject"] for frame in frames}
    assert by_file["tests/helpers.py"] is True  # raised()
    library = [name for name in by_file if name.endswith("json/decoder.py")]
    assert library and by_file[library[0]] is False


def test_raise_from_sends_the_chain_outermost_first() -> None:
    exc = raised(wrap_with_cause)
    payloads = encode_all(event_from(exc))

    assert _classes(payloads) == {vendor: [PAYMENT_FAILED, "KeyError"] for vendor in payloads}
    traces = payloads["rollbar"]["data"]["body"]["trace_chain"]
    assert traces[0]["exception"]["message"] == "card declined"
    assert _rollbar_frames(traces[1])[-1][0] == "lookup_missing_key"
    assert _rollbar_frames(traces[0])[-1][0] == "wrap_with_cause"
    inner = payloads["raygun"]["details"]["error"]["innerError"]
    assert _raygun_frames(inner)[0][0] == "lookup_missing_key"
    assert payloads["rollbar"]["data"]["title"] == "PaymentFailed: card declined"


def test_implicit_context_is_part_of_the_chain() -> None:
    exc = raised(fail_while_handling)
    payloads = encode_all(event_from(exc))
    assert _classes(payloads) == {vendor: [PAYMENT_FAILED, "KeyError"] for vendor in payloads}
    exceptions = bugsnag_event(payloads["bugsnag"])["exceptions"]
    assert exceptions[0]["message"] == "cleanup failed"
    assert exceptions[1]["message"] == "'missing'"


def test_suppressed_context_is_left_out() -> None:
    exc = raised(fail_suppressing_context)
    payloads = encode_all(event_from(exc))
    assert _classes(payloads) == {vendor: [PAYMENT_FAILED] for vendor in payloads}
    assert list(payloads["rollbar"]["data"]["body"]) == ["trace"]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is 3.11+")
def test_exception_group_members_follow_the_group() -> None:
    exc = raised(fail_with_group)
    payloads = encode_all(event_from(exc))
    expected = ["ExceptionGroup", "ValueError", "KeyError"]
    assert _classes(payloads) == {vendor: expected for vendor in payloads}
    traces = payloads["rollbar"]["data"]["body"]["trace_chain"]
    assert traces[0]["exception"]["message"] == "two failures (2 sub-exceptions)"
    assert _rollbar_frames(traces[2])[-1][0] == "lookup_missing_key"


def test_3000_deep_recursion_keeps_both_ends_in_order() -> None:
    exc = deep_recursion_error(3000)
    python_says = traceback_lines(exc)
    depth = len(python_says)
    assert depth >= 3000
    event = event_from(exc)
    kept = len(event.exceptions[0].frames)
    assert kept < depth

    # Source context of 250 frames can pass 128 KB: fitting it is vendors/cap.py's job,
    # so only the schema is checked here, not the size.
    payloads = encode_all(event, max_bytes=1 << 30)

    rollbar = _rollbar_frames(rollbar_traces(payloads["rollbar"])[0])
    assert len(rollbar) == kept
    assert rollbar[:2] == python_says[:2]  # raised() and its lambda: the oldest calls
    assert rollbar[-1] == python_says[-1]
    assert {name for name, _line in rollbar[2:]} == {"recurse"}
    raygun = _raygun_frames(payloads["raygun"]["details"]["error"])
    assert raygun == rollbar[::-1]
    bugsnag = _bugsnag_frames(bugsnag_event(payloads["bugsnag"])["exceptions"][0])
    assert bugsnag == rollbar[::-1]


def test_exception_whose_str_raises_has_no_message() -> None:
    exc = raised(lambda: fail_with(BrokenStr("never shown")))
    payloads = encode_all(event_from(exc))

    trace = rollbar_traces(payloads["rollbar"])[0]
    assert trace["exception"] == {"class": "tests.vendors.vendor_events.BrokenStr"}
    assert payloads["rollbar"]["data"]["title"] == "BrokenStr"
    error = payloads["raygun"]["details"]["error"]
    assert error["className"] == "tests.vendors.vendor_events.BrokenStr"
    assert "message" not in error
    exception = bugsnag_event(payloads["bugsnag"])["exceptions"][0]
    assert exception["errorClass"] == "tests.vendors.vendor_events.BrokenStr"
    assert "message" not in exception


@pytest.mark.parametrize(
    "message",
    ["Prix: 12 € — café", "日本語のエラー", "emoji 🚀 and RTL שלום", "zero\x00byte and \ttab"],
)
def test_non_ascii_messages_arrive_unchanged(message: str) -> None:
    exc = raised(lambda: fail_with(ValueError(message)))
    payloads = encode_all(event_from(exc))
    assert rollbar_traces(payloads["rollbar"])[0]["exception"]["message"] == message
    assert payloads["raygun"]["details"]["error"]["message"] == message
    assert bugsnag_event(payloads["bugsnag"])["exceptions"][0]["message"] == message
    if message.isprintable():  # sent as UTF-8, not as \u escapes
        for payload in payloads.values():
            assert message.encode("utf-8") in to_json(payload)


def test_lone_surrogates_are_escaped_not_fatal() -> None:
    # A bytes path decoded with surrogateescape: not encodable as UTF-8 as it is.
    exc = raised(lambda: fail_with(ValueError("bad file caf\udce9.txt")))
    payloads = encode_all(event_from(exc))
    assert rollbar_traces(payloads["rollbar"])[0]["exception"]["message"] == (
        "bad file caf\\udce9.txt"
    )
    for payload in payloads.values():
        to_json(payload)
