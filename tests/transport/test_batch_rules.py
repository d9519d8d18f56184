"""Which waiting reports join one Bugsnag notify (transport/batch.py), without threads or
sockets: the joined payload is the reports' events in order under one envelope, and
what must go alone does."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict, List, Optional

import errorwire
from errorwire.core.render import EVENT_ID_HEADER
from errorwire.transport import batch
from errorwire.transport.delivery import AGAIN, DONE, EXHAUSTED, SPLIT, Delivery, Lane
from errorwire.transport.schedule import Health
from errorwire.vendors.base import Outgoing, to_json

SETTINGS = errorwire.Bugsnag(api_key="k", endpoint="http://127.0.0.1:9/notify")


def report(index: int, settings: Any = SETTINGS, size: int = 10) -> Delivery:
    payload: Dict[str, Any] = {
        "apiKey": "k",
        "payloadVersion": "4",
        "notifier": {"name": "errorwire", "version": "1", "url": "u"},
        "events": [{"exceptions": [{"message": f"report {index}", "pad": "x" * size}]}],
    }
    item = Outgoing(
        vendor=settings,
        payload=payload,
        body=to_json(payload),
        headers={EVENT_ID_HEADER: f"id{index}"},
        event_id=f"id{index}",
    )
    return Delivery(item)


def lane_with(deliveries: List[Delivery], vendor: str = "bugsnag") -> Lane:
    lane = Lane(vendor, Health())
    lane.backlog.extend(deliveries)
    return lane


def take(lane: Lane) -> List[Delivery]:
    head = lane.backlog.popleft()
    return [head, *batch.take_riders(lane, head)]


def test_a_backlog_is_joined_in_order_into_one_valid_envelope() -> None:
    lane = lane_with([report(i) for i in range(12)])
    taken = take(lane)
    assert len(taken) == 12 and not lane.backlog
    joined = batch.joined(taken[0], taken[1:])
    payload = json.loads(joined.body)
    assert [e["exceptions"][0]["message"] for e in payload["events"]] == [
        f"report {i}" for i in range(12)
    ]
    assert {k: v for k, v in payload.items() if k != "events"} == {
        k: v for k, v in taken[0].item.payload.items() if k != "events"
    }
    assert joined.headers[EVENT_ID_HEADER] == ",".join(f"id{i}" for i in range(12))


def test_a_short_backlog_goes_one_report_per_notify() -> None:
    lane = lane_with([report(i) for i in range(batch.MIN_BACKLOG)])
    assert len(take(lane)) == 1  # the head, with fewer than MIN_BACKLOG behind it


def test_other_vendors_are_never_joined() -> None:
    assert len(take(lane_with([report(i) for i in range(20)], vendor="raygun"))) == 1


def test_at_most_max_batch_and_max_bytes_per_notify() -> None:
    lane = lane_with([report(i) for i in range(100)])
    assert len(take(lane)) == batch.MAX_BATCH
    small = replace(SETTINGS, max_bytes=4096)
    lane = lane_with([report(i, small, size=900) for i in range(20)])
    taken = take(lane)
    assert 1 < len(taken) < 20
    assert len(batch.joined(taken[0], taken[1:]).body) <= 4096


def test_retries_hooks_other_settings_and_spooled_reports_end_the_batch() -> None:
    other = replace(SETTINGS, api_key="other")
    hooked = replace(SETTINGS, before_send=lambda payload: payload)
    cases: List[Optional[Delivery]] = [
        replace(report(9), retrying=True),
        replace(report(9), from_spool=True),
        replace(report(9), shrinks=1),
        report(9, other),
        report(9, hooked),
    ]
    for odd in cases:
        assert odd is not None
        lane = lane_with([report(i) for i in range(9)] + [odd] + [report(i) for i in range(10)])
        assert len(take(lane)) == 9, odd
        assert lane.backlog[0] is odd


def test_after_a_split_the_next_attempts_go_alone() -> None:
    lane = lane_with([report(i) for i in range(20)])
    lane.singles = 2
    assert [len(take(lane)) for _ in range(3)] == [1, 1, 18]


def test_outcomes_per_report() -> None:
    head, riders = report(0), [report(1), report(2)]
    sent, singles = batch.outcomes(head, riders, DONE)
    assert [o for _, o in sent] == [DONE, DONE, DONE] and singles == 0
    split, singles = batch.outcomes(head, riders, SPLIT)
    assert [o for _, o in split] == [AGAIN, AGAIN, AGAIN] and singles == 3
    failed, _ = batch.outcomes(head, riders, EXHAUSTED)
    assert [o for _, o in failed] == [EXHAUSTED, AGAIN, AGAIN]
    again, over = batch.back_in_line(failed, stopping=False)
    assert again == riders and over == [(head, EXHAUSTED)]
