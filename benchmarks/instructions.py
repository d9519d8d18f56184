"""CPU instructions per request under valgrind: a deterministic cost, for comparing changes.

On a shared VM the wall-clock ratios move by more than the 2% a change is about;
instruction counts do not. Each (framework, variant, path) runs twice under
``valgrind --tool=cachegrind`` with the same hash seed, ``SHORT`` and ``LONG``
requests after the same warm-up; the difference divided by ``LONG - SHORT`` is
the cost of one request, start-up cancelled out. Garbage collection is frozen
after the warm-up and errorwire's queue flushed into a local sink that accepts
everything (its worker renders and sends nothing inside the measured requests),
so the numbers are the request thread's own.
``/error`` comes after 300 failures of the same error: errorwire's storm control
counts it without building a report, the path of an error burst. ``floor`` is
what a middleware that only calls the app adds (benchmarks/apps.py): no
integration can add less. ``floor-ready`` is that middleware in a process where errorwire
is initialised and its integration imported: the same imports as errorwire's variant, so
the same types are looked up first. Which lookups hit CPython's method cache moves a
request's count by thousands of instructions with no change in its work (Django's
floor-ready measured 2,100 to 3,700 over its floor); "over ready floor" leaves that out.

    python benchmarks/instructions.py                  # every framework, /ok and /error
    python benchmarks/instructions.py flask --paths /ok

``--layouts K`` measures each variant in K memory layouts (``LAYOUT_PAD`` small blocks
allocated before anything is imported, a different count each): CPython's method cache
is indexed by the addresses of attribute names and by type version tags, so where the
imports put things moves a variant's count by ±1,500 (the floor alone, with no other
change, measured 393,300 to 395,750 per Django request across three paddings). The
table then gives the median, and the "over floor" spread across layouts.

Needs valgrind; not part of ``nox -s bench``. Instructions are not time (a cache
miss costs more than an add), but a change that removes instructions from the
request path removes time from it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List

LAYOUT_PAD = "ERRORWIRE_BENCH_LAYOUT"
"""How many small blocks the measured process allocates first (its memory layout)."""
_layout_padding: List[bytes] = []

HERE = Path(__file__).resolve().parent
SHORT, LONG, WARMUP = 100, 1600, 300
OVER_FLOOR_TARGET = 3000
"""Instructions errorwire may add per happy-path request beyond the floor variant's."""


class _Accepting(BaseHTTPRequestHandler):
    """A vendor that takes every report at once. An unreachable one kept the worker
    retrying (with backoff) through the measured requests, and its retries were
    counted as theirs, differently from run to run."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


def accepting_sink() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accepting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def run_requests(framework: str, variant: str, path: str, count: int) -> None:
    """The measured process: warm up, settle, then ``count`` requests."""
    # Blocks of every small size (33 to 512 bytes): pymalloc keeps one pool per size class,
    # so a padding of one size moved only the objects of that class.
    pad = int(os.environ.get(LAYOUT_PAD, "0"))
    _layout_padding.extend(bytes(index % 480) for index in range(pad))
    sys.path.insert(0, str(HERE))
    from apps import BUILDERS, ERRORWIRE, FLOOR_READY, setup_reporter
    from runner import asgi_call, wsgi_caller

    if variant in ERRORWIRE or variant == FLOOR_READY:
        # Sessions are counted per request as by default, but their delivery (a POST every
        # 30 s of wall time) is moved out of the measured requests, as report sending is:
        # under valgrind the longer run spans more of those POSTs, and each added ~700
        # instructions to every one of its requests, more or less from run to run.
        from errorwire.core import client

        client.SEND_INTERVAL = 24 * 3600.0
    setup_reporter(variant, framework, accepting_sink())
    app = BUILDERS[framework](variant)

    def settle() -> None:
        if variant == "errorwire":
            import errorwire

            if not errorwire.flush(30.0):
                raise RuntimeError("errorwire's queue did not drain before the measured requests")
        gc.collect()
        gc.freeze()

    if framework == "starlette":

        async def requests(n: int) -> None:
            for _ in range(n):
                await asgi_call(app, path)

        asyncio.run(requests(WARMUP))
        settle()
        asyncio.run(requests(count))
    else:
        call = wsgi_caller(app)
        for _ in range(WARMUP):
            call(path)
        settle()
        for _ in range(count):
            call(path)


def instructions(framework: str, variant: str, path: str, count: int, layout: int = 0) -> int:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        framework,
        variant,
        path,
        str(count),
    ]
    # A code version and branch given: errorwire then runs no `git rev-parse` at init. In a
    # git checkout that one subprocess moved Django's count by about +3,600 per request, all
    # of it in type lookups missing the method cache (no more bytecode, no type modified
    # per request): the figures depended on whether the tool ran from a checkout.
    env = {
        **os.environ,
        "PYTHONHASHSEED": "1",
        LAYOUT_PAD: str(layout),
        "ERRORWIRE_CODE_VERSION": "0" * 40,
        "ERRORWIRE_BRANCH": "main",
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{framework}/{variant} {path} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(framework: str, variant: str, path: str, layout: int = 0) -> int:
    short = instructions(framework, variant, path, SHORT, layout)
    long = instructions(framework, variant, path, LONG, layout)
    return (long - short) // (LONG - SHORT)


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        framework, variant, path, count = sys.argv[2:6]
        run_requests(framework, variant, path, int(count))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("frameworks", nargs="*", default=["flask", "django", "starlette"])
    parser.add_argument("--paths", nargs="*", default=["/ok", "/error"])
    parser.add_argument(
        "--layouts", type=int, default=1, help="memory layouts per variant (median, spread)"
    )
    parser.add_argument(
        "--json", help="also write the counts here (nox -s bench puts them in RESULTS.md)"
    )
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    print(
        "| framework | path | bare | floor | errorwire | added | over floor (target <= "
        f"{OVER_FLOOR_TARGET:,}) | over ready floor | errorwire / bare |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for framework in args.frameworks:
        for path in args.paths:
            layouts = [index * 2311 for index in range(max(args.layouts, 1))]
            runs: Dict[str, List[int]] = {
                variant: [per_request(framework, variant, path, pad) for pad in layouts]
                for variant in ("bare", "floor", "floor-ready", "errorwire")
            }
            counts = {variant: int(statistics.median(found)) for variant, found in runs.items()}
            bare, floor, ours = counts["bare"], counts["floor"], counts["errorwire"]
            row: Dict[str, object] = {"framework": framework, "path": path, **counts}
            overs = []
            for name in ("floor", "floor-ready"):
                spread = [a - b for a, b in zip(runs["errorwire"], runs[name])]
                over = f"{ours - counts[name]:+,}"  # medians' difference, as RESULTS.md
                if len(layouts) > 1:
                    over += f" ({min(spread):+,} .. {max(spread):+,})"
                    row[f"over_{name.replace('-', '_')}_spread"] = [min(spread), max(spread)]
                overs.append(over)
            row["layouts"] = len(layouts)
            cells: List[str] = [framework, path, f"{bare:,}", f"{floor - bare:+,}"]
            cells += [f"{ours:,}", f"{ours - bare:+,}", *overs, f"{ours / bare:.3f}"]
            print("| " + " | ".join(cells) + " |", flush=True)
            rows.append(row)
    if args.json:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        ).stdout.strip()
        Path(args.json).write_text(json.dumps({"commit": commit, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
