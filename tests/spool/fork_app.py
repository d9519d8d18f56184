"""A preloading server's shape (gunicorn --preload): init in the parent, then fork workers.

    python fork_app.py SPOOL_DIR RAYGUN_URL WORKERS

The parent, holding the spool open, forks WORKERS children; each reports one error
and exits through its own atexit flush. The parent then waits until the spool is empty
and prints its stats as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time

import errorwire


def main() -> None:
    folder, url, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    errorwire.init(raygun=errorwire.Raygun(api_key="k", endpoint=url), spool_dir=folder)
    time.sleep(0.2)  # the parent's worker has opened the spool and started sending
    children = []
    for index in range(workers):
        pid = os.fork()
        if pid == 0:
            try:
                raise ValueError(f"child {index}")
            except ValueError as exc:
                errorwire.capture_exception(exc)
            errorwire.flush(10)
            os._exit(0)  # as a server's worker does: no parent atexit in the child
        children.append(pid)
    codes = [os.waitpid(pid, 0)[1] for pid in children]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = errorwire.stats()
        if stats["spool"]["waiting"] == 0 and stats["transport"]["unfinished"] == 0:
            break
        time.sleep(0.05)
    print(json.dumps({"codes": codes, "stats": errorwire.stats()}), flush=True)


if __name__ == "__main__":
    main()
