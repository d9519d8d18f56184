"""The lane scheduler on a fake clock: backoff, Retry-After, the circuit, who sends next."""

from __future__ import annotations

from typing import List, Tuple

from errorwire.core.config import Options
from errorwire.transport import policy
from errorwire.transport.schedule import TIMEOUTS_TO_OPEN, Scheduler


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def doubling(failures: int, base: float, ceiling: float) -> float:
    """policy.backoff without its jitter."""
    return min(ceiling, base * 2.0 ** (failures - 1))


def scheduler(**settings: float) -> Tuple[Scheduler, FakeClock]:
    options = Options()
    options.retry_backoff, options.retry_backoff_max = 1.0, 8.0
    options.circuit_failures, options.circuit_cooldown = 5, 30.0
    for name, value in settings.items():
        setattr(options, name, value)
    clock = FakeClock()
    return Scheduler(options, clock=clock, backoff=doubling), clock


def test_failures_back_off_exponentially_up_to_the_ceiling() -> None:
    lanes, clock = scheduler(circuit_failures=50)
    delays: List[float] = []
    for _ in range(6):
        delay, opening = lanes.failed("rollbar", timeout=False)
        assert not opening
        assert lanes.wait("rollbar") == delay
        delays.append(delay)
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    clock.now += 8.0
    assert lanes.wait("rollbar") <= 0
    assert lanes.wait("raygun") <= 0  # another vendor was never held up


def test_the_circuit_opens_after_circuit_failures_and_pauses_for_the_cooldown() -> None:
    lanes, clock = scheduler()
    for _ in range(4):
        assert lanes.failed("raygun", timeout=False)[1] is False
    delay, opening = lanes.failed("raygun", timeout=False)
    assert opening and delay == 30.0
    assert lanes.health("raygun").circuit == "open"
    clock.now += 29.9
    assert lanes.pick(["raygun"]) == (None, lanes.wait("raygun"))
    clock.now += 0.1
    assert lanes.pick(["raygun"]) == ("raygun", None)
    assert lanes.failed("raygun", timeout=False) == (30.0, False)  # the probe failed: still open
    assert lanes.answered("raygun") is True  # resumed
    assert lanes.health("raygun").circuit == "closed"
    assert lanes.failed("raygun", timeout=False) == (1.0, False)  # counting starts afresh


def test_timeouts_in_a_row_open_the_circuit_sooner() -> None:
    lanes, _ = scheduler()
    openings = [lanes.failed("bugsnag", timeout=True)[1] for _ in range(TIMEOUTS_TO_OPEN)]
    assert openings == [False] * (TIMEOUTS_TO_OPEN - 1) + [True]
    lanes2, _ = scheduler()
    lanes2.failed("bugsnag", timeout=True)
    lanes2.failed("bugsnag", timeout=False)  # not in a row
    assert lanes2.health("bugsnag").circuit == "closed"


def test_retry_after_is_waited_exactly_and_a_bare_429_backs_off() -> None:
    lanes, clock = scheduler()
    assert lanes.rate_limited("rollbar", 42.0) == (42.0, "Retry-After")
    assert lanes.wait("rollbar") == 42.0
    clock.now += 42.0
    assert lanes.rate_limited("rollbar", None) == (1.0, "backoff")
    assert lanes.rate_limited("rollbar", None) == (2.0, "backoff")
    assert lanes.health("rollbar").circuit == "closed"  # rate limits never open it
    assert lanes.answered("rollbar") is False
    assert lanes.rate_limited("rollbar", None) == (1.0, "backoff")


def test_pick_sends_the_vendor_due_longest_first_and_says_how_long_to_wait() -> None:
    lanes, clock = scheduler()
    assert lanes.pick([]) == (None, None)
    lanes.rate_limited("rollbar", 5.0)
    lanes.rate_limited("raygun", 3.0)
    assert lanes.pick(["rollbar", "raygun"]) == (None, 3.0)
    clock.now += 6.0
    assert lanes.pick(["rollbar", "raygun"]) == ("raygun", None)
    assert lanes.pick(["bugsnag", "rollbar"]) == ("bugsnag", None)  # never held back
    lanes.again_now("rollbar")
    assert lanes.pick(["rollbar", "raygun"]) == ("raygun", None)


def test_the_real_backoff_keeps_half_fixed_and_half_jitter() -> None:
    for failures in range(1, 8):
        delay = policy.backoff(failures, 1.0, 8.0)
        full = min(8.0, 2.0 ** (failures - 1))
        assert full / 2 <= delay <= full
