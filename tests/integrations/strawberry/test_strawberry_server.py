"""Strawberry's ASGI app under a real uvicorn server on 127.0.0.1: what arrives at the
receiver for each way a resolver fails, and the GraphQL answer exactly as without errorwire."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Dict, Iterator, List

import pytest
from strawberry.extensions import SchemaExtension

import errorwire
from tests.integrations.asgi.asgi_support import Records, reporting_log, serve
from tests.integrations.graphql_support import (
    HEADERS,
    LINES,
    SCRUBBED_VARIABLES,
    USER_VARIABLES,
    assert_checkout_failure_reported,
    assert_graphql_data,
    assert_order_lines_reported,
    assert_order_statuses_kept_apart,
    post,
    post_order_statuses,
)
from tests.integrations.strawberry.strawberry_apps import (
    make_app,
    make_fastapi_app,
    make_schema,
    make_starlette_app,
)
from tests.receiver import Receiver
from tests.reports import (
    VENDORS,
    Reports,
    assert_request_reported,
    start,
    vendor_context,
    vendor_exception_classes,
    vendor_person_id,
    vendor_request,
)

CHECKOUT = (
    "mutation Checkout($card: String!, $password: String!, $note: String!) "
    "{ checkout(card: $card, password: $password, note: $note) }"
)


def answers_of(app: Any, query: str, variables: Any = None) -> Dict[str, Any]:
    with serve(app) as url:
        response = post(url + "/", query, variables)
    assert response.status_code == 200
    return dict(response.json())


def test_a_nested_field_error_is_reported_once_with_its_path_and_the_answer_unchanged(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    bare = answers_of(make_app(extensions=()), LINES, {"id": "o-1"})
    reports = start(receiver, all_vendors)
    with serve(make_app()) as url:
        response = post(url + "/", LINES, {"id": "o-1"}, headers=HEADERS)
    assert response.status_code == 200
    assert response.json() == bare  # data with the failed field nulled, and its error
    assert bare["errors"][0]["path"] == ["order", "lines", 1, "total"]

    event, payloads = reports.one()
    assert event.handled is False and event.framework == "strawberry"
    rollbar = assert_order_lines_reported(payloads, url + "/")
    assert rollbar["headers"]["x-request-id"] == "req-1"  # as ASGI names it
    bugsnag = payloads["bugsnag"]["events"][0]["metaData"]["request"]
    assert bugsnag["json"]["variables"] == {"id": "o-1"}


def test_variables_are_scrubbed_in_the_custom_data_and_the_body(reports: Reports) -> None:
    with serve(make_app()) as url:
        response = post(url + "/", CHECKOUT, USER_VARIABLES, operation="Checkout")
    assert response.json()["errors"][0]["message"] == "gateway refused the card ending 4242"

    payloads = assert_checkout_failure_reported(reports)
    for vendor in ("rollbar", "bugsnag"):
        assert vendor_context(vendor, payloads[vendor]) == "Checkout: checkout"
    sent = vendor_request("rollbar", payloads["rollbar"])["json"]["variables"]
    assert sent == SCRUBBED_VARIABLES
    for vendor in VENDORS:
        assert "hunter2" not in str(payloads[vendor]) and "4242 4242" not in str(payloads[vendor])


def test_an_async_resolver_error_in_an_anonymous_get_query(reports: Reports) -> None:
    with serve(make_app()) as url:
        query = '{ order(id: "o-9") { status } }'
        response = httpx_get(url + "/?query=" + query)
    assert response.status_code == 200
    assert response.json()["errors"][0]["path"] == ["order", "status"]

    _, payloads = reports.one()
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["LookupError"]
    assert vendor_context("rollbar", payloads["rollbar"]) == "anonymous query: order.status"
    assert_graphql_data(payloads, operation=None, kind="query", path=["order", "status"])
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["method"] == "GET" and rollbar["GET"] == {"query": query}


def test_an_error_outside_any_resolver_is_reported_from_the_result(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    bare = answers_of(make_app(extensions=()), 'query Discount { discount(code: "SPRING") }')
    reports = start(receiver, all_vendors)
    with serve(make_app()) as url:
        response = post(url + "/", 'query Discount { discount(code: "SPRING") }')
    assert response.json() == bare
    assert bare["errors"][0]["message"] == "no currency for 250 cents"

    _, payloads = reports.one()
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["ValueError"]
    assert vendor_context("bugsnag", payloads["bugsnag"]) == "Discount: discount"
    assert_graphql_data(payloads, operation="Discount", kind="query", path=["discount"])
    assert_request_reported(payloads, url=url + "/", method="POST", client_ip="127.0.0.1")


def httpx_get(url: str) -> Any:
    import httpx

    return httpx.get(url, timeout=30.0)


@pytest.mark.parametrize(
    "query",
    [
        "{ order(id: 1) { nope } }",  # validation: unknown field, wrong argument type
        "{ order(id: ",  # syntax
        '{ missing(id: "o-4") }',  # a GraphQLError the resolver raised: the app's answer
        "{ revenue }",  # a permission class said no
        "{ hello }",
    ],
)
def test_query_errors_and_graphql_errors_are_not_reported(
    receiver: Receiver, all_vendors: Dict[str, Any], query: str
) -> None:
    bare = answers_of(make_app(extensions=()), query) if query != "{ order(id: " else None
    reports = start(receiver, all_vendors)
    with serve(make_app()) as url:
        response = post(url + "/", query)
    if bare is not None:
        assert response.json() == bare
    reports.none()


def test_with_the_starlette_middleware_around_it_the_report_is_one_and_the_request_its(
    reports: Reports,
) -> None:
    with serve(make_starlette_app()) as url:
        response = post(
            url + "/graphql/", LINES, {"id": "o-2"}, headers={"X-Auth-User": "carol", **HEADERS}
        )
    assert response.status_code == 200 and response.json()["errors"]

    event, payloads = reports.one()
    assert event.framework == "starlette"  # the web integration's request scope
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "carol"  # Starlette's auth
    assert vendor_context("rollbar", payloads["rollbar"]) == "OrderLines: order.lines.1.total"
    assert_request_reported(payloads, url=url + "/graphql/", method="POST", client_ip="203.0.113.7")
    assert vendor_request("rollbar", payloads["rollbar"])["json"]["variables"] == {"id": "o-2"}


def test_without_errorwire_middleware_the_person_comes_from_starlette_auth(
    reports: Reports,
) -> None:
    with serve(make_starlette_app(with_errorwire=False)) as url:
        post(url + "/graphql/", LINES, {"id": "o-3"}, headers={"X-Auth-User": "dave"})

    event, payloads = reports.one()
    assert event.framework == "strawberry"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "dave"


@pytest.mark.parametrize("with_errorwire", [True, False], ids=["errorwire-middleware", "alone"])
def test_under_fastapis_router_the_request_is_the_one_fastapi_served(
    receiver: Receiver, all_vendors: Dict[str, Any], with_errorwire: bool
) -> None:
    pytest.importorskip("fastapi")
    reports = start(receiver, all_vendors)
    with serve(make_fastapi_app(with_errorwire)) as url:
        response = post(url + "/graphql", LINES, {"id": "o-6"}, headers=HEADERS)
    assert response.status_code == 200 and response.json()["errors"]

    event, payloads = reports.one()
    assert event.framework == ("fastapi" if with_errorwire else "strawberry")
    assert vendor_context("rollbar", payloads["rollbar"]) == "OrderLines: order.lines.1.total"
    assert_request_reported(payloads, url=url + "/graphql", method="POST", client_ip="203.0.113.7")
    assert vendor_request("rollbar", payloads["rollbar"])["json"]["variables"] == {"id": "o-6"}


@pytest.fixture
def strawberry_log() -> Iterator[Records]:
    """errorwire's LoggingHandler where Strawberry logs the errors of an operation."""
    with reporting_log("strawberry.execution") as records:
        yield records


