"""Any payload the schema lets through is read and shown: no 500, no unreadable report.

Hypothesis replaces one node of each vendor's example (and of errorwire's own payload)
with an arbitrary JSON value; whatever the schema accepts must be stored, readable, and
render as a page.
"""

from __future__ import annotations

import copy
from typing import Any, List

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errorwire.inbox import start_inbox
from tests.inbox.inbox_payloads import example

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def like(original: Any) -> st.SearchStrategy[Any]:
    """Values of the original's type (mostly accepted by the schema), or anything."""
    if isinstance(original, bool):
        same: st.SearchStrategy[Any] = st.booleans()
    elif isinstance(original, int):
        same = st.integers(0, 2**31)
    elif isinstance(original, str):
        same = st.text(max_size=40)
    elif isinstance(original, list):
        same = st.lists(JSON, max_size=3) if not original else st.just([]) | st.just(original * 2)
    elif isinstance(original, dict):
        same = st.dictionaries(st.text(max_size=8), JSON, max_size=3)
    else:
        same = JSON
    return same | JSON


def value_at(payload: Any, path: List[Any]) -> Any:
    for step in path:
        payload = payload[step]
    return payload


def nodes(value: Any, path: List[Any]) -> List[List[Any]]:
    """Every path into ``value`` (keys and indexes)."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += nodes(child, [*path, key])
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += nodes(child, [*path, index])
    return found


def replaced(payload: Any, path: List[Any], value: Any) -> Any:
    changed = copy.deepcopy(payload)
    if not path:
        return value
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return changed


@pytest.mark.parametrize("vendor", ["rollbar", "raygun", "bugsnag"])
def test_every_payload_the_schema_accepts_is_readable(vendor: str) -> None:
    seed, headers = example(vendor)
    if vendor == "rollbar":
        del seed["data"]["uuid"]  # a repeated uuid is discarded: each example must be stored
    paths = nodes(seed, [])[1:]
    with start_inbox() as inbox, httpx.Client(timeout=10.0) as http:
        url = inbox.endpoints()[vendor]

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(path=st.sampled_from(paths), data=st.data())
        def check(path: List[Any], data: st.DataObject) -> None:
            value = data.draw(like(value_at(seed, path)), label="value")
            payload = replaced(seed, path, value)
            answer = http.post(url, json=payload, headers=headers)
            assert answer.status_code in (200, 202, 401, 403, 422), answer.text
            if answer.status_code >= 300:
                return
            listed = http.get(inbox.url + "/api/reports?limit=1").json()["reports"][0]
            assert "could not read" not in listed["title"], (path, value)
            page = http.get(f"{inbox.url}/reports/{listed['id']}")
            assert page.status_code == 200

        check()


def test_a_request_url_python_cannot_split_still_lists_and_shows() -> None:
    """urlsplit raises "Invalid IPv6 URL" on a stray bracket: found by the test above."""
    payload, headers = example("raygun")
    payload["details"]["request"]["url"] = "ý]^x"
    with start_inbox() as inbox, httpx.Client(timeout=10.0) as http:
        answer = http.post(inbox.endpoints()["raygun"], json=payload, headers=headers)
        assert answer.status_code in (200, 202), answer.text
        listing = http.get(inbox.url + "/api/reports?limit=1")
        assert listing.status_code == 200
        listed = listing.json()["reports"][0]
        assert listed["request_path"].endswith("ý]^x")  # as sent: it cannot be split
        assert http.get(f"{inbox.url}/reports/{listed['id']}").status_code == 200
