"""Ignore rules: the defaults (interrupts, 4xx answers, disconnects) and the user's list."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from errorwire.core.ignore import IgnoreRules
from tests.helpers import raised


def _raise(exc: BaseException) -> None:
    raise exc


DEFAULTS = IgnoreRules(())


class PaymentFailed(Exception):
    pass


class CardDeclined(PaymentFailed):
    pass


@pytest.mark.parametrize(
    "exc",
    [KeyboardInterrupt(), SystemExit(1), GeneratorExit(), asyncio.CancelledError()],
    ids=lambda e: type(e).__name__,
)
def test_interrupts_and_cancellation_are_ignored_by_default(exc: BaseException) -> None:
    assert DEFAULTS.matches(raised(lambda: _raise(exc)))
    assert not IgnoreRules((), use_defaults=False).matches(exc)


def test_ordinary_errors_are_reported() -> None:
    for exc in (ValueError("x"), KeyError("k"), PaymentFailed(), RecursionError()):
        assert not DEFAULTS.matches(exc)


def test_werkzeug_http_errors_below_500_are_ignored() -> None:
    exceptions = pytest.importorskip("werkzeug.exceptions")
    assert DEFAULTS.matches(exceptions.NotFound())
    assert DEFAULTS.matches(exceptions.Forbidden())
    assert DEFAULTS.matches(exceptions.ClientDisconnected())
    assert not DEFAULTS.matches(exceptions.InternalServerError())
    assert not DEFAULTS.matches(exceptions.ServiceUnavailable())
    assert not DEFAULTS.matches(exceptions.HTTPException())  # no code: not an HTTP answer


def test_starlette_and_fastapi_http_errors_below_500_are_ignored() -> None:
    starlette = pytest.importorskip("starlette.exceptions")
    fastapi = pytest.importorskip("fastapi")
    assert DEFAULTS.matches(starlette.HTTPException(status_code=404))
    assert not DEFAULTS.matches(starlette.HTTPException(status_code=503))
    assert DEFAULTS.matches(fastapi.HTTPException(status_code=422))
    assert not DEFAULTS.matches(fastapi.HTTPException(status_code=500))


def test_client_disconnects_are_ignored() -> None:
    requests = pytest.importorskip("starlette.requests")
    assert DEFAULTS.matches(requests.ClientDisconnect())


def test_a_closed_websocket_is_ignored() -> None:
    websockets = pytest.importorskip("starlette.websockets")
    closed = websockets.WebSocketDisconnect(code=1001)
    assert DEFAULTS.matches(raised(lambda: _raise(closed)))
    assert not IgnoreRules((), use_defaults=False).matches(closed)


def test_django_client_errors_are_ignored() -> None:
    pytest.importorskip("django")
    from django.core.exceptions import DisallowedHost, PermissionDenied
    from django.http import Http404

    assert DEFAULTS.matches(Http404("no such page"))
    assert DEFAULTS.matches(PermissionDenied())
    assert DEFAULTS.matches(DisallowedHost("evil.example"))  # a SuspiciousOperation


def test_defaults_can_be_turned_off() -> None:
    exceptions = pytest.importorskip("werkzeug.exceptions")
    assert not IgnoreRules((), use_defaults=False).matches(exceptions.NotFound())


@pytest.mark.parametrize(
    "rule",
    [PaymentFailed, "PaymentFailed", f"{__name__}.PaymentFailed"],
    ids=["class", "short name", "dotted name"],
)
def test_user_rules_match_the_class_and_its_subclasses(rule: Any) -> None:
    rules = IgnoreRules([rule])
    assert rules.matches(PaymentFailed())
    assert rules.matches(CardDeclined())
    assert not rules.matches(ValueError())


def test_a_rule_for_a_subclass_does_not_ignore_its_base() -> None:
    rules = IgnoreRules(["CardDeclined"])
    assert rules.matches(CardDeclined())
    assert not rules.matches(PaymentFailed())


def test_builtin_names_match_with_or_without_builtins_prefix() -> None:
    assert IgnoreRules(["KeyError"]).matches(KeyError())
    assert IgnoreRules(["LookupError"]).matches(KeyError())


def test_a_user_rule_beyond_an_http_class_still_applies() -> None:
    exceptions = pytest.importorskip("werkzeug.exceptions")
    # InternalServerError (500) is reported by default; the user ignores every Exception.
    assert IgnoreRules([Exception]).matches(exceptions.InternalServerError())
    assert IgnoreRules(["Exception"]).matches(exceptions.InternalServerError())
