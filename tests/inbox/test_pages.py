"""The inbox's pages and JSON listing show what arrived: groups, a report's detail."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path

import pytest

from errorwire.inbox import start_inbox
from tests.inbox.inbox_http import Poster
from tests.inbox.inbox_payloads import EXPECTED_CLASS, EXPECTED_URL, example


def stored_id(post: Poster) -> int:
    return int(post.get("/api/reports").json()["reports"][0]["id"])


@pytest.mark.parametrize("vendor", ["rollbar", "raygun", "bugsnag"])
def test_report_page_shows_class_frames_request_person_and_raw(vendor: str, post: Poster) -> None:
    payload, headers = example(vendor)
    post.send(vendor, payload, headers)
    page = post.get(f"/reports/{stored_id(post)}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert f"<b class=exception-class>{EXPECTED_CLASS[vendor]}</b>" in html
    assert f"<code class=request-url>{EXPECTED_URL[vendor]}</code>" in html
    frames = {
        "rollbar": ["/Users/brian/www/mox/mox/views/project.py:26", "index", "_save_last_project"],
        "raygun": ["BrokenService.cs:55", "BreakEverything()"],
        "bugsnag": ["controllers/auth/session_controller.rb:1234", "create"],
    }[vendor]
    for text in frames:
        assert text in html
    person = {"rollbar": "brianr", "raygun": "123456789", "bugsnag": "snmaynard"}[vendor]
    assert person in re.search(r"<div id=person>(.*?)</div>", html, re.S).group(1)  # type: ignore[union-attr]
    assert "<pre id=raw>" in html


def test_frames_are_shown_most_recent_call_last_with_project_frames_marked(post: Poster) -> None:
    payload, headers = example("bugsnag")  # Bugsnag lists the failing frame first
    post.send("bugsnag", payload, headers)
    html = post.get(f"/reports/{stored_id(post)}").text
    frames = re.findall(r"<li class='frame ([a-z-]+)'>.*?<code class=file>(.*?)</code>", html)
    assert frames == [
        ("library", "/gems/rack/lib/rack.rb:7"),
        ("in-project", "controllers/auth/session_controller.rb:1234"),
    ]
    assert "<span class=error-line> 1234   connect!</span>" in html


def test_rollbar_source_context_lines_are_numbered(post: Poster) -> None:
    payload, headers = example("rollbar")
    post.send("rollbar", payload, headers)
    html = post.get(f"/reports/{stored_id(post)}").text
    assert "<span class=context-line>   24 project = request.context</span>" in html
    assert (
        "<span class=error-line>   26 _save_last_project(request, project_id, force=True)</span>"
        in html
    )
    # The frames are under server.root: in-project for Rollbar, which sends no flag.
    assert html.count("<li class='frame in-project'>") == 2


def test_everything_from_the_payload_is_escaped(post: Poster) -> None:
    payload, headers = example("rollbar")
    payload["data"]["body"]["trace"]["exception"]["message"] = "<script>alert(1)</script>"
    payload["data"]["request"]["url"] = 'https://x.test/?q="><img src=x onerror=alert(2)>'
    post.send("rollbar", payload, headers)
    for path in ("/", f"/reports/{stored_id(post)}"):
        html = post.get(path).text
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def send_rollbar(post: Poster, fingerprint: str, message: str) -> None:
    payload, _ = example("rollbar")
    data = payload["data"]
    del data["uuid"]
    data["fingerprint"] = fingerprint
    data["body"]["trace"]["exception"]["message"] = message
    assert post.send("rollbar", payload).status_code == 200


def test_index_lists_groups_newest_first_with_counts(post: Poster) -> None:
    send_rollbar(post, "group-a", "first a")
    send_rollbar(post, "group-b", "only b")
    send_rollbar(post, "group-a", "second a")
    groups = post.get("/api/groups").json()["groups"]
    assert [(g["grouping_key"], g["count"]) for g in groups] == [("group-a", 2), ("group-b", 1)]
    html = post.get("/").text
    rows = re.findall(r"<tr class=group>.*?</tr>", html)
    assert len(rows) == 2
    assert "second a" in rows[0] and "<td class=count>2</td>" in rows[0]
    assert "only b" in rows[1] and "<td class=count>1</td>" in rows[1]


def test_without_grouping_key_reports_group_by_class_and_message(post: Poster) -> None:
    for message in ("same", "same", "other"):
        payload, headers = example("raygun")
        del payload["details"]["groupingKey"]
        payload["details"]["error"]["message"] = message
        post.send("raygun", payload, headers)
    groups = post.get("/api/groups").json()["groups"]
    assert sorted((g["grouping_key"], g["count"]) for g in groups) == [
        ("ErrorClass|other", 1),
        ("ErrorClass|same", 2),
    ]


def test_bugsnag_payload_with_two_events_stores_two_reports(post: Poster) -> None:
    payload, headers = example("bugsnag")
    second = json.loads(json.dumps(payload["events"][0]))
    second["exceptions"][0]["errorClass"] = "ZeroDivisionError"
    payload["events"].append(second)
    post.send("bugsnag", payload, headers)
    listed = post.get("/api/reports").json()["reports"]
    assert sorted(r["exception_class"] for r in listed) == ["NoMethodError", "ZeroDivisionError"]


def test_api_reports_lists_summaries_and_filters_by_vendor(post: Poster) -> None:
    for vendor in ("rollbar", "raygun", "bugsnag"):
        payload, headers = example(vendor)
        post.send(vendor, payload, headers)
    everything = post.get("/api/reports").json()["reports"]
    assert [r["vendor"] for r in everything] == ["bugsnag", "raygun", "rollbar"]
    raygun = post.get("/api/reports?vendor=raygun").json()["reports"]
    assert len(raygun) == 1
    summary = raygun[0]
    assert summary["request_path"] == "/docs/integrations/api"
    assert summary["environment"] == "production"
    assert summary["person"] == {
        "id": "123456789",
        "username": "Test User",
        "email": "test@example.com",
    }
    full = post.get(f"/api/reports/{summary['id']}").json()
    assert full["raw"] == example("raygun")[0]


def test_unknown_report_is_404(post: Poster) -> None:
    assert post.get("/reports/999").status_code == 404
    assert post.get("/api/reports/999").status_code == 404


def test_store_is_sqlite_in_wal_mode_and_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "reports.sqlite3")
    payload, headers = example("rollbar")
    with start_inbox(db=db) as first:
        assert first.store.journal_mode == "wal"
        Poster(first).send("rollbar", payload, headers)
    with start_inbox(db=db) as second:
        listed = Poster(second).get("/api/reports").json()["reports"]
    assert [r["exception_class"] for r in listed] == ["NameError"]


def test_schemas_ship_inside_the_package() -> None:
    shipped = importlib.resources.files("errorwire.inbox") / "schemas"
    names = sorted(p.name for p in shipped.iterdir())  # type: ignore[attr-defined]
    assert names == ["bugsnag-openapi.yml", "raygun-entry.schema.json", "rollbar-item.schema.json"]
    tests_copy = Path(__file__).resolve().parents[1] / "schemas"
    for name in names:
        assert (shipped / name).read_text() == (tests_copy / name).read_text(), name


def test_a_message_report_shows_its_text(post: Poster) -> None:
    payload = {
        "access_token": "t",
        "data": {"environment": "staging", "body": {"message": {"body": "disk <almost> full"}}},
    }
    assert post.send("rollbar", payload).status_code == 200
    html = post.get(f"/reports/{stored_id(post)}").text
    assert "<h1 id=title>disk &lt;almost&gt; full</h1>" in html
    assert "no exception: a message" in html
    assert "<li class='frame" not in html
