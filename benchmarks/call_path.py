"""The path one Starlette error takes through errorwire, from the middleware to the POST.

A structure measure, not a speed one: it follows a single failing request through
a real Starlette app (storm control off, sync delivery to a local receiver, so
the whole path runs in one thread) with a profile hook, and counts

- hops: distinct calls from one errorwire module into another;
- modules: errorwire modules on the path;
- call-backs: hops into a module that is already further down the call stack
  (a module calling back into one that called it).

    python benchmarks/call_path.py [--list]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from types import FrameType
from typing import Any, List, Optional, Set, Tuple

from instructions import accepting_sink

Edge = Tuple[str, str]


class PathRecorder:
    def __init__(self) -> None:
        self.stack: List[Optional[str]] = []
        self.edges: List[Edge] = []
        self.callbacks: Set[Edge] = set()

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            ours = module if isinstance(module, str) and module.startswith("errorwire") else None
            caller = next((m for m in reversed(self.stack) if m is not None), None)
            if ours is not None and caller is not None and ours != caller:
                edge = (caller, ours)
                if edge not in self.edges:
                    self.edges.append(edge)
                if ours in self.stack:
                    self.callbacks.add(edge)
            self.stack.append(ours)
        elif event == "return" and self.stack:
            self.stack.pop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print every hop")
    args = parser.parse_args(argv)

    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    import errorwire
    from errorwire.integrations.starlette import ErrorwireMiddleware

    base = accepting_sink()
    errorwire.init(
        rollbar=errorwire.Rollbar(access_token="t", endpoint=f"{base}/api/1/item/"),
        raygun=errorwire.Raygun(api_key="k", endpoint=f"{base}/entries"),
        bugsnag=errorwire.Bugsnag(api_key="k" * 32, endpoint=f"{base}/bugsnag/"),
        storm_limit=10**9,
        sync=True,
    )

    async def fail(request: Any) -> PlainTextResponse:
        raise RuntimeError("one error")

    app = Starlette(routes=[Route("/error", fail)])
    app.add_middleware(ErrorwireMiddleware)

    async def one_request() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/error",
            "raw_path": b"/error",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"example.test")],
            "client": ("127.0.0.1", 50000),
            "server": ("example.test", 80),
        }

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            pass

        with contextlib.suppress(RuntimeError):
            await app(scope, receive, send)

    asyncio.run(one_request())  # warm: imports and caches out of the way
    recorder = PathRecorder()
    sys.setprofile(recorder)
    try:
        asyncio.run(one_request())
    finally:
        sys.setprofile(None)
    modules = {m for edge in recorder.edges for m in edge}
    if args.list:
        for caller, callee in recorder.edges:
            mark = "  <- call-back" if (caller, callee) in recorder.callbacks else ""
            print(f"  {caller} -> {callee}{mark}")
    print(
        f"hops: {len(recorder.edges)}, modules: {len(modules)}, "
        f"call-backs: {len(recorder.callbacks)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
