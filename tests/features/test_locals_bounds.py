"""include_locals is bounded: frames per report, variables per frame, characters per value;
and the size cap cuts frame variables before anything else (the bytes at the receiver)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import errorwire
from errorwire.core.frame_variables import MAX_FRAMES, MAX_VARIABLES
from errorwire.core.safe_repr import REPR_MAX
from tests.receiver import Receiver
from tests.reports import VENDORS, start


def recurse(depth: int, filler: str, width: int) -> None:
    """``depth`` frames deep, each with ``width`` locals of ``filler`` text, then a failure."""
    nested(width)(depth, filler)


def nested(width: int) -> Any:
    """A recursive function with ``width`` locals, compiled as code of this file (so its
    frames are in the project)."""
    source = "def level(depth, filler):\n"
    source += "".join(f"    v{i:02d} = filler + '{i}'\n" for i in range(width))
    source += "    if depth <= 1:\n        raise LookupError('bottom reached')\n"
    source += "    level(depth - 1, filler)\n"
    namespace: Dict[str, Any] = {}
    exec(compile(source, __file__, "exec"), namespace)
    return namespace["level"]


def many_locals() -> None:
    source = "def wide():\n"
    source += "".join(f"    local_{i:03d} = {i}\n" for i in range(100))
    source += "    raise KeyError('wide')\n"
    namespace: Dict[str, Any] = {}
    exec(compile(source, __file__, "exec"), namespace)
    namespace["wide"]()


def capture(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:
        assert errorwire.capture_exception(exc) is not None


def rollbar_frames(payload: Dict[str, Any]) -> List[Dict[str, Any]]:
    return list(payload["data"]["body"]["trace"]["frames"])


def test_at_most_max_frames_per_report_the_innermost(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors, include_locals=True)
    capture(recurse, 25, "f", 1)
    reports.one()
    frames = rollbar_frames(receiver.by_vendor("rollbar")[0].json())
    with_locals = [i for i, f in enumerate(frames) if "locals" in f or "args" in f]
    assert len(with_locals) == MAX_FRAMES
    assert with_locals == list(range(len(frames) - MAX_FRAMES, len(frames)))
    assert [frames[i]["args"][0] for i in with_locals] == [str(n) for n in range(10, 0, -1)]
    tab = receiver.by_vendor("bugsnag")[0].json()["events"][0]["metaData"]["locals"]
    assert len(tab) == MAX_FRAMES


def test_at_most_max_variables_per_frame_and_256_characters_per_value(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors, include_locals=True)
    capture(many_locals)
    capture(recurse, 1, "z" * 2000, 1)
    reports.settle()
    wide, deep = receiver.by_vendor("rollbar")
    frame = rollbar_frames(wide.json())[-1]
    assert len(frame["locals"]) == MAX_VARIABLES + 1
    assert frame["locals"]["[truncated]"] == f"{100 - MAX_VARIABLES} more variables"
    assert frame["locals"]["local_000"] == "0"
    values = rollbar_frames(deep.json())[-1]
    assert len(values["args"][1]) == REPR_MAX and values["args"][1].endswith("…")
    assert all(len(v) <= REPR_MAX for v in values["locals"].values())


def payload_size(vendor: str, receiver: Receiver) -> int:
    return len(receiver.by_vendor(vendor)[0].body)


def test_the_cap_cuts_locals_first_and_keeps_what_fits(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    """~80 KB of locals over a 48 KB cap: everything else arrives whole (custom data,
    breadcrumbs), and the innermost frames' variables fill what is left."""
    for vendor in VENDORS:
        all_vendors[vendor].max_bytes = 48 * 1024
    extra = {"report": "r" * 8000, "items": list(range(500))}
    reports = start(receiver, all_vendors, include_locals=True, extra=extra)
    for n in range(20):
        errorwire.add_breadcrumb(f"step {n}", data={"n": n})
    capture(recurse, 10, "w" * 240, 30)
    reports.one()
    for item in receiver.received:
        assert len(item.body) <= 48 * 1024
        assert b"step 19" in item.body and b"step 0" in item.body
        assert b"r" * 8000 in item.body  # custom data whole
        assert b"[truncated]" not in item.body and b"more chars]" not in item.body  # no cut
    rollbar = receiver.by_vendor("rollbar")[0].json()
    frames = rollbar_frames(rollbar)
    kept = [i for i, f in enumerate(frames) if "locals" in f]
    assert 0 < len(kept) < MAX_FRAMES
    assert kept == list(range(len(frames) - len(kept), len(frames)))  # the innermost
    assert rollbar["data"]["custom"]["items"] == list(range(500))
    assert all("context" in f for f in frames if f.get("code"))  # source context kept
    for vendor in ("bugsnag", "raygun"):
        payload = receiver.by_vendor(vendor)[0].json()
        tab = (
            payload["events"][0]["metaData"]["locals"]
            if vendor == "bugsnag"
            else payload["details"]["userCustomData"]["locals"]
        )
        assert 0 < len(tab) < MAX_FRAMES, vendor


def test_without_room_for_the_rest_no_locals_are_left(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    for vendor in VENDORS:
        all_vendors[vendor].max_bytes = 8 * 1024
    reports = start(receiver, all_vendors, include_locals=True, extra={"blob": "b" * 20000})
    capture(recurse, 10, "w" * 240, 30)
    reports.one()
    for item in receiver.received:
        assert len(item.body) <= 8 * 1024
        text = json.dumps(item.json())
        assert "www" not in text  # no variable left
