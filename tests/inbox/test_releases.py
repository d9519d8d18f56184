"""The inbox receives deploys, builds and session counts at the vendors' paths, and
shows them: deploy markers, sessions and error rate per release, one row per error
across vendors, and a report's breadcrumbs, tags, context, metadata, locals, notes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from errorwire.inbox import RunningInbox
from tests.inbox.inbox_http import InProcessInbox, Poster
from tests.inbox.release_traffic import REVISION, deploy, serve_requests

pytest.importorskip("flask")


def text_of(html: str, ident: str) -> str:
    """The text inside the element with ``id=ident`` up to the next section."""
    start = html.index(f"id={ident}")
    return re.sub(r"<[^>]+>", " ", html[start : html.find("<h2>", start) % (len(html) + 1)])


@pytest.mark.served_inbox  # the command and errorwire's transport reach it over sockets
def test_deploys_sessions_and_errors_show_up_together(
    inbox: RunningInbox, post: Poster, tmp_path: Path
) -> None:
    assert not isinstance(inbox, InProcessInbox)
    deploy(inbox, tmp_path)
    serve_requests(inbox, ok=3)
    html = post.get("/").text

    deploys = re.findall(r"<tr class=deploy>.*?</tr>", html)
    assert len(deploys) == 3  # Rollbar (started, then updated), Bugsnag, Raygun
    rollbar_deploy = next(row for row in deploys if "'tag rollbar'" in row)
    assert "succeeded" in rollbar_deploy and REVISION in rollbar_deploy
    assert "release 1.4.2" in rollbar_deploy

    (release,) = re.findall(r"<tr class=release>.*?</tr>", html)
    assert f"<code>{REVISION}</code>" in release
    assert "<td class=sessions>4</td>" in release  # 3 good requests and the failing one
    assert "<td class=errors>1</td>" in release
    assert "25.0%" in release

    (error,) = re.findall(r"<tr class=error-row>.*?</tr>", html)
    assert "LookupError: no stock for cart 7" in error
    for vendor in ("rollbar", "raygun", "bugsnag"):
        assert f"'tag {vendor} vendor-badge'" in error
    assert f"<code>{REVISION}</code>" in error  # first seen after that deploy
    assert len(re.findall(r"<tr class=group>", html)) == 3  # the per-vendor table stays

    report_id = re.search(r"<tr class=error-row><td><a href='/reports/(\d+)'", error)
    assert report_id is not None
    for report in post.get("/api/reports").json()["reports"]:
        page = post.get(f"/reports/{report['id']}").text
        assert "basket priced" in text_of(page, "breadcrumbs"), report["vendor"]
        assert "region" in text_of(page, "tags")
        assert "basket_total" in text_of(page, "locals"), report["vendor"]
        if report["vendor"] != "raygun":  # Raygun's payload has no context field
            assert "/checkout/" in text_of(page, "context")
        if report["vendor"] == "bugsnag":
            assert "handled" in text_of(page, "notes")  # its session
            assert "request" in text_of(page, "metadata")


def test_release_requests_are_checked_like_the_vendors_do(post: Poster) -> None:
    url = post.inbox.url
    http = post.http
    refused = http.post(f"{url}/api/1/deploy", json={"environment": "p", "revision": "1"})
    assert refused.status_code == 401
    bad = http.post(
        f"{url}/api/1/deploy", json={"environment": "p"},
        headers={"X-Rollbar-Access-Token": "t"},
    )  # fmt: skip
    assert bad.status_code == 400 and "revision" in bad.json()["message"]
    assert http.patch(
        f"{url}/api/1/deploy/999", json={"status": "failed"},
        headers={"X-Rollbar-Access-Token": "t"},
    ).status_code == 404  # fmt: skip
    build = http.post(f"{url}/build", json={"apiKey": "k"})
    assert build.status_code == 400 and "appVersion" in build.json()["errors"][0]
    deployment = http.post(
        f"{url}/v3/applications/api-key/k/deployments", json={"version": ""},
        headers={"Authorization": "Bearer pat"},
    )  # fmt: skip
    assert deployment.status_code == 422
    sessions = http.post(
        f"{url}/sessions", json={"notifier": {}, "app": {}, "sessionCounts": []},
        headers={"Bugsnag-Api-Key": "k"},
    )  # fmt: skip
    assert sessions.status_code == 400
