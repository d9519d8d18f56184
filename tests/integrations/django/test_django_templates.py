"""A Django template error points at the template: a frame of its own, from Django's
template debug information, at every vendor."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import pytest

pytest.importorskip("django")

from django.conf import settings
from django.test import Client, override_settings

from tests.reports import Reports

Env = Dict[str, Any]


@pytest.fixture
def template_debug() -> Iterator[None]:
    """Template debugging on (Django's default when ``DEBUG`` is): what annotates errors."""
    engine = settings.TEMPLATES[0]
    templates = [{**engine, "OPTIONS": {**engine.get("OPTIONS", {}), "debug": True}}]
    with override_settings(TEMPLATES=templates):
        yield


def rollbar_frames(payload: Dict[str, Any]) -> List[Dict[str, Any]]:
    body = payload["data"]["body"]
    trace = body["trace_chain"][0] if "trace_chain" in body else body["trace"]
    return list(trace["frames"])


def test_a_template_syntax_error_has_the_template_as_innermost_frame(
    template_debug: None, reports: Reports
) -> None:
    assert Client(raise_request_exception=False).get("/template-syntax/").status_code == 500
    event, payloads = reports.one()
    frames = event.exceptions[0].frames
    innermost = [f for f in frames if f.in_project][-1]
    assert innermost.filename.endswith("templates/ew_syntax.html")
    assert (innermost.lineno, innermost.code) == (3, "  {% nosuchtag %}")
    assert innermost.pre_context == ["<h1>{{ title }}</h1>", "<ul>"]
    assert innermost.post_context == ["</ul>"]
    assert innermost is frames[-1]

    rollbar = rollbar_frames(payloads["rollbar"])[-1]
    assert rollbar["filename"].endswith("ew_syntax.html") and rollbar["lineno"] == 3
    assert rollbar["code"] == "  {% nosuchtag %}"
    bugsnag = payloads["bugsnag"]["events"][0]["exceptions"][0]["stacktrace"][0]
    assert bugsnag["file"].endswith("ew_syntax.html") and bugsnag["inProject"] is True
    assert bugsnag["code"]["3"] == "  {% nosuchtag %}"
    raygun = payloads["raygun"]["details"]["error"]["stackTrace"][0]
    assert raygun["fileName"].endswith("ew_syntax.html") and raygun["lineNumber"] == 3
    assert "template_debug" not in str(payloads["bugsnag"]["events"][0]["metaData"])


def test_a_helper_failing_in_a_template_keeps_its_frame_innermost(
    template_debug: None, reports: Reports
) -> None:
    assert Client(raise_request_exception=False).get("/template-in-view/").status_code == 500
    event, _ = reports.one()
    frames = event.exceptions[0].frames
    assert frames[-1].function == "Exploder.explode"
    template = frames[-2]
    assert template.filename.endswith("ew_boom.html") and template.lineno == 2
    assert template.code == "<p>{{ thing.explode }}</p>"
    assert frames[-3].module is not None and frames[-3].module.startswith("django.template")


def test_without_template_debugging_there_is_no_template_frame(reports: Reports) -> None:
    assert Client(raise_request_exception=False).get("/template-in-view/").status_code == 500
    event, _ = reports.one()
    assert not [f for f in event.exceptions[0].frames if f.filename.endswith(".html")]
