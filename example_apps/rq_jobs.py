"""RQ jobs with errorwire.

    redis-server --port 6379 --save "" &
    cd example_apps && ROLLBAR_ACCESS_TOKEN=... \
        rq worker --exception-handler errorwire.integrations.rq.exception_handler

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Enqueue from a Python shell (with ``example_apps`` on
the path): ``Queue(connection=Redis()).enqueue(rq_jobs.resize_image, "cat.png", 640)``
fails and is reported once the job is in RQ's failed registry; ``enqueue(rq_jobs.
import_feed, "https://example.com/feed", retry=Retry(max=2))`` is reported once,
after its last attempt.
"""

from __future__ import annotations

from typing import Any, List, Tuple

import errorwire

DEMO_JOBS: List[Tuple[str, Tuple[Any, ...], dict]] = [
    ("rq_jobs.resize_image", ("cat.png", 640), {"api_key": "sk_live_not_for_reports"}),
    ("rq_jobs.import_feed", ("https://example.com/feed",), {}),
    ("rq_jobs.count_words", ("nothing fails here",), {}),
]
"""What ``example_apps/run_demo.py`` enqueues (function, args, kwargs); import_feed
is enqueued with two retries."""


def resize_image(path: str, width: int, api_key: str = "") -> None:
    errorwire.add_breadcrumb("opening the image", category="images", data={"path": path})
    raise ValueError(f"{path}: not an image")


def import_feed(url: str) -> None:
    raise TimeoutError(f"{url} did not answer")


def count_words(text: str) -> int:
    return len(text.split())
