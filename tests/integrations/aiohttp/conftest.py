from __future__ import annotations

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("httpx")
