from __future__ import annotations

from typing import Any, Dict

import pytest

pytest.importorskip("channels")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

from django_settings import configure_once
from receiver import Receiver
from reports import Reports, start

configure_once()


@pytest.fixture
def reports(receiver: Receiver, all_vendors: Dict[str, Any]) -> Reports:
    return start(receiver, all_vendors, storm_limit=1000)
