from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

import errorwire
from errorwire import api
from errorwire.core import safety
from tests.receiver import Receiver
from tests.reports import Reports, start

pytest_plugins = ["errorwire.testing.pytest_plugin"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_internal_errors: errorwire may swallow its own errors in this test"
    )


@pytest.fixture(autouse=True)
def _fail_on_swallowed_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """errorwire swallows its own errors in production; a test must see them."""
    safety.reset_for_tests()
    safety.record_swallowed = True
    yield
    safety.record_swallowed = False
    swallowed = list(safety.swallowed)
    safety.reset_for_tests()
    client = api.get_client()
    if client is not None:
        client.close(timeout=1.0)
        api._client = None
    if swallowed and request.node.get_closest_marker("allow_internal_errors") is None:
        raise AssertionError(f"errorwire swallowed internal errors: {swallowed!r}") from swallowed[
            0
        ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def all_vendors(receiver: Receiver) -> dict:
    """init() keyword arguments configuring all three vendors against ``receiver``."""
    urls = receiver.endpoints()
    return {
        "rollbar": errorwire.Rollbar(access_token="rollbar-token", endpoint=urls["rollbar"]),
        "raygun": errorwire.Raygun(api_key="raygun-key", endpoint=urls["raygun"]),
        "bugsnag": errorwire.Bugsnag(api_key="bugsnag-key", endpoint=urls["bugsnag"]),
    }


@pytest.fixture
def reports_options() -> Dict[str, Any]:
    """More ``init()`` options for the ``reports`` fixture; a folder's conftest overrides it."""
    return {}


@pytest.fixture
def reports(
    receiver: Receiver, all_vendors: Dict[str, Any], reports_options: Dict[str, Any]
) -> Reports:
    """errorwire reporting to ``receiver`` for every vendor, each report kept (tests/reports.py)."""
    return start(receiver, all_vendors, **reports_options)
