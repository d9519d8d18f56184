"""Capping real encoded payloads: always within the cap and valid, steps taken in order of
least useful data lost, the given payload never changed."""

from __future__ import annotations

import copy
import json
from typing import Any, Callable, Dict, List

import pytest

import errorwire
from errorwire.core.client import Client
from errorwire.core.event import Breadcrumb, Event, Request
from errorwire.core.stacktrace import extract_chain
from errorwire.vendors import VENDORS as VENDOR_MODULES
from errorwire.vendors.base import Outgoing, to_json
from errorwire.vendors.cap import cap
from tests.schemas import assert_valid

VENDORS = ("rollbar", "raygun", "bugsnag")
KIB = 1024


def init_unreachable(**vendor_options: Any) -> Client:
    """errorwire, sync, with the three vendors at a port nothing answers on, each with
    ``vendor_options``: what is rendered is read from the client, never sent."""
    return errorwire.init(
        sync=True,
        rollbar=errorwire.Rollbar(
            access_token="t", endpoint="http://127.0.0.1:9/api/1/item/", **vendor_options
        ),
        raygun=errorwire.Raygun(
            api_key="k", endpoint="http://127.0.0.1:9/entries", **vendor_options
        ),
        bugsnag=errorwire.Bugsnag(api_key="b", endpoint="http://127.0.0.1:9/", **vendor_options),
    )


def render(event: Event, max_bytes: int = 128 * KIB) -> Dict[str, Outgoing]:
    client = init_unreachable(max_bytes=max_bytes)
    out = {item.vendor_name: item for item in client.renderer.render(event)}
    assert sorted(out) == sorted(VENDORS)
    for vendor, item in out.items():
        assert len(item.body) <= max_bytes, vendor
        assert_valid(vendor, json.loads(item.body), max_bytes)
    return out


def recurse(depth: int, message: str) -> None:
    if depth <= 0:
        raise ValueError(message)
    recurse(depth - 1, message)


def event_from(depth: int = 3, message: str = "card declined", **fields: Any) -> Event:
    try:
        recurse(depth, message)
    except ValueError as exc:
        return Event(exceptions=extract_chain(exc, None), **fields)
    raise AssertionError("unreachable")


def crumbs(count: int, size: int = 50) -> List[Breadcrumb]:
    return [Breadcrumb(f"crumb-{i:04d}", data={"pad": "p" * size}) for i in range(count)]


def over(item: Outgoing, max_bytes: int = 128 * KIB) -> Dict[str, Any]:
    """The capped body, parsed; the encoded payload had to be over the cap."""
    assert len(to_json(item.payload)) > max_bytes, f"{item.vendor_name} was not over the cap"
    parsed: Dict[str, Any] = json.loads(item.body)
    return parsed


def frames_of(vendor: str, body: Dict[str, Any]) -> List[Dict[str, Any]]:
    if vendor == "rollbar":
        return list(body["data"]["body"]["trace"]["frames"])
    if vendor == "raygun":
        return list(body["details"]["error"]["stackTrace"])
    return list(body["events"][0]["exceptions"][0]["stacktrace"])


def message_of(vendor: str, body: Dict[str, Any]) -> str:
    if vendor == "rollbar":
        return str(body["data"]["body"]["trace"]["exception"]["message"])
    if vendor == "raygun":
        return str(body["details"]["error"]["message"])
    return str(body["events"][0]["exceptions"][0]["message"])


def crumb_names(body: bytes) -> List[str]:
    text = body.decode()
    return sorted({text[i : i + 10] for i in range(len(text)) if text.startswith("crumb-", i)})


def has_context(vendor: str, frame: Dict[str, Any]) -> bool:
    if vendor == "rollbar":
        return "context" in frame
    if vendor == "bugsnag":
        return len(frame.get("code", {})) > 1
    return False


def test_a_payload_under_the_cap_is_sent_exactly_as_encoded() -> None:
    for vendor, item in render(event_from(breadcrumbs=crumbs(5))).items():
        assert item.body == to_json(item.payload), vendor


