from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable, Dict, Iterator, Union

import pytest

pytest.importorskip("uvicorn", reason="the inbox needs the errorwire[inbox] extra")
pytest.importorskip("starlette", reason="the inbox needs the errorwire[inbox] extra")
pytest.importorskip("httpx")

import errorwire.testing
from errorwire.inbox import RunningInbox, start_inbox
from errorwire.inbox.store import Store
from tests.inbox.inbox_http import InProcessInbox, Poster
from tests.inbox.inbox_payloads import Sample, example


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "served_inbox: the inbox fixture serves on 127.0.0.1 (a real socket)"
    )


@pytest.fixture
def inbox(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Union[InProcessInbox, RunningInbox]]:
    """The inbox app called in-process (ASGI, no socket): its HTTP answers are the point of
    most tests here. Marked ``served_inbox`` (errorwire's own transport, a browser), it is
    served on 127.0.0.1 by ``errorwire.inbox.start_inbox``."""
    if request.node.get_closest_marker("served_inbox") is not None:
        with start_inbox() as running:
            yield running
        return
    store = Store(str(tmp_path / "inbox.sqlite3"))
    try:
        yield InProcessInbox(store)
    finally:
        store.close()


@pytest.fixture
def post(inbox: Union[InProcessInbox, RunningInbox]) -> Iterator[Poster]:
    poster = Poster(inbox)
    yield poster
    poster.http.close()


AUTH_HEADERS = ("x-rollbar-access-token", "x-apikey", "bugsnag-api-key", "bugsnag-payload-version")


@pytest.fixture
def errorwire_payloads() -> Dict[str, Sample]:
    """What errorwire itself produces for a real exception (encoders, cap), as
    ``errorwire.testing.capture`` hands it back: each vendor's JSON payload and its key
    headers."""
    with errorwire.testing.capture(
        rollbar=errorwire.Rollbar(access_token="rollbar-token"),
        raygun=errorwire.Raygun(api_key="raygun-key"),
        bugsnag=errorwire.Bugsnag(api_key="bugsnag-key"),
    ) as reports:
        try:
            {}["missing"]
        except KeyError as missing:
            try:
                raise ValueError("sent by errorwire's encoders") from missing
            except ValueError:
                errorwire.capture_exception()
    assert sorted(r.vendor for r in reports) == ["bugsnag", "raygun", "rollbar"]
    return {
        r.vendor: (r.payload, {k: v for k, v in r.headers.items() if k.lower() in AUTH_HEADERS})
        for r in reports
    }


@pytest.fixture(params=["seed", "errorwire"])
def sample(request: pytest.FixtureRequest) -> Callable[[str], Sample]:
    """A valid payload and its headers, per vendor: the example of the vendor's document,
    or the one errorwire's encoders produced."""
    if request.param == "seed":
        return example
    produced: Dict[str, Sample] = request.getfixturevalue("errorwire_payloads")
    return lambda vendor: copy.deepcopy(produced[vendor])
