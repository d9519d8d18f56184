"""The inbox holds whatever the app sent: it refuses what a page on another origin can
send it, answers only to its own host names, and answers bad input with a 4xx."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator
from urllib.parse import urlsplit

import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("starlette")
httpx = pytest.importorskip("httpx")

from errorwire.inbox import RunningInbox, start_inbox  # noqa: E402

ROLLBAR = {
    "access_token": "t",
    "data": {
        "environment": "production",
        "body": {"message": {"body": "hello"}},
        "level": "error",
    },
}


@pytest.fixture(scope="module")
def inbox() -> Iterator[RunningInbox]:
    with start_inbox() as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[Any]:
    with httpx.Client(timeout=10.0) as client:
        yield client


def post_rollbar(http: Any, inbox: RunningInbox, body: bytes, **headers: str) -> Any:
    sent = {"Content-Type": "application/json", **headers}
    return http.post(inbox.endpoints()["rollbar"], content=body, headers=sent)


def port_of(inbox: RunningInbox) -> int:
    port = urlsplit(inbox.url).port
    assert port is not None
    return port


def test_a_report_from_a_client_without_an_origin_is_accepted(
    http: Any, inbox: RunningInbox
) -> None:
    assert post_rollbar(http, inbox, json.dumps(ROLLBAR).encode()).status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://attacker.example", "http://127.0.0.1:1", "null", "https://127.0.0.1"]
)
def test_a_post_from_another_origin_is_refused(http: Any, inbox: RunningInbox, origin: str) -> None:
    before = inbox.store.count()
    answer = post_rollbar(
        http,
        inbox,
        json.dumps(ROLLBAR).encode(),
        **{"Content-Type": "text/plain", "Origin": origin},
    )
    assert answer.status_code == 403
    assert inbox.store.count() == before


def test_the_inbox_own_origin_is_answered(http: Any, inbox: RunningInbox) -> None:
    answer = http.get(inbox.url + "/api/groups", headers={"Origin": inbox.url})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "browser", [{"Sec-Fetch-Mode": "navigate"}, {"Referer": "http://attacker.example/"}]
)
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_form_post_from_a_browser_is_refused(
    http: Any, inbox: RunningInbox, browser: Dict[str, str], content_type: str
) -> None:
    before = inbox.store.count()
    body = ("payload=" + json.dumps(ROLLBAR)).encode()
    answer = post_rollbar(http, inbox, body, **{"Content-Type": content_type, **browser})
    assert answer.status_code == 403
    assert inbox.store.count() == before


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:{port}", "10.0.0.1"])
def test_a_foreign_host_name_reads_nothing(http: Any, inbox: RunningInbox, host: str) -> None:
    post_rollbar(http, inbox, json.dumps(ROLLBAR).encode())
    for path in ("/", "/api/reports", "/api/groups", "/api/reports/1", "/reports/1"):
        answer = http.get(inbox.url + path, headers={"Host": host.format(port=port_of(inbox))})
        assert answer.status_code == 403, path
        assert "hello" not in answer.text


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_its_own_host_names_are_answered(http: Any, inbox: RunningInbox, name: str) -> None:
    answer = http.get(inbox.url + "/api/groups", headers={"Host": f"{name}:{port_of(inbox)}"})
    assert answer.status_code == 200


def test_pages_say_how_to_treat_them(http: Any, inbox: RunningInbox) -> None:
    post_rollbar(http, inbox, json.dumps(ROLLBAR).encode())
    report_id = http.get(inbox.url + "/api/reports").json()["reports"][0]["id"]
    for path in ("/", f"/reports/{report_id}", "/api/groups"):
        answer = http.get(inbox.url + path)
        assert answer.status_code == 200
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 60_000 + b"]" * 60_000,
        b'{"a":' * 900 + b"1" + b"}" * 900,
        json.dumps(
            {**ROLLBAR, "data": {**ROLLBAR["data"], "custom": {"x": float("nan")}}}
        ).encode(),
        json.dumps(
            {**ROLLBAR, "data": {**ROLLBAR["data"], "custom": {"x": float("inf")}}}
        ).encode(),
    ],
    ids=["nested-60000", "nested-900", "NaN", "Infinity"],
)
def test_hostile_json_is_a_4xx(http: Any, inbox: RunningInbox, body: bytes) -> None:
    answer = post_rollbar(http, inbox, body)
    assert 400 <= answer.status_code < 500
    listed = http.get(inbox.url + "/api/reports")
    assert listed.status_code == 200
    for report in listed.json()["reports"]:
        assert http.get(f"{inbox.url}/api/reports/{report['id']}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/reports?limit=%C2%B2",
        "/api/reports?limit=12345678901234567890123456",
        "/api/reports?limit=-1",
        "/api/reports/%C2%B2",
        "/api/reports/12345678901234567890123456",
        "/reports/%C2%B2",
        "/reports/12345678901234567890123456",
    ],
)
def test_odd_numbers_are_a_4xx(http: Any, inbox: RunningInbox, path: str) -> None:
    answer = http.get(inbox.url + path)
    assert 400 <= answer.status_code < 500, answer.text


def test_a_large_limit_lists_what_there_is(http: Any, inbox: RunningInbox) -> None:
    answer = http.get(inbox.url + "/api/reports?limit=10000000")
    assert answer.status_code == 200 and answer.json()["reports"]
