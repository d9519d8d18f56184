"""A bad setting gets a ConfigError naming it, at init, always."""

from __future__ import annotations

import pytest

import errorwire
from errorwire import ConfigError
from tests.receiver import Receiver


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://exa mple.com/api",
        "http://example.com/api\r\nX-Injected: 1",
        "http://example.com/\x00",
        "https://example.com/a b",
        "http://example.com\t/",
    ],
)
@pytest.mark.parametrize("vendor", [errorwire.Rollbar, errorwire.Raygun, errorwire.Bugsnag])
def test_an_endpoint_with_a_space_or_control_character_is_refused(
    vendor: type, endpoint: str
) -> None:
    with pytest.raises(ConfigError, match=rf"{vendor.name}\.endpoint"):
        errorwire.init(**{vendor.name: vendor("key", endpoint=endpoint)})


def test_an_endpoint_with_a_control_character_in_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAYGUN_API_KEY", "k")
    monkeypatch.setenv("RAYGUN_ENDPOINT", "http://example.com/\r\n")
    with pytest.raises(ConfigError, match="RAYGUN_ENDPOINT"):
        errorwire.init()


def test_the_key_is_the_first_positional_field(receiver: Receiver) -> None:
    urls = receiver.endpoints()
    errorwire.init(
        rollbar=errorwire.Rollbar("rollbar-token", endpoint=urls["rollbar"]),
        raygun=errorwire.Raygun("raygun-key", endpoint=urls["raygun"]),
        bugsnag=errorwire.Bugsnag("bugsnag-key", endpoint=urls["bugsnag"]),
    )
    errorwire.capture_message("positional keys")
    assert errorwire.flush(timeout=5.0)
    arrived = {item.vendor: item for item in receiver.wait_for(3)}
    assert arrived["rollbar"].json()["access_token"] == "rollbar-token"
    assert arrived["raygun"].headers["X-ApiKey"] == "raygun-key"
    assert arrived["bugsnag"].headers["Bugsnag-Api-Key"] == "bugsnag-key"


def test_keyword_settings_keep_working() -> None:
    settings = errorwire.Rollbar(access_token="t", endpoint="http://127.0.0.1:9/", max_bytes=4096)
    assert (settings.key, settings.url, settings.max_bytes) == ("t", "http://127.0.0.1:9/", 4096)


def test_a_second_positional_value_says_what_to_do() -> None:
    with pytest.raises(ConfigError, match=r"rollbar: .*access_token.* by name"):
        errorwire.Rollbar("t", "http://127.0.0.1:9/")


def test_the_key_given_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match="api_key"):
        errorwire.Raygun("k", api_key="k2")


@pytest.mark.parametrize(
    ("vendor", "typo"),
    [(errorwire.Rollbar, "acces_token"), (errorwire.Raygun, "apikey"),
     (errorwire.Bugsnag, "endpiont")],
)  # fmt: skip
def test_an_unknown_field_lists_the_known_ones(vendor: type, typo: str) -> None:
    with pytest.raises(ConfigError, match=rf"{typo}.*known: .*endpoint.*max_bytes") as raised:
        vendor(**{typo: "x"})
    assert vendor.key_setting in str(raised.value)
