from __future__ import annotations

import pytest

pytest.importorskip("strawberry")
pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")
