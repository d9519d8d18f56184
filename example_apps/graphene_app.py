"""A Graphene app with errorwire, served by a plain WSGI view: resolvers that fail in
different ways, plus fields that work.

    ROLLBAR_ACCESS_TOKEN=... python example_apps/graphene_app.py    # 127.0.0.1:8000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). POST the operations of ``DEMO_REQUESTS`` to /graphql,
send ``X-User: alice`` to be the report's person. The view answers as it would
without errorwire (HTTP 200 with an ``errors`` entry). errorwire's WSGI middleware
keeps the request (and the body the view read); Graphene's middleware reports the
resolvers' errors, which the WSGI middleware never sees. Under graphene-django:
``GraphQLView.as_view(schema=schema, middleware=[ErrorwireMiddleware()])`` with
errorwire's Django middleware.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterable, List, Tuple

import graphene
from graphql import GraphQLError

import errorwire
from errorwire.integrations import wsgi
from errorwire.integrations.graphene import ErrorwireMiddleware

DEMO_KIND = "wsgi"
ORDER_LINES = "query OrderLines($id: String!) { order(id: $id) { id lines { sku total } } }"
DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("POST", "/graphql", {"query": "{ hello }"}),
    ("POST", "/graphql", {"query": ORDER_LINES, "variables": {"id": "A-1"}}),
    ("POST", "/graphql", {"query": 'query Shipping { order(id: "A-2") { shipping } }'}),
    (
        "POST",
        "/graphql",
        {
            "query": "mutation Pay($card: String!, $password: String!) "
            "{ pay(card: $card, password: $password) { ok } }",
            "variables": {"card": "4242 4242 4242 4242", "password": "hunter2"},
        },
    ),
    ("POST", "/graphql", {"query": '{ coupon(code: "SPRING") }'}),  # a GraphQLError: not reported
    ("POST", "/graphql", {"query": "{ order { nope } }"}),  # invalid query: not reported
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""

PRICES = {"tea": 4, "cake": 0}


class PaymentDeclined(Exception):
    pass


class Line(graphene.ObjectType):
    sku = graphene.String()
    quantity = graphene.Int()
    total = graphene.Int()

    def resolve_total(self, info: Any) -> int:
        return int(self.quantity) * 12 // PRICES[self.sku]  # cake is free: ZeroDivisionError


class Order(graphene.ObjectType):
    id = graphene.String()
    lines = graphene.List(Line)
    shipping = graphene.Int()

    def resolve_lines(self, info: Any) -> List[Line]:
        return [Line(sku="tea", quantity=2), Line(sku="cake", quantity=1)]

    def resolve_shipping(self, info: Any) -> int:
        raise ConnectionError(f"the carrier's API timed out for order {self.id}")


class Query(graphene.ObjectType):
    hello = graphene.String()
    order = graphene.Field(Order, id=graphene.String(required=True))
    coupon = graphene.Int(code=graphene.String())

    def resolve_hello(root: Any, info: Any) -> str:
        return "all good"

    def resolve_order(root: Any, info: Any, id: str) -> Order:
        who = info.context.get("HTTP_X_USER")  # the context is the WSGI environ
        if who:
            errorwire.set_person(id=who, username=who)
        errorwire.add_breadcrumb(f"order {id} opened", category="shop")
        return Order(id=id)

    def resolve_coupon(root: Any, info: Any, code: str) -> int:
        raise GraphQLError(f"coupon {code} has expired")


class Pay(graphene.Mutation):
    class Arguments:
        card = graphene.String(required=True)
        password = graphene.String(required=True)

    ok = graphene.Boolean()

    def mutate(root: Any, info: Any, card: str, password: str) -> Pay:
        raise PaymentDeclined(f"card ending {card[-4:]} declined")


class Mutation(graphene.ObjectType):
    pay = Pay.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
graphql_middleware = [ErrorwireMiddleware()]


def graphql_view(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != "/graphql" or environ.get("REQUEST_METHOD") != "POST":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"POST GraphQL operations to /graphql"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except ValueError:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"the body is no JSON"]
    result = schema.execute(
        body.get("query"),
        variables=body.get("variables"),
        operation_name=body.get("operationName"),
        context_value=environ,
        middleware=graphql_middleware,
    )
    answer: Dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(answer).encode()]


app = wsgi.ErrorwireMiddleware(graphql_view)

if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    make_server("127.0.0.1", 8000, app).serve_forever()
