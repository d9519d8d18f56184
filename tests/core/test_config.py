"""Configuration: every bad setting is a ConfigError naming it; environment and precedence."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

import errorwire
from errorwire.core.config import ConfigError, Options, vendor_env

VENDOR_VARIABLES = [name for pair in vendor_env().values() for name in pair]
ENV_NAMES = ("ERRORWIRE_ENVIRONMENT", "ERRORWIRE_CODE_VERSION", *VENDOR_VARIABLES)


@pytest.fixture(autouse=True)
def _no_configuration_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    yield


def _rollbar(**fields: Any) -> errorwire.Rollbar:
    return errorwire.Rollbar(access_token=fields.pop("access_token", "token"), **fields)


def _bugsnag(**fields: Any) -> errorwire.Bugsnag:
    return errorwire.Bugsnag(api_key=fields.pop("api_key", "key"), **fields)


BAD_SETTINGS = [
    # (init keyword arguments, the setting the error must name)
    ({"colour": "blue"}, "colour"),
    ({"environment": ""}, "environment"),
    ({"environment": 3}, "environment"),
    ({"code_version": ""}, "code_version"),
    ({"code_version": 12}, "code_version"),
    ({"rollbar": "token"}, "rollbar"),
    ({"raygun": errorwire.Rollbar(access_token="t")}, "raygun"),
    ({"rollbar": errorwire.Rollbar(access_token="")}, "rollbar.access_token"),
    ({"rollbar": errorwire.Rollbar(access_token="   ")}, "rollbar.access_token"),
    ({"raygun": errorwire.Raygun(api_key="")}, "raygun.api_key"),
    ({"bugsnag": errorwire.Bugsnag(api_key="")}, "bugsnag.api_key"),
    ({"rollbar": _rollbar(endpoint="ftp://example.com/")}, "rollbar.endpoint"),
    ({"rollbar": _rollbar(endpoint="example.com/api")}, "rollbar.endpoint"),
    ({"rollbar": _rollbar(endpoint="http://")}, "rollbar.endpoint"),
    ({"rollbar": _rollbar(endpoint="http://host:port/")}, "rollbar.endpoint"),
    ({"rollbar": _rollbar(endpoint=8080)}, "rollbar.endpoint"),
    ({"rollbar": _rollbar(max_bytes=10)}, "rollbar.max_bytes"),
    ({"rollbar": _rollbar(max_bytes="big")}, "rollbar.max_bytes"),
    ({"rollbar": _rollbar(before_send="drop")}, "rollbar.before_send"),
    ({"bugsnag": _bugsnag(notify_release_stages="production")}, "bugsnag.notify_release_stages"),
    ({"bugsnag": _bugsnag(notify_release_stages=[1])}, "bugsnag.notify_release_stages"),
    ({"before_send": "not callable"}, "before_send"),
    ({"scrubber": 42}, "scrubber"),
    ({"ignore": "ValueError"}, "ignore"),
    ({"ignore": ValueError}, "ignore"),
    ({"ignore": [ValueError, 3]}, "ignore"),
    ({"sample_rate": 1.5}, "sample_rate"),
    ({"sample_rate": -0.1}, "sample_rate"),
    ({"sample_rate": "half"}, "sample_rate"),
    ({"sample_rate": float("nan")}, "sample_rate"),
    ({"sample_rate": True}, "sample_rate"),
    ({"enabled_environments": "production"}, "enabled_environments"),
    ({"project_root": "/no/such/folder/anywhere"}, "project_root"),
    ({"scrub": "yes"}, "scrub"),
    ({"sync": 1}, "sync"),
    ({"default_ignores": None}, "default_ignores"),
    ({"send_request_bodies": "no"}, "send_request_bodies"),
    ({"scrub_keys": "password"}, "scrub_keys"),
    ({"unscrub_keys": [None]}, "unscrub_keys"),
    ({"client_ip_headers": "X-Forwarded-For"}, "client_ip_headers"),
    ({"tags": "a,b"}, "tags"),
    ({"extra": ["not", "a", "dict"]}, "extra"),
    ({"max_request_body": -1}, "max_request_body"),
    ({"max_request_body": 1.5}, "max_request_body"),
    ({"max_breadcrumbs": 0}, "max_breadcrumbs"),
    ({"queue_size": 0}, "queue_size"),
    ({"queue_size": "100"}, "queue_size"),
    ({"storm_limit": -5}, "storm_limit"),
    ({"connect_timeout": 0}, "connect_timeout"),
    ({"read_timeout": float("inf")}, "read_timeout"),
    ({"max_retries": -1}, "max_retries"),
    ({"shutdown_timeout": "2s"}, "shutdown_timeout"),
]


@pytest.mark.parametrize(
    ("options", "setting"), BAD_SETTINGS, ids=[f"{s}-{i}" for i, (_, s) in enumerate(BAD_SETTINGS)]
)
def test_every_bad_setting_is_a_config_error_naming_it(
    options: Dict[str, Any], setting: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        errorwire.init(**options)
    assert setting in str(raised.value)
    assert errorwire.get_client() is None


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)
    assert errorwire.ConfigError is ConfigError


def test_good_settings_pass_through_untouched(tmp_path: Any) -> None:
    options = Options.from_kwargs(
        {
            "environment": "staging",
            "code_version": "abc123",
            "rollbar": _rollbar(endpoint="https://rollbar.internal:8443/api/1/item/"),
            "ignore": ["Http404", ValueError],
            "sample_rate": 0,
            "project_root": str(tmp_path),
            "enabled_environments": ("staging",),
            "tags": ["web"],
            "extra": {"region": "eu"},
            "max_request_body": 0,
        }
    )
    assert options.environment == "staging"
    assert options.code_version == "abc123"
    assert options.rollbar is not None
    assert options.rollbar.url == "https://rollbar.internal:8443/api/1/item/"
    assert [v.name for v in options.vendors] == ["rollbar"]


# -- the environment ----------------------------------------------------------------------


def test_init_with_no_arguments_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLBAR_ACCESS_TOKEN", "rb-token")
    monkeypatch.setenv("ROLLBAR_ENDPOINT", "http://127.0.0.1:9/api/1/item/")
    monkeypatch.setenv("RAYGUN_API_KEY", "rg-key")
    monkeypatch.setenv("BUGSNAG_API_KEY", "bs-key")
    monkeypatch.setenv("BUGSNAG_ENDPOINT", "http://127.0.0.1:9/bugsnag/")
    monkeypatch.setenv("ERRORWIRE_ENVIRONMENT", "staging")
    monkeypatch.setenv("ERRORWIRE_CODE_VERSION", "v9")

    options = errorwire.init().options

    assert options.environment == "staging"
    assert options.code_version == "v9"
    assert options.rollbar is not None and options.rollbar.access_token == "rb-token"
    assert options.rollbar.url == "http://127.0.0.1:9/api/1/item/"
    assert options.raygun is not None and options.raygun.api_key == "rg-key"
    assert options.raygun.url == "https://api.raygun.com/entries"
    assert options.bugsnag is not None and options.bugsnag.api_key == "bs-key"
    assert options.bugsnag.url == "http://127.0.0.1:9/bugsnag/"
    assert [v.name for v in options.vendors] == ["rollbar", "raygun", "bugsnag"]


def test_nothing_in_the_environment_means_defaults_and_no_vendor() -> None:
    options = errorwire.init().options
    assert options.environment == "production"
    assert options.code_version is None
    assert options.vendors == ()


def test_explicit_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLBAR_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("ROLLBAR_ENDPOINT", "http://127.0.0.1:9/env/")
    monkeypatch.setenv("ERRORWIRE_ENVIRONMENT", "staging")
    monkeypatch.setenv("ERRORWIRE_CODE_VERSION", "env-version")

    options = errorwire.init(
        environment="qa",
        code_version="arg-version",
        rollbar=_rollbar(access_token="arg-token", endpoint="http://127.0.0.1:9/arg/"),
    ).options

    assert options.environment == "qa"
    assert options.code_version == "arg-version"
    assert options.rollbar is not None
    assert options.rollbar.access_token == "arg-token"
    assert options.rollbar.url == "http://127.0.0.1:9/arg/"


def test_the_environment_fills_an_endpoint_left_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAYGUN_ENDPOINT", "http://127.0.0.1:9/entries")
    options = errorwire.init(raygun=errorwire.Raygun(api_key="arg-key")).options
    assert options.raygun is not None
    assert options.raygun.api_key == "arg-key"
    assert options.raygun.url == "http://127.0.0.1:9/entries"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ROLLBAR_ENDPOINT", "not a url"),
        ("RAYGUN_API_KEY", "   "),
        ("BUGSNAG_ENDPOINT", "ftp://example.com"),
    ],
)
def test_a_bad_environment_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    for key_var, _endpoint_var in vendor_env().values():
        monkeypatch.setenv(key_var, "key")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        errorwire.init()


def test_an_endpoint_without_a_key_configures_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLBAR_ENDPOINT", "http://127.0.0.1:9/api/1/item/")
    assert errorwire.init().options.vendors == ()
