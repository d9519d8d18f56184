"""CPU per report sent to all three vendors: today's transport against main's, one run.

    python benchmarks/bench_transport.py [--before REV] [--n N] [--rounds R] [--write]

``--before`` (default: BASELINE, ``main`` before the transport rebuild) is checked out with ``git archive``
into a temporary folder; each round runs one fresh process per side, alternating, each
capturing N distinct errors at once and flushing them to the local sink
(benchmarks/sink.py, its own process). The figure is the process CPU (all threads:
capture, render, send) per report, the median over rounds, with each side's spread and
the paired ratios; ``--write`` records the line in RESULTS.md (``nox -s bench`` does).

Steady state: before its measured window each child, before and after alike, captures
and flushes WARM_UP (50) distinct errors of another type raised at another line, so
one-time costs (lazy imports, first-use compiles of patterns and dataclass methods,
the source cache, connecting to the sink) are not charged to the storm, as in an app
already running when it begins; ``--warm-up 0`` measures from a cold start.

A third side, "urlopen", is the working tree with each POST sent through urllib3's own
``HTTPConnectionPool.urlopen`` on the same per-vendor pool instead of transport/wire.py:
what the hand-framed POST is worth, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
SECTION = "## CPU per report, before and after (benchmarks/bench_transport.py)"
PATHS = {"rollbar": "/api/1/item/", "raygun": "/entries", "bugsnag": "/bugsnag/"}
NOTES = """\
"Before" is `main` before the transport rebuild of issue 22; "after" is the working tree:
a POST framed by hand in one write on urllib3's pooled keep-alive connection
(transport/wire.py; urllib3 still connects, does TLS and proxies; the read timeout set
once per connection), the cap's walk skipped for a payload far under its cap,
`sched_yield` instead of `sleep(0)`, queued events rendered in runs, a Bugsnag backlog of
8 or more reports joined into one notify of up to 32 (`events` is an array; each report
still settled, spooled and counted on its own; a 413 or refusal of a batch splits it),
and, with `errorwire[orjson]` installed (as here), JSON encoded by orjson (the bytes
`json` writes; the check for the floats where the two differ is two substring searches,
where a pattern's scan of every byte had cost several times orjson's encoding). Per
report, rendering no longer pays: an import statement per attempt (`VendorSettings.url`),
a copy of every string to find it is UTF-8-clean (ASCII is a flag), `strftime` for
timestamps, a `with` block per guarded field, and the scan of a stack's source lines for
secrets when the same lines were scanned before under the same key rules (256 kept).

Each child first captures and flushes 50 distinct errors (`--warm-up`, the same for both
sides): a storm meets an app already running. Cold (`--warm-up 0`) gives the same
figures within the rounds' spread: the one-time costs are small against 600 reports.

