from __future__ import annotations

from typing import Any, Dict

import pytest

pytest.importorskip("waitress")
pytest.importorskip("httpx")

from receiver import Receiver
from reports import Reports, start


@pytest.fixture
def reports(receiver: Receiver, all_vendors: Dict[str, Any]) -> Reports:
    return start(receiver, all_vendors, storm_limit=1000)


@pytest.fixture(params=["pyramid", "bottle"])
def kind(request: pytest.FixtureRequest) -> str:
    """Each test runs against the Pyramid app and the Bottle app, both under waitress."""
    pytest.importorskip(str(request.param))
    return str(request.param)
