"""GraphQL test support: the GraphQL data of a report as each vendor shows it, and
a client that posts operations to a real server."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Optional

import httpx

from tests.reports import VENDORS

USER_VARIABLES = {"card": "4242 4242 4242 4242", "password": "hunter2", "note": "gift"}


def vendor_graphql(vendor: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    """``extra.graphql`` of the report, where each vendor keeps custom data."""
    if vendor == "rollbar":
        return dict(payload["data"]["custom"]["graphql"])
    if vendor == "raygun":
        return dict(payload["details"]["userCustomData"]["graphql"])
    return dict(payload["events"][0]["metaData"]["extra"]["graphql"])


def assert_graphql_data(
    payloads: Dict[str, Dict[str, Any]],
    *,
    operation: Optional[str],
    kind: str,
    path: List[Any],
    variables: Optional[Dict[str, Any]] = None,
) -> None:
    for vendor in VENDORS:
        data = vendor_graphql(vendor, payloads[vendor])
        assert data["operation_name"] == operation, vendor
        assert data["operation_type"] == kind, vendor
        assert data["path"] == path, vendor
        assert data["variables"] == (variables or {}), vendor


def post(
    url: str,
    query: str,
    variables: Optional[Dict[str, Any]] = None,
    operation: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
) -> httpx.Response:
    body: Dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation is not None:
        body["operationName"] = operation
    return httpx.post(url, json=body, headers=headers or {}, timeout=30.0)


def post_concurrently(
    url: str, count: int, request: Callable[[int], Dict[str, Any]]
) -> List[httpx.Response]:
    """``count`` POSTs at once (``request(i)``: httpx keyword arguments), answers in order."""

    async def all_at_once() -> List[httpx.Response]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:
            return list(
                await asyncio.gather(*(client.post(url, **request(i)) for i in range(count)))
            )

    return asyncio.run(all_at_once())
