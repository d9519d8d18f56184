from __future__ import annotations

import pytest

pytest.importorskip("quart")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")
