"""Storm control: a grouping key past storm_limit per minute is counted and summarized."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

import errorwire
from errorwire.core.event import Event
from errorwire.core.storm import SUMMARY_TAG, StormControl
from tests.features.feature_payloads import by_vendor, custom, group
from tests.receiver import Receiver
from tests.schemas import assert_valid


def fail_the_same_way(number: int) -> None:
    try:
        raise ConnectionError(f"database unreachable (attempt {number})")
    except ConnectionError as exc:
        errorwire.capture_exception(exc)


def fail_from_threads(thread_count: int, each: int) -> None:
    """``thread_count`` threads, released together, each failing ``each`` times."""
    barrier = threading.Barrier(thread_count)

    def storm(offset: int) -> None:
        barrier.wait()
        for number in range(each):
            fail_the_same_way(offset + number)

    threads = [threading.Thread(target=storm, args=(i * each,)) for i in range(thread_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def test_storm_of_10000_identical_errors_sends_the_limit_plus_one_summary(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    client = start()  # storm_limit defaults to 60 a minute
    for number in range(10_000):
        fail_the_same_way(number)
    assert errorwire.flush(timeout=30)

    got = by_vendor(receiver.wait_for(3 * 61))
    for vendor, items in got.items():
        assert len(items) == 61, vendor  # nothing more arrives: flush() returned True
        summaries = [i for i in items if "errorwire_storm" in custom(i)]
        assert len(summaries) == 1, vendor
        assert_valid(vendor, summaries[0].json())
        assert custom(summaries[0])["errorwire_storm"]["suppressed"] == 10_000 - 60
        assert custom(summaries[0])["errorwire_storm"]["limit"] == 60
        assert len({group(i) for i in items}) == 1, vendor  # filed under the same item
    counters = client.stats()["client"]
    assert counters["storm_suppressed"] == 10_000 - 60
    assert counters["storm_summaries"] == 1


def test_a_storm_from_eight_threads_counts_every_report(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    """Suppression is lock-free (threads queued behind a lock in a storm): no report may
    go uncounted when eight threads report the same error at once."""
    client = start()
    fail_from_threads(8, 2_000)
    assert errorwire.flush(timeout=30)

    got = by_vendor(receiver.wait_for(3 * 61))
    for vendor, items in got.items():
        assert len(items) == 61, vendor
        summaries = [custom(i)["errorwire_storm"] for i in items if "errorwire_storm" in custom(i)]
        assert [s["suppressed"] for s in summaries] == [16_000 - 60], vendor
    assert client.stats()["client"]["storm_suppressed"] == 16_000 - 60
    assert client.stats()["client"]["storm_suppressed"] == 16_000 - 60  # reading takes none


def test_storm_of_one_key_does_not_hold_back_others(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    start(storm_limit=5)
    for number in range(50):
        fail_the_same_way(number)
    errorwire.capture_message("a different problem", level="error")
    assert errorwire.flush(timeout=30)

    raygun = [i for i in receiver.wait_for(3 * 7) if i.vendor == "raygun"]
    assert len(raygun) == 7
    messages = [i for i in raygun if i.json()["details"]["error"]["className"] == "LogMessage"]
    assert len(messages) == 1


def test_storm_limit_counts_per_fingerprint(start: Callable[..., Any], receiver: Receiver) -> None:
    start(storm_limit=3)
    for tenant in ("acme", "globex"):
        for _ in range(10):
            try:
                raise TimeoutError("upstream slow")
            except TimeoutError as exc:
                errorwire.capture_exception(exc, fingerprint=f"slow-{tenant}")
    assert errorwire.flush(timeout=30)

    raygun = [i for i in receiver.wait_for(3 * 8) if i.vendor == "raygun"]
    per_group: Dict[str, int] = {}
    for item in raygun:
        per_group[str(group(item))] = per_group.get(str(group(item)), 0) + 1
    assert per_group == {"slow-acme": 4, "slow-globex": 4}


def test_concurrent_storm_from_many_threads_stays_within_the_limit(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    client = start(storm_limit=20)
    fail_from_threads(8, 250)
    assert errorwire.flush(timeout=30)

    receiver.wait_for(3 * 21)
    got = by_vendor(list(receiver.received))
    assert [len(got[v]) for v in ("rollbar", "raygun", "bugsnag")] == [21, 21, 21]
    assert client.stats()["client"]["storm_suppressed"] == 2000 - 20


# -- the window itself, on a clock the test moves -----------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def event(key: str) -> Event:
    return Event(message="m", grouping_key=key)


def test_window_end_sends_the_summary_and_opens_a_new_window() -> None:
    clock, sent = Clock(), []
    storm = StormControl(2, sent.append, clock=clock, use_timer=False)
    admitted = [storm.admit(event("k")) for _ in range(5)]
    assert admitted == [True, True, False, False, False]
    assert sent == []

    clock.now += 60.0
    assert storm.admit(event("k")) is True  # a new minute: sent again
    assert len(sent) == 1
    assert sent[0].extra["errorwire_storm"]["suppressed"] == 3
    assert SUMMARY_TAG in sent[0].tags


def test_due_summary_goes_out_on_a_capture_of_another_key() -> None:
    clock, sent = Clock(), []
    storm = StormControl(1, sent.append, clock=clock, use_timer=False)
    storm.admit(event("a"))
    storm.admit(event("a"))
    clock.now += 61.0
    assert storm.admit(event("b")) is True
    assert [e.grouping_key for e in sent] == ["a"]


def test_no_summary_without_suppression_and_flush_sends_pending_ones() -> None:
    clock, sent = Clock(), []
    storm = StormControl(3, sent.append, clock=clock, use_timer=False)
    for _ in range(3):
        storm.admit(event("quiet"))
    storm.admit(event("loud"))
    storm.admit(event("loud"))
    storm.admit(event("loud"))
    storm.admit(event("loud"))
    clock.now += 120.0
    storm.flush()
    assert [e.grouping_key for e in sent] == ["loud"]
    storm.flush()
    assert len(sent) == 1  # sent once only


def test_timer_sends_the_summary_when_the_storm_stops() -> None:
    sent: List[Event] = []
    arrived = threading.Event()

    def send(summary: Event) -> None:
        sent.append(summary)
        arrived.set()

    storm = StormControl(1, send, window=0.05)
    storm.admit(event("k"))
    storm.admit(event("k"))
    assert arrived.wait(10)  # no further capture, no flush: the timer sent it
    assert sent[0].extra["errorwire_storm"]["suppressed"] == 1
    storm.close()


def test_summary_at_close_so_nothing_is_lost_at_exit(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    client = start(storm_limit=2)
    for number in range(5):
        fail_the_same_way(number)
    client.close(timeout=5)

    raygun = [i for i in receiver.wait_for(9) if i.vendor == "raygun"]
    assert len(raygun) == 3
    storms = [custom(i)["errorwire_storm"] for i in raygun if "errorwire_storm" in custom(i)]
    assert [storm["suppressed"] for storm in storms] == [3]


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=5),
    steps=st.lists(
        st.tuples(st.sampled_from("abc"), st.floats(min_value=0, max_value=40)), max_size=80
    ),
)
def test_every_report_is_sent_or_counted_in_exactly_one_summary(
    limit: int, steps: List[Tuple[str, float]]
) -> None:
    clock, sent = Clock(), []
    storm = StormControl(limit, sent.append, clock=clock, use_timer=False)
    admitted: Dict[str, List[float]] = {}
    suppressed = 0
    for key, wait in steps:
        clock.now += wait
        if storm.admit(event(key)):
            admitted.setdefault(key, []).append(clock.now)
        else:
            suppressed += 1
    storm.close()

    summarized = sum(e.extra["errorwire_storm"]["suppressed"] for e in sent)
    assert summarized == suppressed
    assert sum(map(len, admitted.values())) + suppressed == len(steps)
    for times in admitted.values():
        # Windows are fixed, each opened by a report that is sent: at most limit per window.
        window_start, in_window = times[0], 0
        for at in times:
            if at - window_start >= 60.0:
                window_start, in_window = at, 0
            in_window += 1
            assert in_window <= limit


def test_storm_of_log_records_with_varying_values_is_one_storm(
    start: Callable[..., Any], receiver: Receiver, app_logging: Any
) -> None:
    start(storm_limit=10)
    for order in range(2_000):
        app_logging.error("order %s could not be shipped", order)
    assert errorwire.flush(timeout=30)

    receiver.wait_for(3 * 11)
    got = by_vendor(list(receiver.received))
    assert [len(got[v]) for v in ("rollbar", "raygun", "bugsnag")] == [11, 11, 11]
    (summary,) = [i for i in got["rollbar"] if "errorwire_storm" in custom(i)]
    assert custom(summary)["errorwire_storm"]["suppressed"] == 2_000 - 10


def test_storm_past_its_first_suppressed_report_builds_no_more_events(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    """Once a key is known to be in a storm, a report of it is only counted: the
    request is not even read (the shortcut that keeps error storms cheap)."""
    from errorwire.core.context import request_scope

    client = start(storm_limit=10)
    reads = []
    with request_scope("test", lambda: reads.append(1)):  # type: ignore[arg-type,func-returns-value]
        for number in range(500):
            fail_the_same_way(number)
    assert errorwire.flush(timeout=30)
    assert len(reads) == 11  # 10 sent + the one kept for the summary
    assert client.stats()["client"]["storm_suppressed"] == 490
    summaries = [i for i in receiver.wait_for(3 * 11) if "errorwire_storm" in custom(i)]
    assert [custom(s)["errorwire_storm"]["suppressed"] for s in summaries] == [490] * 3