def test_strawberrys_log_record_of_the_error_is_no_second_report(
    receiver: Receiver, all_vendors: Dict[str, Any], strawberry_log: Records
) -> None:
    reports = start(receiver, all_vendors)
    with serve(make_app()) as url:
        post(url + "/", LINES, {"id": "o-5"})
    assert len(strawberry_log.wait_for(1)) == 1
    event, _ = reports.one()
    assert event.logger_name is None  # the extension's report, not the log record's
    client = errorwire.get_client()
    assert client is not None and client.stats()["client"].get("duplicate") == 1


def test_30_concurrent_operations_keep_their_own_person_and_breadcrumbs(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors, storm_limit=1000)
    with serve(make_app()) as url:
        post_order_statuses(url + "/", 30)
    assert_order_statuses_kept_apart(reports, 30)


def test_execute_sync_outside_any_server_reports_without_a_request(reports: Reports) -> None:
    result = make_schema().execute_sync(CHECKOUT, variable_values=USER_VARIABLES)
    assert result.errors and result.errors[0].path == ["checkout"]
    event, payloads = reports.one()
    assert event.request is None
    assert vendor_context("rollbar", payloads["rollbar"]) == "Checkout: checkout"


def subscriptions_run_extensions() -> bool:
    """Whether this Strawberry runs schema extensions for subscriptions (newer ones do;
    0.220 hands them to graphql-core's ``subscribe`` without any)."""
    seen: List[str] = []

    class Probe(SchemaExtension):  # type: ignore[misc]
        def on_operation(self) -> Iterator[None]:
            seen.append("operation")
            yield

    async def follow() -> None:
        stream = await make_schema(extensions=(Probe,)).subscribe(
            'subscription { deliveries(order: "probe") }'
        )
        with contextlib.suppress(ConnectionError):
            async for _ in stream:
                pass

    asyncio.run(follow())
    return bool(seen)


def test_an_error_in_a_subscription_stream_is_reported_once(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    with_extensions = subscriptions_run_extensions()
    reports = start(receiver, all_vendors)

    async def follow() -> List[Any]:
        stream = await make_schema().subscribe('subscription Track { deliveries(order: "o-7") }')
        return [result async for result in stream]

    if not with_extensions:  # the error reaches the transport; no extension ever saw it
        with pytest.raises(ConnectionError):
            asyncio.run(follow())
        reports.none()
        return
    results = asyncio.run(follow())
    assert results[0].data == {"deliveries": 1}
    assert results[-1].errors[0].message == "the tracking feed of o-7 dropped"
    event, payloads = reports.one()
    assert event.exceptions[0].type_name == "ConnectionError"
    assert vendor_context("rollbar", payloads["rollbar"]) == "Track"