transport/wire.py is kept: the "urlopen" side (the same code with each POST through
urllib3's `HTTPConnectionPool.urlopen` on the same per-vendor pool) costs about twice the
CPU per report. Where the rest goes (py-spy, the worker holding the GIL): sending about
half (the kernel's send, receive and polls on each POST, urllib3's pool checkout and
dropped-connection check), rendering the other half (scrub once; each vendor's encoder
about a third of it; encode and cap); the capture in the failing request about 30 µs.
The VM is shared with other sessions: compare the ratios within a run."""
WARM_UP = 50
"""Distinct errors each child captures and flushes before its measured window."""
BASELINE = "3b17eb4881"
"""``main`` before the transport rebuild (issue 22): the "today's code" of its target."""


def use_urlopen() -> None:
    """Direct URLs sent with ``pool.urlopen`` (urllib3's full request and response path)."""
    from urllib.parse import urlsplit

    from errorwire.transport import http

    def post(
        self: http.HttpClient, url: str, body: bytes, headers: Mapping[str, str]
    ) -> http.Response:
        self._opener(url)
        pool = self._direct_urls[url][0]
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.urlopen_post(pool, target, body, headers)

    http.HttpClient.post = post  # type: ignore[method-assign]


def warm_up(errorwire: Any, count: int) -> None:
    """Capture and flush ``count`` distinct errors (raised elsewhere than the measured
    ones) before the measured window: lazy imports, first-use compiles, the source
    cache and the vendors' connections are then paid for, as in an app already running
    when a storm begins."""
    for index in range(count):
        try:
            raise LookupError(f"warm-up error {index}")
        except LookupError as exc:
            errorwire.capture_exception(exc)
    if count and not errorwire.flush(60):
        raise RuntimeError("the warm-up reports were not delivered")


def child(url: str, n: int, warm: int) -> None:
    import errorwire

    if os.environ.get("BENCH_URLOPEN"):
        use_urlopen()

    errorwire.init(
        rollbar=errorwire.Rollbar(access_token="t", endpoint=url + PATHS["rollbar"]),
        raygun=errorwire.Raygun(api_key="k", endpoint=url + PATHS["raygun"]),
        bugsnag=errorwire.Bugsnag(api_key="k", endpoint=url + PATHS["bugsnag"]),
        storm_limit=1_000_000,
        queue_size=max(1000, 2 * n),
    )
    warm_up(errorwire, warm)
    sent_before = errorwire.stats()["transport"]["sent"]
    errors = []
    for index in range(n):
        try:
            raise ValueError(f"distinct error {index}")
        except ValueError as exc:
            errors.append(exc)
    cpu = time.process_time()
    for exc in errors:
        errorwire.capture_exception(exc)
    flushed = errorwire.flush(120)
    spent = time.process_time() - cpu
    sent = errorwire.stats()["transport"]["sent"] - sent_before
    print(json.dumps({"cpu_us_per_report": spent * 1e6 / n, "sent": sent, "flushed": flushed}))


def run_side(path: str, url: str, n: int, warm: int, urlopen: bool = False) -> Dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", url, "--n", str(n)]
    out = subprocess.run(
        [*command, "--warm-up", str(warm)],
        env={
            **os.environ,
            "PYTHONPATH": path,
            "PYTHONHASHSEED": "0",
            "BENCH_URLOPEN": "1" if urlopen else "",
        },
        cwd=path,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: Dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["sent"] != 3 * n or not result["flushed"]:
        raise RuntimeError(f"not everything was delivered: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="")
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm-up", type=int, default=WARM_UP, help="errors sent before")
    parser.add_argument("--child", default="")
    parser.add_argument("--write", action="store_true", help="record it in RESULTS.md")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.warm_up)
        return
    before = args.before or BASELINE
    sink = subprocess.Popen(
        [sys.executable, str(HERE / "sink.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout is not None and sink.stdin is not None
        url = f"http://127.0.0.1:{sink.stdout.readline().strip()}"
        with tempfile.TemporaryDirectory() as old:
            archive = subprocess.run(
                ["git", "archive", before, "errorwire"], cwd=ROOT, capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", old], input=archive.stdout, check=True)
            samples: Dict[str, List[float]] = {"before": [], "after": [], "urlopen": []}
            sides = (("before", old, False), ("after", str(ROOT), False))
            sides += (("urlopen", str(ROOT), True),)
            for _ in range(args.rounds):
                for side, path, urlopen in sides:
                    result = run_side(path, url, args.n, args.warm_up, urlopen)
                    samples[side].append(result["cpu_us_per_report"])
    finally:
        if sink.stdin is not None:
            sink.stdin.close()  # the sink exits when its stdin closes, also after a failure
        sink.wait(timeout=10)
    medians = {side: statistics.median(values) for side, values in samples.items()}
    spread = {side: f"{min(values):.0f}-{max(values):.0f}" for side, values in samples.items()}
    ratios = [after / prior for prior, after in zip(samples["before"], samples["after"])]
    wire = [after / other for other, after in zip(samples["urlopen"], samples["after"])]
    line = (
        f"CPU per report to all three vendors ({args.n} distinct errors after a warm-up of "
        f"{args.warm_up}, median of {args.rounds} rounds): before ({before[:10]}) {medians['before']:.0f} µs "
        f"(rounds {spread['before']}), after (working tree) {medians['after']:.0f} µs "
        f"(rounds {spread['after']}); {medians['after'] / medians['before']:.2f}x "
        f"(paired ratios {min(ratios):.2f}-{max(ratios):.2f}). The working tree with "
        f"urllib3's urlopen in place of transport/wire.py: {medians['urlopen']:.0f} µs "
        f"(rounds {spread['urlopen']}); after with wire.py {medians['after'] / medians['urlopen']:.2f}x "
        f"of it (paired {min(wire):.2f}-{max(wire):.2f})"
    )
    print(line)
    if args.write:
        record(line)


def record(line: str) -> None:
    """Put ``line`` in RESULTS.md's own section (after what bench.py wrote, replacing the
    section of an earlier run)."""
    results = HERE / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    text = text.split(SECTION)[0].rstrip("\n")
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results.write_text(
        f"{text}\n\n{SECTION}\n\n{stamp}, {os.cpu_count()} cores: {line}\n\n{NOTES}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
