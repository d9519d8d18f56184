"""What the GraphQL integrations add to every resolved field (the happy path).

    python benchmarks/bench_graphql.py     # needs strawberry-graphql and graphene

One query of 1000 objects x 3 fields (3001 resolved fields), executed in-process
by the bare schema, with a no-op resolver wrapper (the floor: what any extension
or middleware costs in Strawberry and graphql-core) and with errorwire's. Rounds
are interleaved; each variant's fastest CPU time is kept (the VM is shared).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

import graphene
import strawberry
from strawberry.extensions import SchemaExtension

import errorwire
from errorwire.integrations.graphene import ErrorwireMiddleware
from errorwire.integrations.strawberry import ErrorwireExtension

QUERY = "{ items { a b c } }"
FIELDS = 3001
ROUNDS = 25


@strawberry.type
class Item:
    a: int
    b: str
    c: float


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> List[Item]:
        return [Item(a=i, b="x", c=1.5) for i in range(1000)]


class NoopExtension(SchemaExtension):
    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


class GItem(graphene.ObjectType):
    a = graphene.Int()
    b = graphene.String()
    c = graphene.Float()


class GQuery(graphene.ObjectType):
    items = graphene.List(GItem)

    def resolve_items(root: Any, info: Any) -> List[GItem]:
        return [GItem(a=i, b="x", c=1.5) for i in range(1000)]


class NoopMiddleware:
    def resolve(self, next: Any, root: Any, info: Any, **args: Any) -> Any:
        return next(root, info, **args)


def variants() -> Dict[str, Callable[[], Any]]:
    bare = strawberry.Schema(query=Query)
    floor = strawberry.Schema(query=Query, extensions=[NoopExtension])
    ours = strawberry.Schema(query=Query, extensions=[ErrorwireExtension])
    schema = graphene.Schema(query=GQuery)
    noop, middleware = [NoopMiddleware()], [ErrorwireMiddleware()]
    return {
        "strawberry bare": lambda: bare.execute_sync(QUERY),
        "strawberry floor": lambda: floor.execute_sync(QUERY),
        "strawberry errorwire": lambda: ours.execute_sync(QUERY),
        "graphene bare": lambda: schema.execute(QUERY),
        "graphene floor": lambda: schema.execute(QUERY, middleware=noop),
        "graphene errorwire": lambda: schema.execute(QUERY, middleware=middleware),
    }


def main() -> None:
    errorwire.init()  # no vendor: nothing fails, so nothing is sent
    runs = variants()
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(ROUNDS):
        for name, run in runs.items():
            started = time.process_time()
            result = run()
            best[name] = min(best[name], time.process_time() - started)
            assert not result.errors, result.errors
    for name, seconds in best.items():
        print(f"{name:<22} {seconds * 1000:7.2f} ms")
    for framework in ("strawberry", "graphene"):
        bare, floor, ours = (best[f"{framework} {v}"] for v in ("bare", "floor", "errorwire"))
        print(
            f"{framework}: floor +{(floor - bare) / FIELDS * 1e6:.2f} us/field, errorwire "
            f"+{(ours - bare) / FIELDS * 1e6:.2f} us/field (+{(ours - floor) / FIELDS * 1e6:.2f} over the floor)"
        )


if __name__ == "__main__":
    main()
