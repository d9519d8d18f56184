"""``errorwire check`` run as the installed command: what it prints of the configuration,
the test report each vendor receives (valid for its schema), and the exit status."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Dict

import pytest

from tests.receiver import Receiver, Reply
from tests.release.release_support import release_env, run
from tests.reports import vendor_exception_classes
from tests.schemas import assert_valid


def lines_by_vendor(stdout: str, suffix: str = "") -> Dict[str, str]:
    """Lines that start with ``<vendor><suffix>:``, by vendor."""
    found = {}
    for line in stdout.splitlines():
        for vendor in ("rollbar", "raygun", "bugsnag"):
            if line.startswith(f"{vendor}{suffix}:"):
                found[vendor] = line
    return found


def test_check_prints_the_configuration_and_each_vendor_accepts_a_marked_report(
    receiver: Receiver, tmp_path: Path
) -> None:
    env = release_env(receiver, ERRORWIRE_CODE_VERSION="v9")
    done = run(["check"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    found = lines_by_vendor(done.stdout)
    assert f"endpoint={receiver.url}/api/1/item/" in found["rollbar"]
    assert "key=...oken" in found["rollbar"]  # rollbar-token: its last 4 characters only
    assert "rollbar-token" not in done.stdout
    assert "key=...ey/1" in found["raygun"]
    for line in found.values():
        assert "environment=staging" in line and "code_version=v9" in line
        assert "spool=off" in line and "project_root=" in line
    answers = lines_by_vendor(done.stdout, " test report")
    assert answers["rollbar"].startswith("rollbar test report: accepted (200)")
    assert answers["raygun"].startswith("raygun test report: accepted (202)")
    assert answers["bugsnag"].startswith("bugsnag test report: accepted (200)")
    received = receiver.wait_for(3)
    assert sorted(item.vendor for item in received) == ["bugsnag", "raygun", "rollbar"]
    for item in received:
        payload = item.json()
        assert_valid(item.vendor, payload)
        assert vendor_exception_classes(item.vendor, payload) == ["ErrorwireCheck"]
        assert "errorwire check" in item.body.decode()


def test_a_refused_test_report_fails_the_check_with_the_vendor_message(
    receiver: Receiver, tmp_path: Path
) -> None:
    receiver.script_for("raygun", Reply(403, body={"message": "Invalid API key"}))
    done = run(["check"], release_env(receiver), tmp_path)
    assert done.returncode == 1
    answers = lines_by_vendor(done.stdout, " test report")
    assert answers["raygun"] == "raygun test report: refused (403): Invalid API key"
    assert answers["rollbar"].startswith("rollbar test report: accepted")


def test_dry_run_prints_the_three_payloads_and_sends_nothing(
    receiver: Receiver, tmp_path: Path
) -> None:
    done = run(
        ["check", "--dry-run"],
        release_env(receiver),
        tmp_path,
        program=[sys.executable, "-m", "errorwire"],
    )
    assert done.returncode == 0, done.stderr
    assert receiver.attempts == []
    for vendor in ("rollbar", "raygun", "bugsnag"):
        assert f"{vendor} payload (POST " in done.stdout
    first = done.stdout.index("rollbar payload")
    start = done.stdout.index("{", first)
    end = done.stdout.index("\nraygun payload")
    assert_valid("rollbar", json.loads(done.stdout[start:end]))


def release_env_without_keys(receiver: Receiver) -> Dict[str, str]:
    """The release commands' environment without the vendors' keys: the app's settings
    must name them."""
    env = release_env(receiver)
    for name in ("ROLLBAR_ACCESS_TOKEN", "RAYGUN_API_KEY", "BUGSNAG_API_KEY"):
        del env[name]
    return env


def test_check_reads_a_flask_factory_as_the_app_would(receiver: Receiver, tmp_path: Path) -> None:
    pytest.importorskip("flask")
    (tmp_path / "shop.py").write_text(
        textwrap.dedent(f"""
        import flask
        import errorwire
        from errorwire.integrations.flask import Errorwire

        def create_app():
            app = flask.Flask("shop")
            app.config["ERRORWIRE"] = {{
                "environment": "flask-env",
                "rollbar": errorwire.Rollbar(access_token="from-flask-1234",
                                             endpoint="{receiver.url}/api/1/item/"),
            }}
            Errorwire(app)
            return app
    """)
    )
    env = release_env_without_keys(receiver)
    done = run(["check", "--flask-app", "shop:create_app"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    found = lines_by_vendor(done.stdout)
    assert "key=...1234" in found["rollbar"] and "environment=flask-env" in found["rollbar"]
    assert found["raygun"] == "raygun: not configured"
    (item,) = receiver.wait_for(1)
    assert item.headers["X-Rollbar-Access-Token"] == "from-flask-1234"


def test_check_reads_django_settings(receiver: Receiver, tmp_path: Path) -> None:
    pytest.importorskip("django")
    (tmp_path / "site_settings.py").write_text(
        textwrap.dedent(f"""
        import errorwire
        SECRET_KEY = "x"
        INSTALLED_APPS = []
        ERRORWIRE = {{
            "environment": "django-env",
            "bugsnag": errorwire.Bugsnag(api_key="django-key-5678",
                                         endpoint="{receiver.url}/bugsnag/"),
        }}
    """)
    )
    env = release_env_without_keys(receiver)
    done = run(["check", "--django-settings", "site_settings"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    found = lines_by_vendor(done.stdout)
    assert "key=...5678" in found["bugsnag"] and "environment=django-env" in found["bugsnag"]
    (item,) = receiver.wait_for(1)
    assert item.json()["apiKey"] == "django-key-5678"
