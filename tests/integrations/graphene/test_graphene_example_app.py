"""example_apps/graphene_app.py (a plain WSGI view) under a threaded WSGI server: each
failing resolver reported once, inside the WSGI middleware's request."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.graphql_examples import (
    assert_demo_reports,
    send_demo_requests,
)
from tests.reports import Reports, vendor_request
from tests.threaded_servers import serving, wsgiref_server


def test_every_failing_resolver_of_the_example_is_reported_once(reports: Reports) -> None:
    example = load_example("graphene_app")
    with serving(wsgiref_server(example.app)) as url:
        answers = send_demo_requests(example, url)
    assert_demo_reports(reports, answers)
    assert {e.framework for e in reports.events} == {"wsgi"}  # the WSGI middleware's request
    for payload in reports.payloads("rollbar"):
        request = vendor_request("rollbar", payload)
        assert request["url"] == url + "/graphql"
        assert "query" in request["json"]  # the body the view read, kept by the middleware
