"""A Strawberry schema whose resolvers fail in the ways a real one does, served by
Strawberry's ASGI app, alone or inside a Starlette app with errorwire's middleware."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any, AsyncGenerator, List, NewType, Optional, Sequence

import strawberry
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import Mount
from strawberry.asgi import GraphQL
from strawberry.permission import BasePermission
from strawberry.types import Info

import errorwire
from errorwire.integrations.starlette import ErrorwireMiddleware as StarletteMiddleware
from errorwire.integrations.strawberry import ErrorwireExtension


class PaymentGatewayDown(Exception):
    pass


def _header(info: Info, name: str) -> Optional[str]:
    request = info.context["request"]
    value: Optional[str] = request.headers.get(name)
    return value


@strawberry.type
class Line:
    number: int

    @strawberry.field
    def total(self) -> int:
        if self.number == 2:
            raise ZeroDivisionError("line 2 has no quantity")
        return self.number * 10


@strawberry.type
class Order:
    id: str

    @strawberry.field
    def lines(self) -> List[Line]:
        return [Line(number=n) for n in (1, 2, 3)]

    @strawberry.field
    async def status(self, info: Info) -> str:
        who = _header(info, "x-user")
        await asyncio.sleep(0.01)  # other requests' resolvers run meanwhile
        raise LookupError(f"no status for order {self.id} of {who}")


def _cents(value: int) -> str:
    raise ValueError(f"no currency for {value} cents")  # a scalar's serializer: no resolver


with warnings.catch_warnings():  # newer Strawberry prefers StrawberryConfig(scalar_map=...)
    warnings.simplefilter("ignore", DeprecationWarning)
    Money = strawberry.scalar(NewType("Money", int), serialize=_cents, parse_value=int)


class Staff(BasePermission):
    message = "staff only"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"

    @strawberry.field
    async def order(self, info: Info, id: str) -> Order:
        who = _header(info, "x-user")
        if who:
            errorwire.set_person(id=who, username=who)
            errorwire.add_breadcrumb(f"order {id} opened by {who}", category="shop")
        await asyncio.sleep(0.01)
        return Order(id=id)

    @strawberry.field
    def discount(self, code: str) -> Money:  # type: ignore[valid-type]
        return Money(250)

    @strawberry.field
    def missing(self, id: str) -> str:
        raise GraphQLError(f"order {id} not found")  # the app's own answer

    @strawberry.field(permission_classes=[Staff])
    def revenue(self) -> int:
        return 1


@strawberry.type
class Mutation:
    @strawberry.mutation
    def checkout(self, card: str, password: str, note: str) -> str:
        raise PaymentGatewayDown(f"gateway refused the card ending {card[-4:]}")


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def deliveries(self, order: str) -> AsyncGenerator[int, None]:
        yield 1
        raise ConnectionError(f"the tracking feed of {order} dropped")


def make_schema(extensions: Sequence[Any] = (ErrorwireExtension,)) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=list(extensions)
    )


def make_app(extensions: Sequence[Any] = (ErrorwireExtension,)) -> GraphQL:
    """Strawberry's ASGI app alone: the extension is the only integration."""
    return GraphQL(make_schema(extensions))


class HeaderAuth(AuthenticationBackend):
    """Starlette authentication from a header (a real app would check a token)."""

    async def authenticate(self, conn: Any) -> Any:
        who = conn.headers.get("x-auth-user")
        if not who:
            return None
        return AuthCredentials(["authenticated"]), SimpleUser(who)


def make_starlette_app(with_errorwire: bool = True) -> Starlette:
    """Strawberry mounted in Starlette behind authentication (and errorwire's middleware)."""
    middleware = [Middleware(AuthenticationMiddleware, backend=HeaderAuth())]
    if with_errorwire:
        middleware.insert(0, Middleware(StarletteMiddleware))
    return Starlette(routes=[Mount("/graphql", make_app())], middleware=middleware)


def make_fastapi_app(with_errorwire: bool) -> Any:
    """Strawberry's FastAPI router at /graphql (with errorwire's middleware, or alone)."""
    from fastapi import FastAPI
    from strawberry.fastapi import GraphQLRouter

    app = FastAPI()
    app.include_router(GraphQLRouter(make_schema()), prefix="/graphql")
    if with_errorwire:
        app.add_middleware(StarletteMiddleware)
    return app
