"""A process reporting through errorwire with a spool, driven by the spool tests.

    python spool_app.py '<json config>'

Config: ``spool`` (the folder), ``endpoints`` ({vendor: url}), ``options`` (more init()
keyword arguments), ``capture`` (errors to report at start), ``prefix``, ``padding``
(bytes of extra data per report), ``settle`` (seconds to wait until nothing is queued or
being retried: delivered, dropped or in the spool), ``drain`` (seconds to wait until the
spool is empty). It prints one JSON line when its reports are captured ({"ids"}) and one
at the end ({"stats"}); the exit is the interpreter's own (errorwire's atexit hook
flushes, then spools what is left).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Dict

import errorwire

VENDORS = {
    "rollbar": lambda url: errorwire.Rollbar(access_token="rollbar-token", endpoint=url),
    "raygun": lambda url: errorwire.Raygun(api_key="raygun-key", endpoint=url),
    "bugsnag": lambda url: errorwire.Bugsnag(api_key="bugsnag-key", endpoint=url),
}


def spool_empty(stats: Dict[str, Any]) -> bool:
    return bool(stats["spool"]["waiting"] == 0 and stats["transport"]["unfinished"] == 0)


def main() -> None:
    config = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    vendors = {name: VENDORS[name](url) for name, url in config["endpoints"].items()}
    errorwire.init(**vendors, spool_dir=config["spool"], **config.get("options", {}))
    ids = []
    padding = "x" * int(config.get("padding", 0))
    for index in range(int(config.get("capture", 0))):
        try:
            raise ValueError(f"{config.get('prefix', 'report')} {index}")
        except ValueError as exc:
            ids.append(errorwire.capture_exception(exc, extra={"padding": padding}))
    print(json.dumps({"ids": ids}), flush=True)
    deadline = time.monotonic() + float(config.get("settle", 0))
    while time.monotonic() < deadline and errorwire.stats()["transport"]["unfinished"]:
        time.sleep(0.05)
    deadline = time.monotonic() + float(config.get("drain", 0))
    while time.monotonic() < deadline and not spool_empty(errorwire.stats()):
        time.sleep(0.05)
    print(json.dumps({"stats": errorwire.stats()}), flush=True)


if __name__ == "__main__":
    main()
