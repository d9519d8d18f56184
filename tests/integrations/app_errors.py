"""The exceptions the web integrations' test apps raise (the same in each, so that their
server tests expect the same reports), and the card lookup whose KeyError is the cause of
their ``PaymentFailed``."""

from __future__ import annotations


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


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]
