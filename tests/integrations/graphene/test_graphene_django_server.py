"""graphene-django's GraphQLView under a real threaded WSGI server on 127.0.0.1, with and
without errorwire's Django middleware: what arrives at the receiver, and the GraphQL
answer exactly as without errorwire."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any, Dict, Iterator, List
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import graphene
import pytest
from django.test import override_settings

from errorwire.integrations.graphene import ErrorwireMiddleware
from tests.integrations.graphene.graphene_apps import AUTH, ERRORWIRE_DJANGO, schema
from tests.integrations.graphql_support import (
    HEADERS,
    LINES,
    SCRUBBED_VARIABLES,
    USER_VARIABLES,
    assert_checkout_failure_reported,
    assert_order_lines_reported,
    assert_order_statuses_kept_apart,
    post,
    post_order_statuses,
)
from tests.receiver import Receiver
from tests.reports import (
    VENDORS,
    Reports,
    start,
    vendor_context,
    vendor_exception_classes,
    vendor_request,
)
from tests.threaded_servers import serving

CHECKOUT = (
    "mutation Checkout($card: String!, $password: String!, $note: String!) "
    "{ checkout(card: $card, password: $password, note: $note) { ok } }"
)
WITH_DJANGO = [ERRORWIRE_DJANGO, *AUTH]
"""errorwire's Django middleware first, as its README says; Django's auth after it."""


@contextmanager
def django_server(middleware: List[str]) -> Iterator[str]:
    """The Django site with this MIDDLEWARE, under the standard library's threaded WSGI server."""
    from django.core.handlers.wsgi import WSGIHandler

    with override_settings(MIDDLEWARE=middleware):
        server = make_server(
            "127.0.0.1", 0, WSGIHandler(), server_class=Server, handler_class=QuietHandler
        )
        with serving(server) as url:
            yield url


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64  # 30 clients connect at once (the default backlog is 5)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def bare_answer(query: str, variables: Any = None) -> Any:
    with django_server(AUTH) as url:
        response = post(url + "/bare", query, variables)
    return response.status_code, response.json()


@pytest.mark.parametrize("middleware", [WITH_DJANGO, AUTH], ids=["django-middleware", "alone"])
def test_a_nested_field_error_is_reported_once_with_its_path_and_the_answer_unchanged(
    receiver: Receiver, all_vendors: Dict[str, Any], middleware: List[str]
) -> None:
    bare = bare_answer(LINES, {"id": "o-1"})
    reports = start(receiver, all_vendors)
    with django_server(middleware) as url:
        headers = {"X-Remote-User": "erin", **HEADERS}
        response = post(url + "/graphql", LINES, {"id": "o-1"}, headers=headers)
    assert (response.status_code, response.json()) == bare
    assert bare[1]["errors"][0]["path"] == ["order", "lines", 1, "total"]

    event, payloads = reports.one()
    assert event.handled is False
    assert event.framework == ("django" if ERRORWIRE_DJANGO in middleware else "graphene")
    rollbar = assert_order_lines_reported(payloads, url + "/graphql")
    assert rollbar["headers"]["X-Request-Id"] == "req-1"  # as WSGI names it
    assert event.person is not None and event.person.username == "erin"  # Django's auth


def test_mutation_variables_are_scrubbed_in_the_custom_data_and_the_body(reports: Reports) -> None:
    with django_server(WITH_DJANGO) as url:
        response = post(url + "/graphql", CHECKOUT, USER_VARIABLES, operation="Checkout")
    assert response.json()["errors"][0]["message"] == "gateway refused the card ending 4242"

    payloads = assert_checkout_failure_reported(reports)
    assert vendor_context("bugsnag", payloads["bugsnag"]) == "Checkout: checkout"
    assert vendor_request("rollbar", payloads["rollbar"])["json"]["variables"] == SCRUBBED_VARIABLES
    for vendor in VENDORS:
        assert "hunter2" not in str(payloads[vendor]) and "4242 4242" not in str(payloads[vendor])


@pytest.mark.parametrize(
    "query",
    [
        "{ order(id: 1) { nope } }",  # validation
        "{ order(id: ",  # syntax
        '{ missing(id: "o-4") }',  # a GraphQLError the resolver raised: the app's answer
        "{ hello }",
    ],
)
def test_query_errors_and_graphql_errors_are_not_reported(
    receiver: Receiver, all_vendors: Dict[str, Any], query: str
) -> None:
    bare = bare_answer(query)
    reports = start(receiver, all_vendors)
    with django_server(WITH_DJANGO) as url:
        response = post(url + "/graphql", query)
    assert (response.status_code, response.json()) == bare
    reports.none()


@pytest.mark.parametrize("middleware", [WITH_DJANGO, AUTH], ids=["django-middleware", "alone"])
def test_30_concurrent_requests_keep_their_own_person_and_breadcrumbs(
    receiver: Receiver, all_vendors: Dict[str, Any], middleware: List[str]
) -> None:
    reports = start(receiver, all_vendors, storm_limit=1000)
    with django_server(middleware) as url:
        post_order_statuses(url + "/graphql", 30)
    assert_order_statuses_kept_apart(reports, 30)


def test_schema_execute_outside_a_request_reports_without_one(reports: Reports) -> None:
    result = schema.execute(CHECKOUT, variables=USER_VARIABLES, middleware=[ErrorwireMiddleware()])
    assert result.errors and result.errors[0].path == ["checkout"]
    event, payloads = reports.one()
    assert event.request is None and event.framework is None
    assert vendor_context("rollbar", payloads["rollbar"]) == "Checkout: checkout"


class AsyncQuery(graphene.ObjectType):
    stock = graphene.Int(sku=graphene.String())

    async def resolve_stock(root: Any, info: Any, sku: str) -> int:
        await asyncio.sleep(0)
        raise LookupError(f"sku {sku} unknown")


def test_an_async_resolver_error_under_execute_async(reports: Reports) -> None:
    async_schema = graphene.Schema(query=AsyncQuery)
    result = asyncio.run(
        async_schema.execute_async('{ stock(sku: "X1") }', middleware=[ErrorwireMiddleware()])
    )
    assert result.errors and result.errors[0].message == "sku X1 unknown"
    _, payloads = reports.one()
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["LookupError"]
    assert vendor_context("rollbar", payloads["rollbar"]) == "anonymous query: stock"
