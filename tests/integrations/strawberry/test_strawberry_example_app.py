"""example_apps/strawberry_app.py under uvicorn: each failing resolver reported once."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.graphql_examples import (
    assert_demo_reports,
    send_demo_requests,
)
from tests.reports import Reports


def test_every_failing_resolver_of_the_example_is_reported_once(reports: Reports) -> None:
    example = load_example("strawberry_app")
    with serve(example.app) as url:
        answers = send_demo_requests(example, url)
    assert_demo_reports(reports, answers)
