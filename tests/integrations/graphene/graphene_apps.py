"""A Graphene schema whose resolvers fail in the ways a real one does, served by
graphene-django's GraphQLView (with errorwire's Graphene middleware, and bare)."""

from __future__ import annotations

from typing import Any, List

import graphene
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
from graphql import GraphQLError

import errorwire
from errorwire.integrations.graphene import ErrorwireMiddleware

ERRORWIRE_DJANGO = "errorwire.integrations.django.ErrorwireMiddleware"
AUTH = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tests.integrations.graphene.graphene_apps.HeaderRemoteUser",
]


class HeaderRemoteUser(RemoteUserMiddleware):
    """Django's own remote-user authentication, from the ``X-Remote-User`` header."""

    header = "HTTP_X_REMOTE_USER"


class PaymentGatewayDown(Exception):
    pass


def _header(info: Any, name: str) -> Any:
    return info.context.headers.get(name)


class Line(graphene.ObjectType):
    number = graphene.Int()
    total = graphene.Int()

    def resolve_total(self, info: Any) -> int:
        if self.number == 2:
            raise ZeroDivisionError("line 2 has no quantity")
        return int(self.number) * 10


class Order(graphene.ObjectType):
    id = graphene.String()
    lines = graphene.List(Line)
    status = graphene.String()

    def resolve_lines(self, info: Any) -> List[Line]:
        return [Line(number=n) for n in (1, 2, 3)]

    def resolve_status(self, info: Any) -> str:
        raise LookupError(f"no status for order {self.id} of {_header(info, 'x-user')}")


class Query(graphene.ObjectType):
    hello = graphene.String()
    order = graphene.Field(Order, id=graphene.String(required=True))
    missing = graphene.String(id=graphene.String())

    def resolve_hello(root: Any, info: Any) -> str:
        return "hi"

    def resolve_order(root: Any, info: Any, id: str) -> Order:
        who = _header(info, "x-user")
        if who:
            errorwire.set_person(id=who, username=who)
            errorwire.add_breadcrumb(f"order {id} opened by {who}", category="shop")
        return Order(id=id)

    def resolve_missing(root: Any, info: Any, id: str) -> str:
        raise GraphQLError(f"order {id} not found")  # the app's own answer


class Checkout(graphene.Mutation):
    class Arguments:
        card = graphene.String(required=True)
        password = graphene.String(required=True)
        note = graphene.String(required=True)

    ok = graphene.Boolean()

    def mutate(root: Any, info: Any, card: str, password: str, note: str) -> Checkout:
        raise PaymentGatewayDown(f"gateway refused the card ending {card[-4:]}")


class Mutation(graphene.ObjectType):
    checkout = Checkout.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)

urlpatterns = [
    path(
        "graphql",
        csrf_exempt(GraphQLView.as_view(schema=schema, middleware=[ErrorwireMiddleware()])),
    ),
    path("bare", csrf_exempt(GraphQLView.as_view(schema=schema))),
]
