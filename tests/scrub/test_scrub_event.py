"""Scrubbing as a whole: it copies instead of mutating, fails closed, and obeys its options."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Mapping

import pytest

import errorwire
from errorwire.core.client import Client
from errorwire.core.event import Breadcrumb, Event, ExceptionInfo, Frame, Request
from errorwire.core.scrub import SCRUBBED_FIELDS
from errorwire.core.stacktrace import extract_chain
from tests.schemas import assert_valid

SECRET = "pl4nted-S3CRET-value"


def vendors() -> Dict[str, Any]:
    # render() encodes only: nothing is sent, the endpoints are never contacted.
    return {
        "rollbar": errorwire.Rollbar(access_token="t", endpoint="http://127.0.0.1:9/api/1/item/"),
        "raygun": errorwire.Raygun(api_key="k", endpoint="http://127.0.0.1:9/entries"),
        "bugsnag": errorwire.Bugsnag(api_key="b", endpoint="http://127.0.0.1:9/"),
    }


def render(event: Event, **options: Any) -> Dict[str, bytes]:
    client: Client = errorwire.init(sync=True, **vendors(), **options)
    bodies = {item.vendor_name: item.body for item in client.renderer.render(event)}
    for vendor, body in bodies.items():
        assert_valid(vendor, json.loads(body))
    return bodies


def failing_event(**fields: Any) -> Event:
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        return Event(exceptions=extract_chain(exc, None), **fields)


def test_the_apps_request_data_and_the_event_are_left_untouched() -> None:
    headers = {"Authorization": f"Bearer {SECRET}", "Accept": "text/html"}
    document = {"user": {"password": SECRET, "tags": ["a", {"token": SECRET}]}}
    request = Request(
        url=f"https://x.test/?token={SECRET}",
        method="POST",
        headers=headers,
        json=document,
        has_json=True,
        form={"pwd": [SECRET]},
        query={"api_key": SECRET},
        cookies={"sessionid": SECRET},
    )
    extra = {"nested": OrderedDict(secret=SECRET)}
    event = failing_event(
        request=request, extra=extra, breadcrumbs=[Breadcrumb("b", data={"auth": SECRET})]
    )
    before = copy.deepcopy(event)
    bodies = render(event)
    assert all(SECRET.encode() not in body for body in bodies.values())
    # (render itself adds source context to the frames: that is not scrubbing's doing)
    assert (event.request, event.extra, event.breadcrumbs, event.tags) == (
        before.request,
        before.extra,
        before.breadcrumbs,
        before.tags,
    )
    assert [e.message for e in event.exceptions] == [e.message for e in before.exceptions]
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert document["user"]["tags"][1] == {"token": SECRET}
    assert extra["nested"]["secret"] == SECRET


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


class ExplodingMapping(Mapping):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        raise RuntimeError("no items")

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("no items")

    def __len__(self) -> int:
        return 1


class LeakyRepr:
    """An object whose text holds a secret the scrubber can see only as text."""

    def __str__(self) -> str:
        return f"Config(password={SECRET!r}, region='eu')"


def test_values_that_cannot_be_read_are_dropped_not_sent() -> None:
    extra: Dict[str, Any] = {
        "broken": Unprintable(),
        "mapping": ExplodingMapping(),
        "config": LeakyRepr(),
        "order": "kept-123",
    }
    extra["self"] = extra  # a cycle
    bodies = render(failing_event(extra=extra))
    for vendor, body in bodies.items():
        assert SECRET.encode() not in body, vendor
        assert b"kept-123" in body, vendor
        assert b"[Filtered]" in body, vendor


def test_odd_values_are_made_json_safe() -> None:
    extra = {
        "nan": float("nan"),
        "bytes": b"\xff\xfe" + SECRET.encode(),
        "big": 10**5000,
        "surrogate": "a\udce9b",
        "set": {1, 2},
        7: "int key",
        (1, 2): "tuple key",
        "card_as_int": 4111111111111111,
    }
    bodies = render(failing_event(extra=extra, message=None))
    for body in bodies.values():
        assert b"4111111111111111" not in body
        json.loads(body)


def test_scrubbing_switched_off_sends_values_as_they_are() -> None:
    event = failing_event(extra={"password": SECRET})
    bodies = render(event, scrub=False)
    assert all(SECRET.encode() in body for body in bodies.values())


def test_added_keys_are_scrubbed_and_removed_ones_are_not() -> None:
    event = failing_event(extra={"card-pin": SECRET, "session": "visible-session-id"})
    bodies = render(event, scrub_keys=["pin"], unscrub_keys=["session"])
    for body in bodies.values():
        assert SECRET.encode() not in body
        assert b"visible-session-id" in body


def test_the_users_scrubber_runs_after_ours_on_a_scrubbed_event() -> None:
    seen: List[Any] = []

    def scrubber(event: Event) -> Event:
        seen.append(event.extra["password"])
        event.extra["internal_host"] = "[hidden by app]"
        return event

    event = failing_event(extra={"password": SECRET, "internal_host": "db-7.internal"})
    bodies = render(event, scrubber=scrubber)
    assert seen == ["[Filtered]"]
    for body in bodies.values():
        assert b"db-7.internal" not in body
        assert b"[hidden by app]" in body


@pytest.mark.allow_internal_errors
def test_a_failing_scrubber_drops_the_report_and_counts_it() -> None:
    def scrubber(event: Event) -> Event:
        raise RuntimeError("scrubber bug")

    client: Client = errorwire.init(sync=True, **vendors(), scrubber=scrubber)
    assert client.renderer.render(failing_event(extra={"password": SECRET})) == []
    assert client.stats()["client"]["dropped_scrub_failed"] == 1


SENT_AS_IS = {
    "Event": {
        "level",
        "handled",
        "severity_reason",
        "event_id",
        "timestamp",
        "environment",
        "code_version",
        "framework",
        "grouping_key",
        "fingerprint",
        "response_status",
        "person",
        "server",
        "logger_name",
        "trace",  # hex ids of the OpenTelemetry span
        "session",  # Bugsnag session: a uuid, a timestamp and two counts
        "request_copy",  # never encoded: built into request before scrubbing (render)
    },
    "Request": {"method", "has_json", "body_truncated", "content_type", "client_ip", "route"},
    "Breadcrumb": {"level", "type", "timestamp"},
    "ExceptionInfo": {
        "type_name",
        "frames",
        "module",
        "relation",
        "parent",
        "frames_omitted",
        "frame_entries",  # never encoded: made into frames before scrubbing (render)
        "frame_variables",  # never encoded: set on the frames before scrubbing (render)
        "template_frame",  # never encoded: put among the frames before scrubbing (render)
    },
    "Frame": {
        "filename",
        "abs_path",
        "lineno",
        "colno",
        "end_lineno",
        "end_colno",
        "function",
        "module",
        "in_project",
        "code_location",
    },
}


@pytest.mark.parametrize("cls", [Event, Request, Breadcrumb, ExceptionInfo, Frame])
def test_every_field_of_the_event_model_is_scrubbed_or_knowingly_sent(cls: type) -> None:
    """A field added to the model must be added to the scrubber or to this list."""
    fields = {f.name for f in dataclasses.fields(cls)}
    scrubbed = set(SCRUBBED_FIELDS[cls.__name__])
    assert fields == scrubbed | SENT_AS_IS[cls.__name__]
    assert not scrubbed & SENT_AS_IS[cls.__name__]
