from __future__ import annotations

from typing import Any, Dict

import pytest

pytest.importorskip("waitress")
pytest.importorskip("httpx")


@pytest.fixture
def reports_options() -> Dict[str, Any]:
    return {"storm_limit": 1000}


@pytest.fixture(params=["pyramid", "bottle"])
def kind(request: pytest.FixtureRequest) -> str:
    """Each test runs against the Pyramid app and the Bottle app, both under waitress."""
    pytest.importorskip(str(request.param))
    return str(request.param)
