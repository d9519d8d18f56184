from __future__ import annotations

from typing import Any, Dict

import pytest

pytest.importorskip("sanic")
pytest.importorskip("httpx")


@pytest.fixture
def reports_options() -> Dict[str, Any]:
    return {"storm_limit": 1000}
