"""Without init(), a bad setting in the environment never raises into the app at report
time: the report is counted as dropped_config and the failure logged once. An explicit
init() with the same environment still raises ConfigError naming the setting."""

from __future__ import annotations

import logging

import pytest

import errorwire
from errorwire import api
from errorwire.core.counters import Counters


@pytest.fixture
def bad_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLBAR_ACCESS_TOKEN", "rollbar-token")
    monkeypatch.setenv("ROLLBAR_ENDPOINT", "not a url")
    monkeypatch.setattr(api, "_unconfigured", Counters(), raising=False)


def test_capture_without_init_never_raises_a_bad_environment(
    bad_environment: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="errorwire")
    for _ in range(3):
        try:
            raise KeyError("the app's own")
        except KeyError:
            assert errorwire.capture_exception() is None
    assert errorwire.capture_message("hello") is None
    assert errorwire.stats() == {"client": {"dropped_config": 4}}
    said = [r.getMessage() for r in caplog.records if "ROLLBAR_ENDPOINT" in r.getMessage()]
    assert len(said) == 1


def test_explicit_init_still_raises(bad_environment: None) -> None:
    with pytest.raises(errorwire.ConfigError, match="ROLLBAR_ENDPOINT"):
        errorwire.init()


def test_reports_lost_before_init_stay_counted_after_it(
    bad_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert errorwire.capture_message("lost") is None
    monkeypatch.delenv("ROLLBAR_ENDPOINT")
    errorwire.init()
    assert errorwire.stats()["client"]["dropped_config"] == 1
