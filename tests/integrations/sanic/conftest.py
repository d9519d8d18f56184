from __future__ import annotations

from typing import Any, Dict

import pytest

pytest.importorskip("sanic")
pytest.importorskip("httpx")

from receiver import Receiver
from reports import Reports, start


@pytest.fixture
def reports(receiver: Receiver, all_vendors: Dict[str, Any]) -> Reports:
    return start(receiver, all_vendors, storm_limit=1000)
