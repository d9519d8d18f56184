"""errorwire's own costs, measured inside the errorwire subject process.

capture_breakdown: per step of one capture (build event, scrub, encode per vendor,
cap), median microseconds. delivery_throughput: reports/s delivered to the sink.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Dict, List

from apps import fail

import errorwire
from errorwire.core.scrub import scrub_event
from errorwire.core.stacktrace import add_source_context, extract_chain, grouping_key
from errorwire.vendors import VENDORS
from errorwire.vendors.cap import cap


def _median_us(step: Callable[[], Any], n: int) -> float:
    samples: List[int] = []
    clock = time.perf_counter_ns
    for _ in range(n):
        start = clock()
        step()
        samples.append(clock() - start)
    return statistics.median(samples) / 1000


def _exception() -> BaseException:
    try:
        fail()
    except ValueError as exc:
        return exc
    raise AssertionError("fail() did not raise")


def capture_breakdown(n: int) -> Dict[str, float]:
    client = errorwire.get_client()
    assert client is not None, "the errorwire subject initialises errorwire"
    exc = _exception()
    root = client.project_root

    def build() -> Any:
        event = client._new_event("error", None, None)
        event.exceptions = extract_chain(exc, root)
        event.grouping_key = grouping_key(event.exceptions)
        return event

    event = build()
    for info in event.exceptions:
        add_source_context(info.frames)
    result = {"build_event_us": _median_us(build, n)}
    fresh = iter([extract_chain(exc, root) for _ in range(n)])  # copies made untimed
    result["source_context_us"] = _median_us(
        lambda: [add_source_context(info.frames) for info in next(fresh)], n
    )
    result["scrub_us"] = _median_us(lambda: scrub_event(event, client.options), n)
    for vendor in client.options.vendors:
        module = VENDORS[vendor.name]
        payload = module.encode(event, vendor)
        result[f"encode_{vendor.name}_us"] = _median_us(
            lambda m=module, v=vendor: m.encode(event, v), n
        )
        result[f"cap_{vendor.name}_us"] = _median_us(
            lambda v=vendor, p=payload: cap(VENDORS[v.name], p, v.max_bytes), n
        )
    return result


def delivery_throughput(n: int) -> Dict[str, float]:
    """``n`` captures queued at once, then delivered to all three vendors of the sink."""
    exc_list = [_exception() for _ in range(n)]
    start = time.perf_counter()
    cpu_start = time.process_time()  # every thread's: the capture and the worker's rendering
    for index, exc in enumerate(exc_list):
        errorwire.capture_exception(exc, fingerprint=f"delivery-{index}")
    flushed = errorwire.flush(120.0)
    cpu = time.process_time() - cpu_start
    elapsed = time.perf_counter() - start
    client = errorwire.get_client()
    vendors = len(client.options.vendors) if client else 0
    return {
        "reports_per_s": n / elapsed,
        "posts_per_s": n * vendors / elapsed,
        "cpu_us_per_report_and_vendor": cpu * 1e6 / (n * vendors) if vendors else 0.0,
        "cpu_us_per_report": cpu * 1e6 / n,
        "flushed": float(flushed),
    }
