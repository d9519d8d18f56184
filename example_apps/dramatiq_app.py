"""Dramatiq actors with errorwire.

    redis-server --port 6379 --save "" &
    cd example_apps && ROLLBAR_ACCESS_TOKEN=... dramatiq dramatiq_app

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox); the broker from ``$REDIS_URL`` (default
redis://127.0.0.1:6379/0). Send from a Python shell (in example_apps/):
``dramatiq_app.charge_card.send("4111 1111 1111 1111", 30)`` fails and is reported
(the card filtered); ``sync_inventory.send()`` is retried twice and reported once;
``lookup_order.send(7)`` raises an error the actor ``throws`` (expected: not
reported); ``welcome.send("alice")`` succeeds.
"""

from __future__ import annotations

import os
from typing import Any, List, Tuple

import dramatiq
from dramatiq.brokers.redis import RedisBroker

import errorwire
from errorwire.integrations.dramatiq import ErrorwireMiddleware

broker = RedisBroker(url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
broker.add_middleware(ErrorwireMiddleware())
dramatiq.set_broker(broker)

DEMO_MESSAGES: List[Tuple[str, Tuple[Any, ...], dict]] = [
    ("welcome", ("alice",), {}),
    ("charge_card", ("4111 1111 1111 1111", 30), {"customer": "alice"}),
    ("sync_inventory", (), {}),
    ("lookup_order", (7,), {}),
]
"""What ``example_apps/run_demo.py`` sends (actor, args, kwargs)."""
FAILING = 3
"""How many of them Dramatiq dead-letters: charge_card, sync_inventory, lookup_order."""


@dramatiq.actor(max_retries=0)
def welcome(username: str) -> None:
    errorwire.set_person(username=username)  # belongs to this message only


@dramatiq.actor(max_retries=0)
def charge_card(card_number: str, amount: int, customer: str = "") -> None:
    errorwire.set_person(id=customer, username=customer)
    errorwire.add_breadcrumb("charging the card", category="payments", data={"amount": amount})
    raise RuntimeError(f"the payment provider declined {amount} EUR")


@dramatiq.actor(max_retries=2, min_backoff=10, max_backoff=100)
def sync_inventory() -> None:
    errorwire.add_breadcrumb("syncing the inventory")
    raise ConnectionError("the warehouse API did not answer")


@dramatiq.actor(max_retries=0, throws=(LookupError,))
def lookup_order(order_id: int) -> None:
    raise LookupError(f"no order {order_id}")  # expected (throws): never reported
