"""End to end: real exceptions through errorwire.init / capture_exception / flush to a real
HTTP receiver playing the three vendors; every body checked against the vendor's schema."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict

import pytest

import errorwire
from errorwire.core.stacktrace import MAX_FRAMES, extract_chain, grouping_key
from tests.helpers import raised, recursion_error
from tests.receiver import Receiver
from tests.schemas import assert_valid
from tests.source_file import ROOT, SourceFile
from tests.vendors.vendor_events import raygun_errors, rollbar_traces

THIS = SourceFile.of(__file__)
THIS_FILE, RELATIVE, SOURCE, line_of = THIS.path, THIS.relative, THIS.lines, THIS.line_of
HAS_POSITIONS = sys.version_info >= (3, 11)


class PaymentFailed(Exception):
    pass


class BrokenStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


class Cart:
    def total(self) -> int:
        prices: Dict[str, int] = {"apple": 1}
        return prices["pear"]  # mark: lookup

    def checkout(self) -> None:
        try:
            self.total()  # mark: checkout-call
        except KeyError as exc:
            raise PaymentFailed("Zahlung für Größe ✓ fehlgeschlagen") from exc  # mark: wrap


def _raise(exc: BaseException) -> None:
    raise exc


def report(receiver: Receiver, exc: BaseException, **capture: Any) -> Dict[str, Dict[str, Any]]:
    """Capture ``exc`` with the public API; the three bodies as the receiver got them."""
    event_id = errorwire.capture_exception(exc, **capture)
    assert event_id is not None
    assert errorwire.flush(timeout=5.0) is True
    arrived = receiver.wait_for(3)
    bodies = {item.vendor: item.json() for item in arrived}
    assert sorted(bodies) == ["bugsnag", "raygun", "rollbar"]
    for vendor, body in bodies.items():
        assert_valid(vendor, body)
    return bodies


@pytest.fixture
def client(all_vendors: Dict[str, Any]) -> errorwire.Options:
    return errorwire.init(sync=True, project_root=ROOT, **all_vendors).options


def test_a_chained_exception_reaches_every_vendor_with_its_frames(
    client: Any, receiver: Receiver
) -> None:
    exc = raised(Cart().checkout)
    bodies = report(receiver, exc)
    wrap, lookup = line_of("wrap"), line_of("lookup")

    # Rollbar: trace_chain outermost first, frames oldest call first, full paths.
    traces = rollbar_traces(bodies["rollbar"])
    assert [t["exception"]["class"] for t in traces] == [f"{__name__}.PaymentFailed", "KeyError"]
    assert traces[0]["exception"]["message"] == "Zahlung für Größe ✓ fehlgeschlagen"
    last = traces[0]["frames"][-1]
    assert last["filename"] == THIS_FILE
    assert (last["lineno"], last["method"]) == (wrap, "Cart.checkout")
    assert last["code"] == SOURCE[wrap - 1]
    assert last["context"]["pre"] == SOURCE[wrap - 6 : wrap - 1]
    assert last["context"]["post"] == SOURCE[wrap : wrap + 5]
    if HAS_POSITIONS:
        assert last["colno"] == SOURCE[wrap - 1].index("raise") + 1
    assert [(f["method"], f["lineno"]) for f in traces[1]["frames"]] == [
        ("Cart.checkout", line_of("checkout-call")),
        ("Cart.total", lookup),
    ]

    # Raygun: the cause as innerError, stack most recent call first, relative names.
    errors = raygun_errors(bodies["raygun"])
    assert [e["className"] for e in errors] == [f"{__name__}.PaymentFailed", "KeyError"]
    top = errors[1]["stackTrace"][0]
    assert (top["fileName"], top["lineNumber"], top["methodName"]) == (
        RELATIVE,
        lookup,
        "Cart.total",
    )
    if HAS_POSITIONS:
        assert top["columnNumber"] == SOURCE[lookup - 1].index('prices["pear"]') + 1

    # Bugsnag: exceptions outermost first, stack most recent first, code around the line.
    exceptions = bodies["bugsnag"]["events"][0]["exceptions"]
    assert [e["errorClass"] for e in exceptions] == [f"{__name__}.PaymentFailed", "KeyError"]
    frame = exceptions[1]["stacktrace"][0]
    assert (frame["file"], frame["lineNumber"], frame["inProject"]) == (RELATIVE, lookup, True)
    assert frame["code"][str(lookup)] == SOURCE[lookup - 1]
    assert frame["code"][str(lookup - 5)] == SOURCE[lookup - 6]


def test_the_grouping_key_is_the_same_for_all_three_vendors(
    client: Any, receiver: Receiver
) -> None:
    exc = raised(Cart().checkout)
    expected = grouping_key(extract_chain(exc, ROOT))
    bodies = report(receiver, exc)

    assert bodies["rollbar"]["data"]["fingerprint"] == expected
    assert bodies["raygun"]["details"]["groupingKey"] == expected
    assert bodies["bugsnag"]["events"][0]["groupingHash"] == expected


def test_a_user_fingerprint_overrides_the_grouping_key_everywhere(
    client: Any, receiver: Receiver
) -> None:
    bodies = report(receiver, raised(Cart().checkout), fingerprint="checkout-declined")

    assert bodies["rollbar"]["data"]["fingerprint"] == "checkout-declined"
    assert bodies["raygun"]["details"]["groupingKey"] == "checkout-declined"
    assert bodies["bugsnag"]["events"][0]["groupingHash"] == "checkout-declined"


def test_library_frames_are_marked_out_of_project(client: Any, receiver: Receiver) -> None:
    bodies = report(receiver, raised(lambda: json.loads("{oops")))

    stack = bodies["bugsnag"]["events"][0]["exceptions"][0]["stacktrace"]
    assert stack[0]["file"] == "json/decoder.py"
    assert stack[0]["inProject"] is False
    assert [frame["file"] for frame in stack[-2:]] == [RELATIVE, "tests/helpers.py"]  # raised()
    assert stack[-2]["inProject"] is True and stack[-1]["inProject"] is True


def test_an_exception_whose_str_raises_is_sent_without_a_message(
    client: Any, receiver: Receiver
) -> None:
    bodies = report(receiver, raised(lambda: _raise(BrokenStr())))

    assert rollbar_traces(bodies["rollbar"])[0]["exception"] == {"class": f"{__name__}.BrokenStr"}
    assert "message" not in bodies["raygun"]["details"]["error"]
    assert "message" not in bodies["bugsnag"]["events"][0]["exceptions"][0]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is 3.11+")
def test_an_exception_group_sends_its_members(client: Any, receiver: Receiver) -> None:
    members = [raised(Cart().total), raised(lambda: _raise(ValueError("bad quantity")))]
    group = raised(lambda: _raise(ExceptionGroup("checkout failed", members)))  # noqa: F821
    bodies = report(receiver, group)

    expected = ["ExceptionGroup", "KeyError", "ValueError"]
    assert [t["exception"]["class"] for t in rollbar_traces(bodies["rollbar"])] == expected
    exceptions = bodies["bugsnag"]["events"][0]["exceptions"]
    assert [e["errorClass"] for e in exceptions] == expected
    assert exceptions[1]["stacktrace"][0]["lineNumber"] == line_of("lookup")


def recurse(depth: int) -> int:
    return recurse(depth + 1) + 1  # mark: recurse


def test_a_3000_deep_recursion_error_arrives_within_the_size_limit(
    client: Any, receiver: Receiver
) -> None:
    exc = recursion_error(recurse)
    bodies = report(receiver, exc)  # assert_valid also checks the 128 KB limit

    frames = rollbar_traces(bodies["rollbar"])[0]["frames"]
    assert 0 < len(frames) <= MAX_FRAMES
    assert (frames[-1]["method"], frames[-1]["lineno"]) == ("recurse", line_of("recurse"))
    stack = bodies["bugsnag"]["events"][0]["exceptions"][0]["stacktrace"]
    assert stack[0]["lineNumber"] == line_of("recurse")


def test_the_project_root_defaults_to_the_working_directory(
    all_vendors: Dict[str, Any], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    errorwire.init(sync=True, **all_vendors)
    bodies = report(receiver, raised(Cart().total))

    frame = bodies["bugsnag"]["events"][0]["exceptions"][0]["stacktrace"][0]
    assert (frame["file"], frame["inProject"]) == (RELATIVE, True)
    assert bodies["rollbar"]["data"]["server"]["root"] == os.path.realpath(ROOT)


def test_an_exception_that_was_never_raised_is_sent_without_frames(
    client: Any, receiver: Receiver
) -> None:
    bodies = report(receiver, PaymentFailed("built, never raised"))

    trace = rollbar_traces(bodies["rollbar"])[0]
    assert trace["exception"]["message"] == "built, never raised"
    assert trace["frames"] == []
    exception = bodies["bugsnag"]["events"][0]["exceptions"][0]
    assert exception["errorClass"] == f"{__name__}.PaymentFailed"
    assert exception["stacktrace"] == []
