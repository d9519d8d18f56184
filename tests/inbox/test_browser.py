"""The inbox pages in a real headless Chromium (Debian's package, driven by Playwright).

Skipped, with the reason, when Playwright or a Chromium binary is missing. CI installs
both: ``apt-get install -y chromium`` and ``pip install playwright`` (no browser
download: the system binary is used). ``ERRORWIRE_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

from errorwire.inbox import RunningInbox
from tests.inbox.inbox_http import Poster
from tests.inbox.inbox_payloads import example
from tests.inbox.release_traffic import REVISION, deploy, serve_requests

pytestmark = [pytest.mark.browser, pytest.mark.served_inbox]

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


ARTIFACTS = Path(
    os.environ.get("ERRORWIRE_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts"
)
"""Screenshots of the pages land in ``$ERRORWIRE_ARTIFACTS/inbox`` (default: test-artifacts/)."""


def screenshot(page: Any, name: str) -> Path:
    folder = ARTIFACTS / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000, path  # a real picture, not an empty file
    return path


def chromium_path() -> Optional[str]:
    named = os.environ.get("ERRORWIRE_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: pip install playwright"
    )
    path = chromium_path()
    if path is None:
        pytest.skip(
            "no Chromium installed (apt-get install -y chromium, or set ERRORWIRE_CHROMIUM)"
        )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def test_inbox_pages_in_a_real_browser(page: Any, post: Poster, inbox: RunningInbox) -> None:
    p = page
    for vendor in ("bugsnag", "raygun"):
        payload, headers = example(vendor)
        assert post.send(vendor, payload, headers).status_code in (200, 202)
    payload, headers = example("rollbar")
    payload["data"]["body"]["trace"]["exception"]["message"] = "<img src=x onerror=alert(1)>"
    assert post.send("rollbar", payload, headers).status_code == 200

    problems: List[str] = []
    p.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    p.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    p.goto(inbox.url + "/")
    screenshot(p, "index")
    rows = p.locator("tr.group")
    assert rows.count() == 3
    assert rows.nth(0).inner_text().split("\t")[1].strip() == "rollbar"  # newest first
    assert "NameError: <img src=x onerror=alert(1)>" in rows.nth(0).inner_text()

    rows.nth(0).locator("a").click()
    p.wait_for_url("**/reports/*")
    assert p.locator("h1#title").inner_text() == "NameError: <img src=x onerror=alert(1)>"
    assert p.locator(".exception-class").all_inner_texts() == ["NameError"]
    frames = p.locator("li.frame")
    assert frames.count() == 2
    assert frames.nth(1).locator(".tag.app").is_visible()  # in-project marker shown
    assert "_save_last_project" in frames.nth(1).inner_text()
    error_line = frames.nth(1).locator(".error-line")
    assert error_line.inner_text().strip() == "497 user = foo"
    assert p.locator(".request-url").inner_text() == "https://rollbar.com/project/1"
    assert "brianr" in p.locator("#person").inner_text()
    assert not p.locator("#raw").is_visible()  # folded until asked for
    p.locator("#raw-payload summary").click()
    assert p.locator("#raw").is_visible()
    assert '"access_token"' in p.locator("#raw").inner_text()
    assert p.locator("img").count() == 0
    screenshot(p, "report-rollbar")

    p.go_back()
    p.locator("tr.group", has_text="bugsnag").locator("a").click()
    p.wait_for_url("**/reports/*")
    assert p.locator(".exception-class").inner_text() == "NoMethodError"
    assert problems == []


def test_release_health_pages_in_a_real_browser(
    page: Any, post: Poster, inbox: RunningInbox, tmp_path: Path
) -> None:
    p = page
    problems: List[str] = []
    p.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    deploy(inbox, tmp_path)
    serve_requests(inbox, ok=3)

    p.goto(inbox.url + "/")
    error_rows = p.locator("#errors tr.error-row")
    assert error_rows.count() == 1
    badges = error_rows.nth(0).locator(".vendor-badge").all_inner_texts()
    assert sorted(badges) == ["bugsnag", "raygun", "rollbar"]
    assert REVISION in error_rows.nth(0).locator(".after-deploy").inner_text()
    assert p.locator("#deploys tr.deploy").count() == 3
    assert p.locator("#deploys .deploy-marker").first.is_visible()
    release = p.locator("#releases tr.release")
    assert release.locator(".sessions").inner_text() == "4"
    assert release.locator(".error-rate").inner_text() == "25.0%"
    screenshot(p, "index-releases")

    error_rows.nth(0).locator("a").click()
    p.wait_for_url("**/reports/*")
    assert "basket priced" in p.locator("#breadcrumbs").inner_text()
    assert "region" in p.locator("#tags").inner_text()
    assert "basket_total" in p.locator("#locals").inner_text()
    assert p.locator("#metadata").is_visible() and p.locator("#notes").is_visible()
    screenshot(p, "report-details")
    assert problems == []