def test_cap_never_changes_the_payload_it_is_given() -> None:
    event = event_from(
        depth=200,
        message="m" * 50_000,
        breadcrumbs=crumbs(100, 2000),
        extra={"blob": ["x" * 1000] * 300},
    )
    for vendor, item in render(event).items():
        before = copy.deepcopy(item.payload)
        wire = VENDOR_MODULES[vendor]
        first = cap(wire, item.payload, 64 * KIB)
        second = cap(wire, item.payload, 16 * KIB)  # the transport's retry after a 413
        assert item.payload == before, vendor
        assert len(first) <= 64 * KIB and len(second) <= 16 * KIB
        assert_valid(vendor, json.loads(second), 16 * KIB)


def test_step_1_only_long_strings_are_cut_when_that_is_enough() -> None:
    event = event_from(message="M" * 300_000, breadcrumbs=crumbs(10))
    for vendor, item in render(event).items():
        body = over(item)
        message = message_of(vendor, body)
        assert message.startswith("M" * 1000) and message.endswith("more chars]"), vendor
        assert crumb_names(item.body) == [f"crumb-{i:04d}" for i in range(10)], vendor
        frames = frames_of(vendor, body)
        assert len(frames) == len(frames_of(vendor, item.payload)), vendor
        if vendor != "raygun":
            assert any(has_context(vendor, f) for f in frames), vendor


def test_step_2_raw_bodies_are_cut_before_frames_or_breadcrumbs_lose_anything() -> None:
    body_text = ("field=" + "b" * 100 + "&") * 2000  # 200 KB of text, never parsed
    request = Request(
        url="https://x.test/upload",
        method="PUT",
        body=body_text.encode(),
        content_type="text/plain",
    )
    # Raygun's encoder already keeps rawData under 4 KB: over the cap only at 6 KiB.
    for max_bytes in (6 * KIB, 16 * KIB, 32 * KIB):
        event = event_from(request=request, breadcrumbs=crumbs(20))
        for vendor, item in render(event, max_bytes).items():
            if vendor == "raygun" and max_bytes > 6 * KIB:
                continue
            body = over(item, max_bytes)
            assert "more chars]" in json.dumps(body), vendor
            assert crumb_names(item.body) == [f"crumb-{i:04d}" for i in range(20)], vendor
            frames = frames_of(vendor, body)
            assert len(frames) == len(frames_of(vendor, item.payload)), vendor


def test_step_3_source_context_goes_before_any_frame() -> None:
    event = event_from(depth=150, breadcrumbs=crumbs(5))
    for vendor, item in render(event, 40 * KIB).items():
        if vendor == "raygun":
            continue  # Raygun frames carry no source context
        original = frames_of(vendor, item.payload)
        assert any(has_context(vendor, f) for f in original)
        frames = frames_of(vendor, over(item, 40 * KIB))
        assert len(frames) == len(original), vendor
        assert not any(has_context(vendor, f) for f in frames), vendor
        assert len(crumb_names(item.body)) == 5


def test_step_4_deep_stacks_keep_their_outermost_and_innermost_frames() -> None:
    event = event_from(depth=240, breadcrumbs=crumbs(5))
    for vendor, item in render(event, 8 * KIB).items():
        original = frames_of(vendor, item.payload)
        frames = frames_of(vendor, over(item, 8 * KIB))
        omitted = [f for f in frames if "frames omitted" in json.dumps(f)]
        assert len(omitted) == 1, vendor
        at = frames.index(omitted[0])
        kept = frames[:at] + frames[at + 1 :]
        assert 2 <= len(kept) < len(original), vendor
        innermost_first = vendor != "rollbar"
        inner_end = original[0] if innermost_first else original[-1]
        outer_end = original[-1] if innermost_first else original[0]
        for end in (inner_end, outer_end):
            line = end.get("lineno", end.get("lineNumber"))
            assert any(f.get("lineno", f.get("lineNumber")) == line for f in kept), vendor
        assert len(crumb_names(item.body)) == 5, vendor


