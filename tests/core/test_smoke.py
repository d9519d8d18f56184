from __future__ import annotations

import pytest

import errorwire
from errorwire.core.config import ConfigError


def test_init_rejects_unknown_option_naming_it() -> None:
    with pytest.raises(ConfigError, match="colour"):
        errorwire.init(colour="blue")


def test_init_rejects_bad_endpoint_naming_setting() -> None:
    with pytest.raises(ConfigError, match=r"raygun\.endpoint"):
        errorwire.init(raygun=errorwire.Raygun(api_key="k", endpoint="ftp://x"))


def test_init_rejects_empty_key_naming_setting() -> None:
    with pytest.raises(ConfigError, match=r"rollbar\.access_token"):
        errorwire.init(rollbar=errorwire.Rollbar(access_token=""))


def test_init_reads_vendors_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAYGUN_API_KEY", "from-env")
    monkeypatch.setenv("RAYGUN_ENDPOINT", "http://127.0.0.1:1/entries")
    monkeypatch.setenv("ERRORWIRE_ENVIRONMENT", "staging")
    client = errorwire.init()
    assert client.options.environment == "staging"
    assert client.options.raygun is not None
    assert client.options.raygun.api_key == "from-env"
    assert client.options.raygun.url == "http://127.0.0.1:1/entries"
    assert client.options.rollbar is None
