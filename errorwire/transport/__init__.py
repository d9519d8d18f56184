"""Delivery of encoded payloads off the request path."""

from errorwire.transport.worker import Transport

__all__ = ["Transport"]