def test_step_5_custom_data_and_old_breadcrumbs_go_last() -> None:
    extra = {f"key{i:05d}": "v" * 200 for i in range(2000)}  # ~450 KB of custom data
    event = event_from(depth=5, breadcrumbs=crumbs(100, 2000), extra=extra)
    for vendor, item in render(event).items():
        body = over(item)
        assert len(frames_of(vendor, body)) == len(frames_of(vendor, item.payload)), vendor
        names = crumb_names(item.body)
        assert names, vendor
        assert names[-1] == "crumb-0099", vendor  # the newest are kept
        assert "crumb-0000" not in names, vendor
        assert b"[truncated]" in item.body, vendor
        assert b"key00000" in item.body, vendor
        assert message_of(vendor, body) == "card declined"


@pytest.mark.parametrize("max_bytes", [1024, 2048])
def test_step_6_a_tiny_cap_still_gets_class_message_and_innermost_frame(max_bytes: int) -> None:
    event = event_from(
        depth=60,
        message="declined " + "d" * 5000,
        breadcrumbs=crumbs(50),
        extra={"blob": "x" * 10_000},
    )
    for vendor, item in render(event, max_bytes).items():
        body = over(item, max_bytes)
        assert message_of(vendor, body).startswith("declined"), vendor
        assert b"ValueError" in item.body, vendor
        frames = frames_of(vendor, body)
        innermost = frames[-1] if vendor == "rollbar" else frames[0]
        assert innermost.get("method", innermost.get("methodName")) == "recurse", vendor


@pytest.mark.parametrize("max_bytes", [1024, 3000, 10 * KIB, 50 * KIB, 128 * KIB])
@pytest.mark.parametrize(
    "make",
    [
        lambda: event_from(depth=240, message="x" * 1_000_000),
        lambda: event_from(extra={str(i): {"n": list(range(50))} for i in range(5000)}),
        lambda: event_from(breadcrumbs=crumbs(100, 20_000)),
        lambda: event_from(
            request=Request(
                url="https://x.test/?" + "q=1&" * 100_000,
                method="GET",
                headers={"X-Big": "h" * 500_000},
            )
        ),
        lambda: event_from(extra={"deep": json.loads("[" * 60 + "1" + "]" * 60)}),
    ],
    ids=["deep-stack-long-message", "wide-extra", "fat-breadcrumbs", "huge-request", "nested"],
)
def test_every_payload_fits_its_cap_and_stays_valid(
    max_bytes: int, make: Callable[[], Event]
) -> None:
    render(make(), max_bytes)


def test_a_vendor_hook_that_adds_data_is_capped_too() -> None:
    def grow(payload: Dict[str, Any]) -> Dict[str, Any]:
        payload["added_by_hook"] = {"blob": "b" * 500_000, "numbers": list(range(50_000))}
        return payload

    client = init_unreachable(before_send=grow)
    for item in client.renderer.render(event_from(message="kept message")):
        assert len(item.body) <= 128 * KIB
        body = over(item)
        assert_valid(item.vendor_name, body)
        assert message_of(item.vendor_name, body) == "kept message"


def test_the_smallest_cap_the_transport_asks_for_is_met_even_with_long_context() -> None:
    request = Request(url="https://x.test/" + "segment/" * 500, method="GET")
    event = event_from(
        depth=50,
        message="m" * 5000,
        request=request,
        fingerprint="f" * 2000,
        breadcrumbs=crumbs(30),
    )
    event.context = "GET /" + "segment/" * 500
    for vendor, item in render(event).items():
        body = cap(VENDOR_MODULES[vendor], item.payload, 1024)  # MIN_SHRINK_BYTES of the transport
        assert len(body) <= 1024, vendor
        assert_valid(vendor, json.loads(body), 1024)
