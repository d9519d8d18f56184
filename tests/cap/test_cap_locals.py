"""The cap's first step: frame variables (include_locals) go before anything else, the
payload given is never changed, and every result stays valid for its vendor."""

# ruff: noqa: F841 - unused locals are what frame variables must show

from __future__ import annotations

import copy
import json
import os
from typing import Any, Dict

import pytest

from errorwire.core.event import Event, Request
from errorwire.core.frame_variables import LocalsTaker
from errorwire.core.stacktrace import extract_chain
from errorwire.vendors import VENDORS as VENDOR_MODULES
from errorwire.vendors.base import to_json
from errorwire.vendors.cap import cap
from tests.cap.test_cap_steps import KIB, VENDORS, render
from tests.schemas import assert_valid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def deep(depth: int) -> None:
    wide = ["w" * 300] * 20  # each value cut to 256 characters
    other = {"k": "v" * 300}
    more = "m" * 300
    if depth <= 0:
        raise ValueError("bottom")
    deep(depth - 1)


def event_with_locals(with_locals: bool = True, **fields: Any) -> Event:
    try:
        deep(9)
    except ValueError as exc:
        chain = extract_chain(exc, ROOT, take_locals=LocalsTaker() if with_locals else None)
        return Event(exceptions=chain, **fields)
    raise AssertionError("unreachable")


def has_locals(vendor: str, body: Dict[str, Any]) -> bool:
    text = json.dumps(body)
    return "wwww" in text


@pytest.mark.parametrize("vendor", VENDORS)
def test_locals_go_first_a_request_body_stays_whole(vendor: str) -> None:
    body = b"field=" + b"x" * 3000
    request = Request(
        url="http://shop.test/pay",
        method="POST",
        body=body,
        content_type="text/plain",
        headers={"Content-Type": "text/plain"},
    )
    fields: Dict[str, Any] = {"request": request, "extra": {"note": "n" * 2000}}
    whole = render(event_with_locals(**fields))[vendor]
    assert has_locals(vendor, json.loads(whole.body))
    rest = len(render(event_with_locals(False, **fields))[vendor].body)
    assert len(whole.body) > rest + 4 * KIB
    limit = rest + (len(whole.body) - rest) // 2  # the rest whole, half the locals
    text = json.dumps(json.loads(render(event_with_locals(**fields), limit)[vendor].body))
    assert "x" * 3000 in text and "n" * 2000 in text  # nothing else was cut
    assert "more chars]" not in text and "[truncated]" not in text
    assert has_locals(vendor, json.loads(text))  # some of them were put back


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_payload_given_is_never_changed_and_a_smaller_cap_cuts_further(vendor: str) -> None:
    item = render(event_with_locals(), 128 * KIB)[vendor]
    original = copy.deepcopy(item.payload)
    size = len(to_json(item.payload))
    for limit in (size - 1, size // 2, size // 4, 4 * KIB, 2 * KIB, KIB):
        body = cap(VENDOR_MODULES[vendor], item.payload, limit)
        assert len(body) <= limit
        assert_valid(vendor, json.loads(body), limit)
        assert item.payload == original
        if has_locals(vendor, json.loads(body)):  # then nothing else was cut
            assert b"more chars]" not in body and b"frames omitted]" not in body
    assert not has_locals(vendor, json.loads(cap(VENDOR_MODULES[vendor], item.payload, KIB)))
