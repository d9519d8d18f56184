"""Django's queries as breadcrumbs with ``sql_breadcrumbs=True`` (the statement, never
its parameters), through a wrapper on each database connection."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

pytest.importorskip("django")

from django.contrib.auth.models import User
from django.test import Client

from tests.receiver import Receiver
from tests.reports import start

Env = Dict[str, Any]


def logged_in(name: str) -> Client:
    user, _ = User.objects.get_or_create(username=name)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def sql_messages(payload: Dict[str, Any]) -> List[str]:
    crumbs = payload["data"].get("custom", {}).get("breadcrumbs", [])
    return [c["message"] for c in crumbs if c.get("category") == "sql"]


def test_the_queries_of_a_failing_request(
    django_db: None, receiver: Receiver, all_vendors: Env
) -> None:
    client = logged_in("sql-alice")
    reports = start(receiver, all_vendors, sql_breadcrumbs=True)
    assert client.get("/me/?n=1").status_code == 500
    event, payloads = reports.one()
    messages = sql_messages(payloads["rollbar"])
    assert any("django_session" in m for m in messages), messages
    assert any("auth_user" in m for m in messages), messages
    assert all("%s" in m or "WHERE" not in m for m in messages)  # placeholders, no values
    session_key = client.cookies["sessionid"].value
    assert session_key not in str(payloads)
    crumbs = [c for c in event.breadcrumbs if c.category == "sql"]
    assert crumbs and all(c.type == "process" and c.data["database"] == "sqlite" for c in crumbs)


def test_no_query_breadcrumbs_when_off(
    django_db: None, receiver: Receiver, all_vendors: Env
) -> None:
    client = logged_in("sql-bob")
    reports = start(receiver, all_vendors)
    assert client.get("/me/?n=1").status_code == 500
    _event, payloads = reports.one()
    assert sql_messages(payloads["rollbar"]) == []
