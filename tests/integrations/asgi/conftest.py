from __future__ import annotations

from typing import Any, Dict

import pytest
from integrations.asgi.asgi_support import Reports, start
from receiver import Receiver


@pytest.fixture
def reports(receiver: Receiver, all_vendors: Dict[str, Any]) -> Reports:
    return start(receiver, all_vendors)
