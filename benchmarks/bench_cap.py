"""Time to cap a ~10 MB event to 128 KiB, per vendor (median of several runs; target < 50 ms).

    python benchmarks/bench_cap.py [--runs N]

The event is built from real exceptions (three chained, 250 frames each, with source
context) and a request, custom data and breadcrumbs large enough that each vendor's
encoded payload is about 10 MB. Only ``cap()`` is timed: the payload is encoded once
by the real pipeline (scrub -> encode), then capped again and again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import errorwire
from errorwire.core.event import Breadcrumb, Event, Request
from errorwire.core.stacktrace import extract_chain
from errorwire.vendors import VENDORS
from errorwire.vendors.base import to_json
from errorwire.vendors.cap import cap

MAX_BYTES = 128 * 1024
TARGET_MS = 50.0


def _recurse(depth: int, message: str) -> None:
    if depth <= 0:
        raise ValueError(message)
    _recurse(depth - 1, message)


def _chain() -> BaseException:
    try:
        try:
            try:
                _recurse(300, "database said no " + "d" * 1_000_000)
            except ValueError as first:
                raise KeyError("lookup failed " + "k" * 100_000) from first
        except KeyError as second:
            _recurse(300, "checkout failed")  # raised while handling: a context link
            raise AssertionError("unreachable") from second
    except ValueError as exc:
        return exc
    raise AssertionError("unreachable")


def build_event() -> Event:
    items = [
        {"sku": f"SKU-{i:06d}", "qty": i % 7, "price": i * 1.25, "tags": ["a", "b"]}
        for i in range(40_000)
    ]
    request = Request(
        url="https://shop.example/checkout?" + "&".join(f"p{i}=v{i}" for i in range(2_000)),
        method="POST",
        headers={f"X-Header-{i}": "h" * 200 for i in range(500)},
        query={f"p{i}": f"v{i}" for i in range(2_000)},
        json={"order": {"items": items, "note": "n" * 500_000}},
        has_json=True,
        body=b'{"order": ' + b"x" * 10_000,
        content_type="application/json",
    )
    extra: Dict[str, Any] = {f"key{i:05d}": {"value": "v" * 60, "n": i} for i in range(40_000)}
    crumbs = [
        Breadcrumb(f"step {i}", category="app", data={"payload": "p" * 25_000, "i": i})
        for i in range(100)
    ]
    return Event(
        exceptions=extract_chain(_chain(), None),
        request=request,
        extra=extra,
        breadcrumbs=crumbs,
    )


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    # scrub=False: the payload keeps its full size, as an event with no secrets would.
    client = errorwire.init(
        sync=True,
        scrub=False,
        rollbar=errorwire.Rollbar(access_token="bench", endpoint="http://127.0.0.1:9/api/1/item/"),
        raygun=errorwire.Raygun(api_key="bench", endpoint="http://127.0.0.1:9/entries"),
        bugsnag=errorwire.Bugsnag(api_key="bench", endpoint="http://127.0.0.1:9/"),
    )
    rendered = client.renderer.render(build_event())
    client.close(timeout=0.1)
    if len(rendered) != 3:
        print("encoding failed: see the errorwire log above", file=sys.stderr)
        return 1
    print(f"cap() to {MAX_BYTES // 1024} KiB, {args.runs} runs each, target < {TARGET_MS:.0f} ms")
    print(
        f"{'vendor':<9}{'payload MB':>11}{'capped KB':>11}{'median ms':>11}"
        f"{'min ms':>9}{'max ms':>9}  verdict"
    )
    worst = 0.0
    for item in rendered:
        size = len(to_json(item.payload))
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            body = cap(VENDORS[item.vendor_name], item.payload, MAX_BYTES)
            times.append((time.perf_counter() - start) * 1000)
        median = statistics.median(times)
        worst = max(worst, median)
        verdict = "ok" if median < TARGET_MS else "OVER TARGET"
        print(
            f"{item.vendor_name:<9}{size / 1e6:>11.1f}{len(body) / 1024:>11.1f}{median:>11.1f}"
            f"{min(times):>9.1f}{max(times):>9.1f}  {verdict}"
        )
    print(f"worst median: {worst:.1f} ms ({'within' if worst < TARGET_MS else 'over'} target)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
