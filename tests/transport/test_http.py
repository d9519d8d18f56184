"""The wire: headers, one kept-alive connection, proxies from the environment, TLS checked."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

import errorwire
from tests.helpers import QUICK
from tests.receiver import Receiver, Reply
from tests.transport.transport_helpers import capture, logged, messages

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_each_vendor_gets_its_headers_and_bugsnag_a_sent_at_time(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    receiver.script_for("bugsnag", Reply(500))
    errorwire.init(**all_vendors, **QUICK)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    capture(1)
    assert errorwire.flush(5)
    after = datetime.now(timezone.utc) + timedelta(seconds=1)
    rollbar, raygun, bugsnag = (receiver.by_vendor(v)[0] for v in ("rollbar", "raygun", "bugsnag"))
    assert rollbar.path == "/api/1/item/"
    assert rollbar.headers["X-Rollbar-Access-Token"] == "rollbar-token"
    assert rollbar.json()["access_token"] == "rollbar-token"
    assert raygun.path == "/entries"
    assert raygun.headers["X-ApiKey"] == "raygun-key"
    assert bugsnag.headers["Bugsnag-Api-Key"] == "bugsnag-key"
    assert bugsnag.headers["Bugsnag-Payload-Version"] == "4"
    for item in (rollbar, raygun, bugsnag):
        assert item.headers["Content-Type"] == "application/json"
        assert item.headers["User-Agent"].startswith("errorwire/")
    # Sent-At is stamped at each attempt, in ISO 8601 UTC.
    stamps = [a.headers["Bugsnag-Sent-At"] for a in receiver.attempts_for("bugsnag")]
    assert len(stamps) == 2
    times = [datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z") for s in stamps]
    assert all(s.endswith("Z") for s in stamps)
    assert before <= times[0] <= times[1] <= after


def test_reports_share_one_kept_alive_connection(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    errorwire.init(**all_vendors)
    capture(5)
    assert errorwire.flush(5)
    assert len(receiver.attempts) == 15
    assert len({a.peer for a in receiver.attempts}) == 1


@contextmanager
def one_report_past_a_proxy(
    receiver: Receiver, env: pytest.MonkeyPatch, **variables: str
) -> Iterator[Receiver]:
    """One report to ``receiver``'s Raygun, sent with ``HTTP_PROXY`` naming a second
    receiver (yielded) and ``variables`` set."""
    endpoint = receiver.endpoints()["raygun"]
    with Receiver() as proxy:
        env.setenv("HTTP_PROXY", proxy.url)
        for name, value in variables.items():
            env.setenv(name, value)
        errorwire.init(raygun=errorwire.Raygun(api_key="k", endpoint=endpoint))
        capture(1)
        assert errorwire.flush(5)
        yield proxy


def test_proxy_is_taken_from_the_environment(
    receiver: Receiver, no_proxy_env: pytest.MonkeyPatch
) -> None:
    with one_report_past_a_proxy(receiver, no_proxy_env) as proxy:
        # A forward proxy is asked for the absolute URL; the vendor saw nothing directly.
        assert [a.path for a in proxy.attempts] == [receiver.endpoints()["raygun"]]
        assert receiver.attempts == []


def test_no_proxy_lets_a_host_bypass_the_proxy(
    receiver: Receiver, no_proxy_env: pytest.MonkeyPatch
) -> None:
    with one_report_past_a_proxy(receiver, no_proxy_env, NO_PROXY="localhost,127.0.0.1") as proxy:
        assert proxy.attempts == []
        assert messages(receiver.received, "raygun") == ["report 0"]


@pytest.fixture
def https_receiver(tmp_path: Path) -> Iterator[Receiver]:
    """A receiver behind TLS with a self-signed certificate no trust store knows."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver = Receiver()
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    with receiver:
        yield receiver


def test_tls_certificates_are_verified(
    https_receiver: Receiver, no_proxy_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="errorwire")
    endpoint = https_receiver.endpoints()["raygun"].replace("http://", "https://")
    errorwire.init(
        raygun=errorwire.Raygun(api_key="k", endpoint=endpoint), **{**QUICK, "max_retries": 1}
    )
    capture(1)
    assert errorwire.flush(5)
    assert https_receiver.attempts == []
    assert errorwire.stats()["raygun"]["dropped"] == {"retries_exhausted": 1}
    assert "TLS error" in logged(caplog)
    assert "CERTIFICATE_VERIFY_FAILED" in logged(caplog)
