"""Exceptions whose class or instance fights back still give a report at every vendor
(schema-valid, with a placeholder where a name could not be read); a capture errorwire
could not complete shows in stats() with its step and error type."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict

import pytest

import errorwire
from errorwire.core import client as client_module
from errorwire.core import safety
from tests.receiver import Receiver
from tests.schemas import assert_valid


class RaisingModuleMeta(type):
    def __getattribute__(cls, name: str) -> Any:
        if name == "__module__":
            raise RuntimeError("no module for you")
        return super().__getattribute__(name)


class RaisingQualnameMeta(type):
    def __getattribute__(cls, name: str) -> Any:
        if name == "__qualname__":
            raise RuntimeError("no qualname for you")
        return super().__getattribute__(name)


class UnhashableMeta(type):
    def __hash__(cls) -> int:
        raise RuntimeError("no hash for you")

    def __eq__(cls, other: object) -> bool:
        return cls is other


class ModuleRaises(Exception, metaclass=RaisingModuleMeta):
    pass


class QualnameRaises(Exception, metaclass=RaisingQualnameMeta):
    pass


class HashRaises(Exception, metaclass=UnhashableMeta):
    pass


class SetattrRaises(Exception):
    def __setattr__(self, name: str, value: object) -> None:
        raise RuntimeError("read-only exception")


class GetattrRaises(Exception):
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no attribute {name} for you")


SHAPES: Dict[str, Callable[[], BaseException]] = {
    "module raises": lambda: ModuleRaises("m"),
    "qualname raises": lambda: QualnameRaises("q"),
    "hash raises": lambda: HashRaises("h"),
    "setattr raises": lambda: SetattrRaises("s"),
    "getattr raises": lambda: GetattrRaises("g"),
}


def raised(make: Callable[[], BaseException]) -> BaseException:
    try:
        raise make()
    except BaseException as exc:
        return exc


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_hostile_exception_is_still_reported(
    shape: str, receiver: Receiver, all_vendors: dict
) -> None:
    errorwire.init(**all_vendors)
    exc = raised(SHAPES[shape])
    assert errorwire.capture_exception(exc) is not None
    assert errorwire.flush(timeout=5.0)
    bodies = {item.vendor: item.json() for item in receiver.wait_for(3)}
    assert sorted(bodies) == ["bugsnag", "raygun", "rollbar"]
    for vendor, body in bodies.items():
        assert_valid(vendor, body)
    message = str(exc)
    assert message in bodies["rollbar"]["data"]["body"]["trace"]["exception"]["message"]
    assert bodies["raygun"]["details"]["error"]["message"].endswith(message)
    assert bodies["bugsnag"]["events"][0]["exceptions"][0]["message"] == message


@pytest.mark.allow_internal_errors
def test_a_capture_that_fails_shows_in_stats_with_its_reason(
    receiver: Receiver, all_vendors: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of errorwire's own (planted: the message key cannot be computed)."""

    def planted_bug(message: str) -> str:
        raise TypeError("planted")

    monkeypatch.setattr(client_module, "_message_key", planted_bug)
    errorwire.init(**all_vendors)
    assert errorwire.capture_message("lost") is None
    assert errorwire.stats()["internal_errors"] == {"capture_message: TypeError": 1}
    assert safety.internal_errors["capture_message"] == 1


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_hostile_exception_in_an_asgi_app_is_reported(
    shape: str, receiver: Receiver, all_vendors: dict
) -> None:
    """Through the plain ASGI middleware (Starlette's own handler lookup hashes the class
    itself: there a raising __hash__ breaks the framework before errorwire sees it)."""
    from errorwire.integrations.asgi import ErrorwireMiddleware
    from tests.reliability.test_base_exceptions import call_asgi

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise SHAPES[shape]()

    errorwire.init(**all_vendors)
    with pytest.raises(type(SHAPES[shape]())):
        asyncio.run(call_asgi(ErrorwireMiddleware(app), "/fail"))
    assert errorwire.flush(timeout=5.0)
    bodies = {item.vendor: item.json() for item in receiver.wait_for(3)}
    assert sorted(bodies) == ["bugsnag", "raygun", "rollbar"]
    assert bodies["rollbar"]["data"]["request"]["url"].endswith("/fail")
