"""Bad settings of the serverless wrappers raise ConfigError naming the setting."""

from __future__ import annotations

import pytest

import errorwire
from errorwire.integrations import aws_lambda, gcp


def handler(event: object, context: object) -> None:
    return None


@pytest.mark.parametrize("value", ["soon", -1, [1]])
def test_a_bad_timeout_warning(value: object) -> None:
    with pytest.raises(errorwire.ConfigError, match="timeout_warning"):
        aws_lambda.wrap(timeout_warning=value)(handler)  # type: ignore[arg-type]
    with pytest.raises(errorwire.ConfigError, match="timeout_warning"):
        gcp.wrap(timeout_warning=value)(handler)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -5, "60", True])
def test_a_bad_gcp_timeout(value: object) -> None:
    with pytest.raises(errorwire.ConfigError, match="timeout"):
        gcp.wrap(timeout=value)(handler)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, "2", False])
def test_a_bad_flush_timeout(value: object) -> None:
    with pytest.raises(errorwire.ConfigError, match="flush_timeout"):
        aws_lambda.wrap(flush_timeout=value)(handler)  # type: ignore[arg-type]
    with pytest.raises(errorwire.ConfigError, match="flush_timeout"):
        gcp.wrap(flush_timeout=value)(handler)  # type: ignore[arg-type]


def test_warnings_off_and_on() -> None:
    assert aws_lambda.wrap(timeout_warning=None)(handler).__name__ == "handler"
    assert aws_lambda.wrap(timeout_warning=0)(handler).__name__ == "handler"
    assert gcp.wrap(timeout=60, timeout_warning=5)(handler).__name__ == "handler"
