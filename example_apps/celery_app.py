"""A Celery app with errorwire: one task per way a task can end.

    redis-server --port 6379 --save "" &
    ROLLBAR_ACCESS_TOKEN=... celery -A example_apps.celery_app worker --pool=prefork

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox); the broker from ``$CELERY_BROKER_URL`` (default
redis://127.0.0.1:6379/0). Send tasks from a Python shell: ``charge_card.delay("4111
1111 1111 1111", 30)`` fails and is reported (the card filtered), ``sync_inventory.delay()``
is retried twice and reported once, ``skip.delay()`` raises ``Ignore`` (never reported),
``welcome.delay("alice")`` succeeds.
"""

from __future__ import annotations

import os
from typing import Any, List, Tuple

from celery import Celery
from celery.exceptions import Ignore

import errorwire
from errorwire.integrations.celery import Errorwire

BROKER = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")

app = Celery("example_apps.celery_app", broker=BROKER, backend=BROKER)
app.conf.update(broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)
Errorwire(app)

DEMO_TASKS: List[Tuple[str, Tuple[Any, ...], dict]] = [
    ("shop.welcome", ("alice",), {}),
    ("shop.charge_card", ("4111 1111 1111 1111", 30), {"customer": "alice"}),
    ("shop.sync_inventory", (), {}),
    ("shop.skip", (), {}),
]
"""What ``example_apps/run_demo.py`` sends (task name, args, kwargs)."""


@app.task(name="shop.welcome")
def welcome(username: str) -> str:
    errorwire.set_person(username=username)  # belongs to this task only
    return f"welcome, {username}"


@app.task(name="shop.charge_card")
def charge_card(card_number: str, amount: int, customer: str = "") -> None:
    errorwire.set_person(id=customer, username=customer)
    errorwire.add_breadcrumb("charging the card", category="payments", data={"amount": amount})
    raise RuntimeError(f"the payment provider declined {amount} EUR")


@app.task(name="shop.sync_inventory", bind=True, max_retries=2)
def sync_inventory(self: Any) -> None:
    errorwire.add_breadcrumb(f"sync attempt {self.request.retries + 1}")
    try:
        raise ConnectionError("the warehouse API did not answer")
    except ConnectionError as exc:
        raise self.retry(exc=exc, countdown=0) from exc


@app.task(name="shop.skip")
def skip() -> None:
    raise Ignore()  # Celery's way to drop a task: not an error, never reported
