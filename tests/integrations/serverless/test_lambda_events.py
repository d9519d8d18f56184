"""Where Lambda events come from, and the request an HTTP event carries (payload
formats 1.0 and 2.0), read from the event shapes AWS documents."""

from __future__ import annotations

import base64

from errorwire.integrations.aws_lambda_event import event_source, http_request

HTTP_API_EVENT = {
    "version": "2.0",
    "routeKey": "GET /items/{id}",
    "rawPath": "/items/7",
    "rawQueryString": "a=1&a=2",
    "cookies": ["session=s3cr3t", "theme=dark"],
    "headers": {
        "host": "abc.execute-api.eu-west-1.amazonaws.com",
        "x-forwarded-for": "198.51.100.4",
    },
    "pathParameters": {"id": "7"},
    "requestContext": {
        "domainName": "abc.execute-api.eu-west-1.amazonaws.com",
        "http": {"method": "GET", "path": "/items/7", "sourceIp": "198.51.100.4"},
    },
    "isBase64Encoded": False,
}


def test_sources_of_documented_event_shapes() -> None:
    assert event_source(HTTP_API_EVENT) == "aws:api-gateway-v2"
    url_event = {
        **HTTP_API_EVENT,
        "requestContext": {
            "domainName": "xyz.lambda-url.eu-west-1.on.aws",
            "http": {"method": "GET"},
        },
    }
    assert event_source(url_event) == "aws:lambda-url"
    assert event_source({"httpMethod": "GET", "requestContext": {"elb": {}}}) == "aws:elb"
    assert event_source({"Records": [{"eventSource": "aws:sqs"}]}) == "aws:sqs"
    assert event_source({"Records": [{"EventSource": "aws:sns"}]}) == "aws:sns"
    assert event_source({"source": "aws.events", "detail-type": "Scheduled Event"}) == (
        "aws:eventbridge"
    )
    assert event_source({"anything": 1}) is None
    assert event_source(["not", "a", "dict"]) is None


def test_http_api_request() -> None:
    request = http_request(HTTP_API_EVENT, max_body=1024, ip_headers=("X-Forwarded-For",))
    assert request is not None
    assert request.url == "https://abc.execute-api.eu-west-1.amazonaws.com/items/7?a=1&a=2"
    assert (request.method, request.route, request.route_params) == (
        "GET",
        "/items/{id}",
        {"id": "7"},
    )
    assert request.query == {"a": ["1", "2"]}
    assert request.cookies == {"session": "s3cr3t", "theme": "dark"}
    assert request.client_ip == "198.51.100.4"


def test_base64_body_and_not_http() -> None:
    event = {
        "httpMethod": "PUT",
        "path": "/x",
        "headers": {"Host": "h", "Content-Type": "application/json"},
        "body": base64.b64encode(b'{"a": 1}').decode(),
        "isBase64Encoded": True,
    }
    request = http_request(event, max_body=1024, ip_headers=())
    assert request is not None and request.json == {"a": 1} and request.has_json
    assert http_request({"Records": []}, max_body=1024, ip_headers=()) is None
    assert http_request(None, max_body=1024, ip_headers=()) is None


def test_a_body_cut_at_the_limit_and_none_at_zero() -> None:
    event = {"httpMethod": "POST", "path": "/x", "headers": {"Host": "h"}, "body": "a" * 50}
    cut = http_request(event, max_body=10, ip_headers=())
    assert cut is not None and cut.body == b"a" * 10 and cut.body_truncated
    none = http_request(event, max_body=0, ip_headers=())
    assert none is not None and none.body is None
