"""Each vendor endpoint answers as its vendor documents: success, 400, 401/403, 413, 422."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import pytest

from errorwire.inbox import RunningInbox
from tests.inbox.inbox_http import Poster
from tests.inbox.inbox_payloads import Sample, example, schema_breaking

VENDORS = ("rollbar", "raygun", "bugsnag")
SUCCESS = {"rollbar": 200, "raygun": 202, "bugsnag": 200}
CAP = 128 * 1024


def error_message(vendor: str, body: Any) -> str:
    """The error text, from the error shape each vendor documents."""
    if vendor == "rollbar":
        assert body["err"] == 1
        return str(body["message"])
    if vendor == "bugsnag":
        return " ".join(body["errors"])
    return str(body["message"])


def padded(vendor: str, payload: Any, size: int) -> bytes:
    """``payload`` padded with custom data to exactly ``size`` bytes of JSON."""
    holder = {
        "rollbar": lambda p: p["data"].setdefault("custom", {}),
        "raygun": lambda p: p["details"].setdefault("userCustomData", {}),
        "bugsnag": lambda p: p["events"][0].setdefault("metaData", {}).setdefault("pad", {}),
    }[vendor](payload)
    holder["pad"] = ""
    missing = size - len(json.dumps(payload).encode())
    holder["pad"] = "x" * missing
    body = json.dumps(payload).encode()
    assert len(body) == size
    return body


@pytest.mark.parametrize("vendor", VENDORS)
def test_good_payload_is_accepted_and_stored(
    vendor: str, sample: Callable[[str], Sample], post: Poster
) -> None:
    payload, headers = sample(vendor)
    answer = post.send(vendor, payload, headers)
    assert answer.status_code == SUCCESS[vendor], answer.text
    assert answer.headers["content-type"].startswith("application/json")
    if vendor == "rollbar":
        assert answer.json() == {"err": 0, "result": {"id": None, "uuid": payload["data"]["uuid"]}}
    (listed,) = post.get("/api/reports").json()["reports"]
    assert listed["vendor"] == vendor
    assert post.get(f"/api/reports/{listed['id']}").json()["raw"] == payload


def test_errorwire_payloads_are_read_whole(errorwire_payloads: Any, post: Poster) -> None:
    for vendor in VENDORS:
        payload, headers = errorwire_payloads[vendor]
        post.send(vendor, payload, headers)
    for summary in post.get("/api/reports").json()["reports"]:
        report = post.get(f"/api/reports/{summary['id']}").json()["report"]
        classes = [e["class"].rsplit(".", 1)[-1] for e in report["exceptions"]]
        assert classes == ["ValueError", "KeyError"], summary["vendor"]
        assert summary["message"] == "sent by errorwire's encoders"
        frames = report["exceptions"][0]["frames"]
        assert frames[-1]["method"].endswith("errorwire_payloads"), summary["vendor"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_payload_of_exactly_128_kib_is_accepted(
    vendor: str, sample: Callable[[str], Sample], post: Poster
) -> None:
    payload, headers = sample(vendor)
    answer = post.send(vendor, headers=headers, content=padded(vendor, payload, CAP))
    assert answer.status_code == SUCCESS[vendor], answer.text


@pytest.mark.parametrize("vendor", VENDORS)
def test_oversized_payload_is_413(
    vendor: str, sample: Callable[[str], Sample], post: Poster, inbox: RunningInbox
) -> None:
    payload, headers = sample(vendor)
    answer = post.send(vendor, headers=headers, content=padded(vendor, payload, CAP + 1))
    assert answer.status_code == 413
    assert "too large" in error_message(vendor, answer.json())
    assert inbox.store.count() == 0


@pytest.mark.parametrize("vendor", VENDORS)
def test_oversized_chunked_body_without_length_is_413(
    vendor: str, post: Poster, inbox: RunningInbox
) -> None:
    payload, headers = example(vendor)
    body = padded(vendor, payload, CAP + 10)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    answer = post.http.post(
        inbox.endpoints()[vendor],
        content=chunks(),
        headers={"Content-Type": "application/json", **headers},
    )
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413
    assert inbox.store.count() == 0


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("content", [b"{not json", b"", b"\xff\xfe garbage"])
def test_undecodable_json_is_400(
    vendor: str, content: bytes, post: Poster, inbox: RunningInbox
) -> None:
    _, headers = example(vendor)
    answer = post.send(vendor, headers=headers, content=content)
    assert answer.status_code == 400
    assert error_message(vendor, answer.json())
    assert inbox.store.count() == 0


def test_rollbar_without_access_token_is_401(
    sample: Callable[[str], Sample], post: Poster, inbox: RunningInbox
) -> None:
    payload, _ = sample("rollbar")
    del payload["access_token"]
    answer = post.send("rollbar", payload)  # nor the X-Rollbar-Access-Token header
    assert answer.status_code == 401
    assert answer.json()["err"] == 1
    assert "access token" in answer.json()["message"]
    assert inbox.store.count() == 0


def test_raygun_without_api_key_header_is_403(
    sample: Callable[[str], Sample], post: Poster, inbox: RunningInbox
) -> None:
    payload, _ = sample("raygun")
    answer = post.send("raygun", payload, {})
    assert answer.status_code == 403
    assert "X-ApiKey" in answer.json()["message"]
    assert inbox.store.count() == 0


def test_bugsnag_without_api_key_is_401(
    sample: Callable[[str], Sample], post: Poster, inbox: RunningInbox
) -> None:
    payload, _ = sample("bugsnag")
    del payload["apiKey"]
    answer = post.send("bugsnag", payload, {})  # nor the Bugsnag-Api-Key header
    assert answer.status_code == 401
    assert "API key" in answer.json()["errors"][0]
    assert inbox.store.count() == 0


def test_bugsnag_api_key_in_header_only_is_enough(post: Poster) -> None:
    payload, headers = example("bugsnag")
    del payload["apiKey"]
    assert post.send("bugsnag", payload, headers).status_code == 200


def test_bugsnag_api_key_in_body_only_is_enough(post: Poster) -> None:
    payload, _ = example("bugsnag")
    assert post.send("bugsnag", payload, {}).status_code == 200


@pytest.mark.parametrize("vendor", VENDORS)
def test_schema_breaking_payload_is_422_naming_the_field(
    vendor: str, sample: Callable[[str], Sample], post: Poster, inbox: RunningInbox
) -> None:
    valid, headers = sample(vendor)
    payload, where = schema_breaking(vendor, valid)
    answer = post.send(vendor, payload, headers)
    assert answer.status_code == 422
    message = error_message(vendor, answer.json())
    assert where in message
    assert inbox.store.count() == 0
    page = post.get("/").text
    assert "Rejected requests" in page and "422" in page


def test_raygun_raw_data_over_4096_bytes_is_422(post: Poster) -> None:
    payload, headers = example("raygun")
    payload["details"]["request"]["rawData"] = "é" * 2049  # 4098 bytes, 2049 characters
    answer = post.send("raygun", payload, headers)
    assert answer.status_code == 422
    assert "rawData" in answer.json()["message"]


def test_rollbar_form_encoded_payload_is_accepted(post: Poster, inbox: RunningInbox) -> None:
    payload, _ = example("rollbar")
    answer = post.http.post(
        inbox.endpoints()["rollbar"],
        content=urlencode({"payload": json.dumps(payload)}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert answer.json()["result"]["uuid"] == payload["data"]["uuid"]
    assert inbox.store.count() == 1


def test_rollbar_form_without_payload_parameter_is_400(post: Poster, inbox: RunningInbox) -> None:
    answer = post.http.post(
        inbox.endpoints()["rollbar"],
        content=b"data=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400
    assert "payload" in answer.json()["message"]


def test_rollbar_generates_a_uuid_when_none_is_sent(post: Poster) -> None:
    payload, _ = example("rollbar")
    del payload["data"]["uuid"]
    answer = post.send("rollbar", payload)
    uuid = answer.json()["result"]["uuid"]
    assert len(uuid) == 32
    listed = post.get("/api/reports").json()["reports"]
    assert listed[0]["uuid"] == uuid


def test_rollbar_repeated_uuid_is_discarded(post: Poster, inbox: RunningInbox) -> None:
    payload, _ = example("rollbar")
    first = post.send("rollbar", payload)
    second = post.send("rollbar", payload)
    assert first.status_code == second.status_code == 200
    assert inbox.store.count() == 1


def test_endpoint_without_trailing_slash_is_served(post: Poster, inbox: RunningInbox) -> None:
    payload, headers = example("bugsnag")
    answer = post.http.post(inbox.url + "/bugsnag", json=payload, headers=headers)
    assert answer.status_code == 200
    assert inbox.store.count() == 1


def test_a_payload_the_inbox_cannot_read_is_still_stored_raw(
    post: Poster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from errorwire.inbox import normalize

    def broken(*args: Any) -> Any:
        raise RuntimeError("reader bug")

    monkeypatch.setattr(normalize, "reports_from", broken)
    payload, headers = example("raygun")
    assert post.send("raygun", payload, headers).status_code == 202
    (listed,) = post.get("/api/reports").json()["reports"]
    assert "could not read this payload (RuntimeError: reader bug)" in listed["title"]
    assert post.get(f"/api/reports/{listed['id']}").json()["raw"] == payload


def test_rollbar_access_token_in_header_only_is_enough(post: Poster, inbox: RunningInbox) -> None:
    payload, _ = example("rollbar")
    del payload["access_token"]
    answer = post.send("rollbar", payload, {"X-Rollbar-Access-Token": "from-header"})
    assert answer.status_code == 200, answer.text
    assert inbox.store.count() == 1
