"""example_apps/strawberry_app.py under uvicorn: each failing resolver reported once."""

from __future__ import annotations

from typing import Any, Dict

from tests.helpers import load_example
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.graphql_examples import (
    assert_demo_reports,
    send_demo_requests,
)
from tests.receiver import Receiver
from tests.reports import start


def test_every_failing_resolver_of_the_example_is_reported_once(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    example = load_example("strawberry_app")
    with serve(example.app) as url:
        answers = send_demo_requests(example, url)
    assert_demo_reports(reports, answers)
