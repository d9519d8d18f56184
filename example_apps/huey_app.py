"""Huey tasks with errorwire.

    redis-server --port 6379 --save "" &
    cd example_apps && ROLLBAR_ACCESS_TOKEN=... huey_consumer huey_app.huey

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox); Redis from ``$REDIS_URL`` (default
redis://127.0.0.1:6379/0). Enqueue from a Python shell (in example_apps/):
``huey_app.resize_image("cat.png", 640)`` fails and is reported;
``huey_app.import_feed("https://example.com/feed")`` is retried twice and reported
once; ``huey_app.count_words("a b c")`` succeeds.
"""

from __future__ import annotations

import os
from typing import Any, List, Tuple

from huey import RedisHuey

import errorwire
from errorwire.integrations.huey import Errorwire

huey = RedisHuey("errorwire-demo", url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
Errorwire(huey)

DEMO_TASKS: List[Tuple[str, Tuple[Any, ...], dict]] = [
    ("resize_image", ("cat.png", 640), {"api_key": "sk_live_not_for_reports"}),
    ("import_feed", ("https://example.com/feed",), {}),
    ("count_words", ("nothing fails here",), {}),
]
"""What ``example_apps/run_demo.py`` enqueues (task, args, kwargs)."""


@huey.task()
def resize_image(path: str, width: int, api_key: str = "") -> None:
    errorwire.add_breadcrumb("opening the image", category="images", data={"path": path})
    raise ValueError(f"{path}: not an image")


@huey.task(retries=2)
def import_feed(url: str) -> None:
    raise TimeoutError(f"{url} did not answer")


@huey.task()
def count_words(text: str) -> int:
    return len(text.split())
