from __future__ import annotations

from typing import Any, Dict

import pytest

pytest.importorskip("channels")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

from tests.django_settings import configure_once

configure_once()


@pytest.fixture
def reports_options() -> Dict[str, Any]:
    return {"storm_limit": 1000}
