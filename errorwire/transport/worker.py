"""Placeholder transport: renders and sends in the calling thread.

The real one (bounded queue, background worker, retries) replaces this module.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import urllib3

from errorwire.core.config import Options
from errorwire.core.event import Event
from errorwire.core.safety import swallow
from errorwire.vendors.base import Outgoing


class Transport:
    def __init__(
        self,
        options: Options,
        render: Callable[[Event], List[Outgoing]],
        count: Callable[[str], None],
    ) -> None:
        self.options = options
        self.render = render
        self.count = count
        self.http = urllib3.PoolManager()

    def submit(self, event: Event) -> bool:
        for item in self.render(event):
            with swallow(f"send {item.vendor_name}"):
                self.http.request("POST", item.vendor.url, body=item.body, headers=item.headers)
        return True

    def flush(self, timeout: float) -> bool:
        return True

    def stats(self) -> Dict[str, Any]:
        return {}

    def close(self, timeout: float) -> None:
        self.http.clear()
