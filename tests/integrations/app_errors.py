"""The exceptions the web integrations' test apps raise (the same in each, so that their
server tests expect the same reports), and the card lookup whose KeyError is the cause of
their ``PaymentFailed``."""

from __future__ import annotations

from typing import List


class PaymentFailed(Exception):
    """``/view-error``'s error, raised from the card lookup's KeyError."""


class StreamBroke(Exception):
    """A streamed response breaks with this after its first chunk."""


class SocketFailed(Exception):
    """A websocket handler fails with this when it is said hello."""


class ReceiptFailed(Exception):
    """A background task after the response fails with this."""


class MiddlewareBroke(Exception):
    """The app's own middleware fails with this."""


class OutOfStock(Exception):
    """The item route of the Flask and Django test apps fails with this, from a ValueError."""


def reserve_item(item_id: int, raised: List[BaseException]) -> None:
    """Fails with ``OutOfStock`` (kept in ``raised``, the app's record of what it raised)
    from a ValueError."""
    try:
        int("not a number")
    except ValueError as exc:
        error = OutOfStock(f"item {item_id} is out of stock")
        raised.append(error)
        raise error from exc


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]
