"""The WSGI-family report helpers live beside the plain WSGI tests."""

from __future__ import annotations

import sys
from pathlib import Path

_WSGI_TESTS = str(Path(__file__).resolve().parent.parent / "wsgi")
if _WSGI_TESTS not in sys.path:
    sys.path.insert(0, _WSGI_TESTS)
