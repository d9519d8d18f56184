from __future__ import annotations

import copy
from typing import Callable, Dict, Iterator

import pytest

pytest.importorskip("uvicorn", reason="the inbox needs the errorwire[inbox] extra")
pytest.importorskip("starlette", reason="the inbox needs the errorwire[inbox] extra")
pytest.importorskip("httpx")

import errorwire
from errorwire import api
from errorwire.inbox import RunningInbox, start_inbox
from tests.inbox.inbox_http import Poster
from tests.inbox.inbox_payloads import Sample, example
from tests.receiver import Receiver


@pytest.fixture
def inbox() -> Iterator[RunningInbox]:
    with start_inbox() as running:
        yield running


@pytest.fixture
def post(inbox: RunningInbox) -> Iterator[Poster]:
    poster = Poster(inbox)
    yield poster
    poster.http.close()


AUTH_HEADERS = ("x-rollbar-access-token", "x-apikey", "bugsnag-api-key", "bugsnag-payload-version")


@pytest.fixture
def errorwire_payloads() -> Dict[str, Sample]:
    """What errorwire itself sends for a real exception (encoders, cap, transport),
    caught by the test receiver: each vendor's JSON payload and its key headers."""
    with Receiver() as receiver:
        urls = receiver.endpoints()
        errorwire.init(
            rollbar=errorwire.Rollbar(access_token="rollbar-token", endpoint=urls["rollbar"]),
            raygun=errorwire.Raygun(api_key="raygun-key", endpoint=urls["raygun"]),
            bugsnag=errorwire.Bugsnag(api_key="bugsnag-key", endpoint=urls["bugsnag"]),
        )
        try:
            {}["missing"]
        except KeyError as missing:
            try:
                raise ValueError("sent by errorwire's encoders") from missing
            except ValueError:
                errorwire.capture_exception()
        assert errorwire.flush(timeout=10.0)
        received = receiver.wait_for(3)
    client = api.get_client()
    if client is not None:
        client.close(timeout=1.0)
        api._client = None
    assert sorted(r.vendor for r in received) == ["bugsnag", "raygun", "rollbar"]
    return {
        r.vendor: (r.json(), {k: v for k, v in r.headers.items() if k.lower() in AUTH_HEADERS})
        for r in received
    }


@pytest.fixture(params=["seed", "errorwire"])
def sample(request: pytest.FixtureRequest) -> Callable[[str], Sample]:
    """A valid payload and its headers, per vendor: the example of the vendor's document,
    or the one errorwire's encoders produced."""
    if request.param == "seed":
        return example
    produced: Dict[str, Sample] = request.getfixturevalue("errorwire_payloads")
    return lambda vendor: copy.deepcopy(produced[vendor])
