"""The ``errorwire_reports`` pytest fixture: a test inside ``errorwire.testing.capture()``.

Enable it in your ``conftest.py``::

    pytest_plugins = ["errorwire.testing.pytest_plugin"]
"""

from __future__ import annotations

from typing import Iterator

import pytest

from errorwire.testing import Reports, capture


@pytest.fixture
def errorwire_reports() -> Iterator[Reports]:
    """What errorwire would have sent during the test, one item per vendor per report."""
    with capture() as reports:
        yield reports
