"""SQL queries as breadcrumbs: the statement and its duration, never the parameters
(a real SQLAlchemy engine on SQLite)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

pytest.importorskip("sqlalchemy")

import sqlalchemy

import errorwire
from errorwire.integrations.sql import watch_engine
from tests.receiver import Receiver
from tests.reports import start

Env = Dict[str, Any]


def run_queries_then_fail() -> None:
    engine = sqlalchemy.create_engine("sqlite://")
    watch_engine(engine)
    watch_engine(engine)  # idempotent: one breadcrumb per query
    with errorwire.scope(), engine.connect() as connection:
        connection.execute(sqlalchemy.text("CREATE TABLE cards (number TEXT)"))
        connection.execute(
            sqlalchemy.text("INSERT INTO cards (number) VALUES (:number)"),
            {"number": "4111111111111111"},
        )
        try:
            raise RuntimeError("after the queries")
        except RuntimeError as exc:
            errorwire.capture_exception(exc)


def sql_crumbs(payload: Dict[str, Any]) -> List[Dict[str, Any]]:
    crumbs = payload["data"].get("custom", {}).get("breadcrumbs", [])
    return [c for c in crumbs if c.get("category") == "sql"]


def test_statements_without_parameters(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors, sql_breadcrumbs=True)
    run_queries_then_fail()
    _event, payloads = reports.one()
    crumbs = sql_crumbs(payloads["rollbar"])
    assert [c["message"] for c in crumbs] == [
        "CREATE TABLE cards (number TEXT)",
        "INSERT INTO cards (number) VALUES (?)",
    ]
    assert all(c["type"] == "process" and c["data"]["duration_ms"] >= 0 for c in crumbs)
    assert crumbs[0]["data"]["database"] == "sqlite"
    bugsnag = payloads["bugsnag"]["events"][0]["breadcrumbs"]
    processes = [c for c in bugsnag if c["type"] == "process"]
    assert [c["metaData"].get("category") for c in processes] == ["sql"] * 2
    raygun = payloads["raygun"]["details"]["breadcrumbs"]
    assert len([c for c in raygun if c.get("category") == "sql"]) == 2
    assert "4111" not in str(payloads)


def test_off_by_default(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    run_queries_then_fail()
    _event, payloads = reports.one()
    assert sql_crumbs(payloads["rollbar"]) == []
