"""errorwire's own encoders and transport, pointed at the inbox: every report accepted
and shown. A Starlette app with the errorwire middleware fails a real request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import errorwire
from errorwire.inbox import RunningInbox
from tests.inbox.inbox_http import Poster

starlette = pytest.importorskip("starlette")
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from errorwire.integrations.starlette import ErrorwireMiddleware  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.served_inbox  # errorwire's transport posts to it


def lookup_order(request: Request) -> Response:
    errorwire.set_person(id="42", username="alice", email="alice@example.com")
    orders: dict = {}
    try:
        return orders[request.path_params["order_id"]]  # type: ignore[no-any-return]
    except KeyError as missing:
        raise ValueError("order <b>not</b> found") from missing


@pytest.fixture
def failing_request(inbox: RunningInbox) -> None:
    urls = inbox.endpoints()
    errorwire.init(
        environment="inbox-test",
        project_root=str(REPO),
        rollbar=errorwire.Rollbar(access_token="rollbar-token", endpoint=urls["rollbar"]),
        raygun=errorwire.Raygun(api_key="raygun-key", endpoint=urls["raygun"]),
        bugsnag=errorwire.Bugsnag(api_key="bugsnag-key", endpoint=urls["bugsnag"]),
    )
    app = Starlette(routes=[Route("/orders/{order_id}", lookup_order)])
    app.add_middleware(ErrorwireMiddleware)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/orders/7?expand=items").status_code == 500
    assert errorwire.flush(timeout=10.0)


def test_every_vendor_report_is_accepted(failing_request: None, post: Poster) -> None:
    listed = post.get("/api/reports").json()["reports"]
    assert sorted(r["vendor"] for r in listed) == ["bugsnag", "raygun", "rollbar"]
    for report in listed:
        assert report["exception_class"] == "ValueError", report
        assert report["framework"] == "starlette", report
        assert report["environment"] == "inbox-test", report
        assert report["request_path"] == "/orders/7", report
        assert report["person"]["id"] == "42", report
    assert "Rejected requests" not in post.get("/").text


@pytest.mark.parametrize("vendor", ["rollbar", "raygun", "bugsnag"])
def test_report_page_shows_the_chain_and_the_failing_view(
    vendor: str, failing_request: None, post: Poster
) -> None:
    (summary,) = post.get(f"/api/reports?vendor={vendor}").json()["reports"]
    html = post.get(f"/reports/{summary['id']}").text
    classes = re.findall(r"<b class=exception-class>(.*?)</b>", html)
    assert [c.rsplit(".", 1)[-1] for c in classes] == ["ValueError", "KeyError"]
    assert "order &lt;b&gt;not&lt;/b&gt; found" in html
    view_frames = re.findall(r"<li class='frame ([a-z-]+)'>[^\n]*?lookup_order</code>", html)
    assert view_frames and set(view_frames) == {"in-project"}
    assert re.search(
        r"<code class=request-url>http://testserver/orders/7(\?expand=items)?</code>", html
    )
    assert "42" in re.search(r"<div id=person>(.*?)</div>", html, re.S).group(1)  # type: ignore[union-attr]
