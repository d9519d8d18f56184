"""``errorwire deploy`` run as the installed command against a receiver playing the
vendors' release APIs; every body is checked against RELEASES.md (tests/release_schemas.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict

import pytest

import errorwire
from errorwire.release.deploy import notify_deploy
from tests.receiver import Receiver, Reply
from tests.release.release_support import release_env, run, vendor_answer
from tests.release_schemas import assert_valid_release_request


@pytest.fixture
def vendors(receiver: Receiver) -> Receiver:
    receiver.responder = vendor_answer
    return receiver


def lines_by_vendor(stdout: str) -> Dict[str, str]:
    return {line.split(":", 1)[0]: line for line in stdout.splitlines() if line}


def test_one_command_tells_all_three_vendors(vendors: Receiver, tmp_path: Path) -> None:
    env = release_env(vendors, ERRORWIRE_CODE_VERSION="dc1f74dee5a1b2c3d4e5f60718293a4b5c6d7e8f")
    done = run(
        [
            "deploy",
            "--user",
            "alice",
            "--comment",
            "Release 1.4.2",
            "--repository",
            "https://github.com/acme/shop",
        ],
        env,
        tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = lines_by_vendor(done.stdout)
    assert lines["rollbar"].startswith("rollbar: accepted (200) deploy_id=4242")
    assert lines["bugsnag"].startswith("bugsnag: accepted (200)")
    assert lines["raygun"].startswith("raygun: accepted (201) deploy_id=dep-1")
    received = vendors.wait_for(3)
    assert len(received) == 3
    for item in received:
        assert_valid_release_request(item)
    by_path = {item.path.split("?")[0]: item for item in received}
    rollbar = by_path["/api/1/deploy"].json()
    assert rollbar == {
        "environment": "staging",
        "revision": "dc1f74dee5a1b2c3d4e5f60718293a4b5c6d7e8f",
        "local_username": "alice",
        "comment": "Release 1.4.2",
        "status": "succeeded",
    }
    assert by_path["/api/1/deploy"].headers["X-Rollbar-Access-Token"] == "rollbar-token"
    build = by_path["/build"].json()
    assert build["apiKey"] == "bugsnag-key"
    assert build["appVersion"] == rollbar["revision"]
    assert build["releaseStage"] == "staging"
    assert build["builderName"] == "alice"
    assert build["sourceControl"] == {
        "provider": "github",
        "repository": "https://github.com/acme/shop",
        "revision": rollbar["revision"],
    }
    # The ingestion key, URL-encoded into the path (RELEASES.md: reserved characters).
    raygun = by_path["/v3/applications/api-key/raygun%20key%2F1/deployments"]
    assert raygun.headers["Authorization"] == "Bearer raygun-pat"
    deployment = raygun.json()
    assert deployment["version"] == rollbar["revision"]
    assert deployment["scmIdentifier"] == rollbar["revision"]
    assert deployment["scmType"] == "GitHub"
    assert deployment["ownerName"] == "alice"


def test_a_vendor_without_its_credential_is_skipped_naming_the_setting(
    vendors: Receiver, tmp_path: Path
) -> None:
    env = release_env(vendors)
    del env["RAYGUN_PERSONAL_ACCESS_TOKEN"], env["BUGSNAG_API_KEY"]
    done = run(["deploy", "--revision", "v1.4.2"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = lines_by_vendor(done.stdout)
    assert "skipped" in lines["raygun"] and "RAYGUN_PERSONAL_ACCESS_TOKEN" in lines["raygun"]
    assert "skipped" in lines["bugsnag"] and "BUGSNAG_API_KEY" in lines["bugsnag"]
    assert [item.path for item in vendors.wait_for(1)] == ["/api/1/deploy"]


def test_a_refusal_is_printed_and_fails_the_command(vendors: Receiver, tmp_path: Path) -> None:
    refusals = {
        "bugsnag": Reply(400, body={"errors": ["apiKey is not valid"]}),
        "raygun": Reply(401, body={"title": "Unauthorized", "status": 401}),
    }
    vendors.responder = lambda item: refusals.get(item.vendor) or vendor_answer(item)
    done = run(["deploy", "--revision", "v2"], release_env(vendors), tmp_path)
    assert done.returncode == 1
    lines = lines_by_vendor(done.stdout)
    assert lines["bugsnag"] == 'bugsnag: refused (400): ["apiKey is not valid"]'
    assert lines["raygun"] == "raygun: refused (401): Unauthorized"
    assert lines["rollbar"].startswith("rollbar: accepted (200)")


def test_a_started_deploy_is_updated_at_rollbar_then_released_everywhere(
    vendors: Receiver, tmp_path: Path
) -> None:
    env = release_env(vendors)
    started = run(["deploy", "--revision", "v3", "--status", "started"], env, tmp_path)
    assert started.returncode == 0, started.stdout + started.stderr
    lines = lines_by_vendor(started.stdout)
    assert lines["rollbar"].startswith("rollbar: accepted (200) deploy_id=4242")
    assert "skipped" in lines["bugsnag"] and "skipped" in lines["raygun"]
    first = vendors.wait_for(1)
    assert first[0].json()["status"] == "started"
    finished = run(
        [
            "deploy",
            "--revision",
            "v3",
            "--status",
            "succeeded",
            "--rollbar-deploy-id",
            "4242",
            "--comment",
            "all green",
        ],
        env,
        tmp_path,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    received = vendors.wait_for(4)
    for item in received:
        assert_valid_release_request(item)
    update = [item for item in received if item.method == "PATCH"]
    assert [item.path for item in update] == ["/api/1/deploy/4242"]
    assert update[0].json() == {"status": "succeeded", "comment": "all green"}
    assert {item.path.split("/")[1] for item in received[1:]} == {"api", "build", "v3"}


def test_python_dash_m_and_a_config_callable(vendors: Receiver, tmp_path: Path) -> None:
    (tmp_path / "deploy_settings.py").write_text(
        "import errorwire, os\n"
        "def settings():\n"
        "    url = os.environ['RECEIVER']\n"
        "    return {'environment': 'eu-prod', 'code_version': 'from-config',\n"
        "            'rollbar': errorwire.Rollbar(access_token='config-token',\n"
        "                                         deploy_endpoint=url + '/api/1/deploy')}\n"
    )
    env = release_env(vendors, RECEIVER=vendors.url)
    for name in ("ROLLBAR_ACCESS_TOKEN", "RAYGUN_API_KEY", "BUGSNAG_API_KEY"):
        del env[name]
    done = run(
        ["deploy", "--config", "deploy_settings:settings"],
        env,
        tmp_path,
        program=[sys.executable, "-m", "errorwire"],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    body = vendors.wait_for(1)[0]
    assert body.headers["X-Rollbar-Access-Token"] == "config-token"
    assert body.json()["environment"] == "eu-prod"
    assert body.json()["revision"] == "from-config"


def test_without_a_revision_the_command_says_how_to_give_one(
    vendors: Receiver, tmp_path: Path
) -> None:
    done = run(["deploy"], release_env(vendors), tmp_path)  # no git checkout, no variable
    assert done.returncode == 2
    assert "--revision" in done.stderr
    assert vendors.attempts == []


def test_notify_deploy_uses_what_init_knows(vendors: Receiver) -> None:
    url = vendors.url
    errorwire.init(
        environment="production",
        code_version="abc123",
        rollbar=errorwire.Rollbar(
            access_token="t", endpoint=f"{url}/api/1/item/", deploy_endpoint=f"{url}/api/1/deploy"
        ),
        raygun=errorwire.Raygun(api_key="k", endpoint=f"{url}/entries"),
    )
    results = errorwire.notify_deploy(user="ci")
    assert results["rollbar"]["outcome"] == "accepted"
    assert results["rollbar"]["deploy_id"] == "4242"
    assert results["raygun"]["outcome"] == "skipped"
    assert results["bugsnag"]["outcome"] == "skipped"
    item = vendors.wait_for(1)[0]
    assert_valid_release_request(item)
    assert json.loads(item.body)["revision"] == "abc123"
    assert notify_deploy is errorwire.notify_deploy


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (
            lambda: errorwire.Rollbar(access_token="t", deploy_endpoint="ftp://x"),
            "rollbar.deploy_endpoint",
        ),
        (
            lambda: errorwire.Raygun(api_key="k", deploy_endpoint="nowhere"),
            "raygun.deploy_endpoint",
        ),
        (
            lambda: errorwire.Raygun(api_key="k", personal_access_token=" "),
            "raygun.personal_access_token",
        ),
        (lambda: errorwire.Bugsnag(api_key="k", build_endpoint="x:y"), "bugsnag.build_endpoint"),
        (lambda: errorwire.Bugsnag(api_key="k", sessions_endpoint=3), "bugsnag.sessions_endpoint"),
        (lambda: errorwire.Bugsnag(api_key="k", track_sessions="yes"), "bugsnag.track_sessions"),
    ],
)
def test_bad_release_settings_raise_config_error_naming_them(settings, named) -> None:  # type: ignore[no-untyped-def]
    vendor = settings()
    with pytest.raises(errorwire.ConfigError, match=named.replace(".", r"\.")):
        errorwire.init(**{vendor.name: vendor})


def test_release_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAYGUN_API_KEY", "k")
    monkeypatch.setenv("RAYGUN_PERSONAL_ACCESS_TOKEN", "pat")
    monkeypatch.setenv("RAYGUN_DEPLOY_ENDPOINT", "http://127.0.0.1:1/d")
    monkeypatch.setenv("BUGSNAG_API_KEY", "b")
    monkeypatch.setenv("BUGSNAG_SESSIONS_ENDPOINT", "http://127.0.0.1:1/s")
    monkeypatch.setenv("ROLLBAR_ACCESS_TOKEN", "r")
    monkeypatch.setenv("ROLLBAR_DEPLOY_ENDPOINT", "not a url")
    with pytest.raises(errorwire.ConfigError, match="ROLLBAR_DEPLOY_ENDPOINT"):
        errorwire.Options()
    monkeypatch.delenv("ROLLBAR_DEPLOY_ENDPOINT")
    options = errorwire.Options()
    assert options.raygun is not None and options.bugsnag is not None
    assert options.raygun.personal_access_token == "pat"
    assert options.raygun.deploy_endpoint == "http://127.0.0.1:1/d"
    assert options.bugsnag.sessions_endpoint == "http://127.0.0.1:1/s"
    assert options.bugsnag.track_sessions is True
