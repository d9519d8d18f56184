"""``to_json`` with orjson (errorwire[orjson]) writes the bytes json writes, and without it
still encodes: the payloads of all three vendors and the odd values hooks may put in."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Iterator

import pytest

import errorwire
from errorwire.vendors import base
from tests.receiver import Receiver
from tests.schemas import assert_valid
from tests.transport.transport_helpers import capture

orjson = pytest.importorskip("orjson")


def json_bytes(payload: Any) -> bytes:
    return json.dumps(
        payload, separators=(",", ":"), ensure_ascii=False, default=str, allow_nan=False
    ).encode("utf-8")


@dataclass
class Point:
    x: int


class Key(str):
    pass


ODD: Dict[str, Any] = {
    "unicode": "ünï €  \u2028 😀",
    "control": 'tab\tnew\nline\x00\x1f\x7f quote" back\\',
    "numbers": [0, -1, 2**63 - 1, 1.5, 0.1, 123456.789, 1e16, -2.5e300, True, False, None],
    "small_floats": [1e-5, -0.00012, 1e-7, 2.5e-10, 5e-324],
    "non_str_keys": {1: "int", False: "bool", None: "none", 2.5: "float"},
    "str_subclass": Key("value"),
    "nested": {"a": [{"b": [[{"c": (1, 2)}]]}]},
    "datetime": datetime.datetime(2026, 12, 7, 6, 0, 1, 5000),
    "date": datetime.date(2026, 12, 7),
    "dataclass": Point(3),
    "object": ValueError("an exception"),
    "uuid": uuid.UUID(int=5),
    "decimal": decimal.Decimal("1.5"),
    "bytes": b"raw",
}


@pytest.fixture
def without_orjson(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(base, "_orjson", None)
    yield


def test_odd_values_encode_to_the_bytes_json_writes() -> None:
    for name, value in ODD.items():
        assert base.to_json({name: value}) == json_bytes({name: value}), name


def test_what_orjson_refuses_is_encoded_or_refused_as_json_does() -> None:
    big = {"big": 2**80}
    assert base.to_json(big) == json_bytes(big)
    deep: Any = "x"
    for _ in range(300):  # past orjson's depth limit, within json's
        deep = [deep]
    assert base.to_json({"deep": deep}) == json_bytes({"deep": deep})
    with pytest.raises(ValueError):  # a lone surrogate: UnicodeEncodeError, as json gives
        base.to_json({"surrogate": "\ud800"})


def test_vendor_payloads_are_the_same_bytes_either_way(
    receiver: Receiver, all_vendors: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    errorwire.init(**all_vendors)
    capture(2)
    assert errorwire.flush(10)
    assert len(receiver.received) == 6
    for received in receiver.received:
        payload = received.json()
        assert_valid(received.vendor, payload)
        assert base.to_json(payload) == received.body
        monkeypatch.setattr(base, "_orjson", None)
        assert base.to_json(payload) == received.body
        monkeypatch.undo()


def test_without_orjson_odd_values_still_encode(without_orjson: None) -> None:
    for name, value in ODD.items():
        assert base.to_json({name: value}) == json_bytes({name: value}), name


def test_the_quick_float_check_misses_no_float_the_pattern_finds() -> None:
    """Two substring searches stand before the pattern's scan: every body the pattern
    flags (a float orjson writes unlike json) must still be flagged, and text that only
    looks like one changes nothing in the bytes."""
    looks_like: Dict[str, Any] = {
        "e-text": "one-time re-try e-mail",
        "digit-e": "build 3e-4 of 12e-",
        "zeros": "version 0.00001 as text",
        "id": "4e-1f0e-",
        "first": ["e-", 1e-7],
        "mixed": {"1e-9": [0.5, "7e-", 2.5e-10, -0.00012]},
    }
    for name, value in looks_like.items():
        assert base.to_json({name: value}) == json_bytes({name: value}), name
    plain = {**looks_like, "numbers": ODD["numbers"], "small_floats": ODD["small_floats"]}
    bodies = [orjson.dumps({name: value}) for name, value in plain.items()]
    bodies += [b"e-", b"1e-", b"[1e-7]", b"x0.0000", b"", b'{"a":"x"}']
    for body in bodies:
        flagged = base._ORJSON_SMALL_FLOAT.search(body) is not None
        assert base._may_hold_small_float(body) or not flagged, body
