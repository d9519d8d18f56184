"""A Strawberry GraphQL app with errorwire: resolvers that fail in different ways, plus
fields that work.

    ROLLBAR_ACCESS_TOKEN=... uvicorn example_apps.strawberry_app:app     # or
    python example_apps/strawberry_app.py                                # 127.0.0.1:8000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). POST the operations of ``DEMO_REQUESTS`` to /, send
``X-User: alice`` to be the report's person. The answer is the one Strawberry gives
without errorwire (HTTP 200 with an ``errors`` entry); query syntax and validation
errors and GraphQLErrors are answers, not reports.
"""

from __future__ import annotations

import asyncio
from typing import Any, List, Tuple

import strawberry
from graphql import GraphQLError
from strawberry.asgi import GraphQL
from strawberry.types import Info

import errorwire
from errorwire.integrations.strawberry import ErrorwireExtension

ORDER_LINES = "query OrderLines($id: String!) { order(id: $id) { id lines { sku total } } }"
DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("POST", "/", {"query": "{ hello }"}),
    ("POST", "/", {"query": ORDER_LINES, "variables": {"id": "A-1"}}),
    ("POST", "/", {"query": 'query Shipping { order(id: "A-2") { shipping } }'}),
    (
        "POST",
        "/",
        {
            "query": "mutation Pay($card: String!, $password: String!) "
            "{ pay(card: $card, password: $password) }",
            "variables": {"card": "4242 4242 4242 4242", "password": "hunter2"},
        },
    ),
    ("POST", "/", {"query": '{ coupon(code: "SPRING") }'}),  # a GraphQLError: not reported
    ("POST", "/", {"query": "{ order { nope } }"}),  # invalid query: not reported
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""

PRICES = {"tea": 4, "cake": 0}


class PaymentDeclined(Exception):
    pass


@strawberry.type
class Line:
    sku: str
    quantity: int

    @strawberry.field
    def total(self) -> int:
        return self.quantity * 12 // PRICES[self.sku]  # cake is free: ZeroDivisionError


@strawberry.type
class Order:
    id: str

    @strawberry.field
    def lines(self) -> List[Line]:
        return [Line(sku="tea", quantity=2), Line(sku="cake", quantity=1)]

    @strawberry.field
    async def shipping(self) -> int:
        await asyncio.sleep(0)
        raise ConnectionError(f"the carrier's API timed out for order {self.id}")


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "all good"

    @strawberry.field
    def order(self, info: Info, id: str) -> Order:
        who = info.context["request"].headers.get("x-user")  # a real app reads its session
        if who:
            errorwire.set_person(id=who, username=who)
        errorwire.add_breadcrumb(f"order {id} opened", category="shop")
        return Order(id=id)

    @strawberry.field
    def coupon(self, code: str) -> int:
        raise GraphQLError(f"coupon {code} has expired")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def pay(self, card: str, password: str) -> str:
        raise PaymentDeclined(f"card ending {card[-4:]} declined")


schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=[ErrorwireExtension])
app = GraphQL(schema)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
