"""Release traffic into an inbox, as a user makes it: ``errorwire deploy`` (the installed
command) started then succeeded, then an app whose requests count sessions and whose
failing request reaches all three vendors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, Dict

import errorwire
from errorwire.inbox import RunningInbox
from tests.release.release_support import VENDOR_VARIABLES, command

REVISION = "v1.4.2"


def inbox_env(inbox: RunningInbox) -> Dict[str, str]:
    url = inbox.url
    env = {k: v for k, v in os.environ.items() if k not in VENDOR_VARIABLES}
    env.update(
        ROLLBAR_ACCESS_TOKEN="rollbar-token",
        ROLLBAR_DEPLOY_ENDPOINT=f"{url}/api/1/deploy",
        RAYGUN_API_KEY="raygun-key",
        RAYGUN_PERSONAL_ACCESS_TOKEN="raygun-pat",
        RAYGUN_DEPLOY_ENDPOINT=f"{url}/v3/applications/api-key/{{api_key}}/deployments",
        BUGSNAG_API_KEY="bugsnag-key",
        BUGSNAG_BUILD_ENDPOINT=f"{url}/build",
        ERRORWIRE_ENVIRONMENT="production",
    )
    return env


def deploy(inbox: RunningInbox, cwd: Path) -> None:
    env = inbox_env(inbox)
    started = subprocess.run(
        [*command(), "deploy", "--revision", REVISION, "--status", "started", "--user", "ci"],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode == 0, started.stdout + started.stderr
    deploy_id = started.stdout.split("deploy_id=")[1].split()[0]
    done = subprocess.run(
        [*command(), "deploy", "--revision", REVISION, "--rollbar-deploy-id", deploy_id,
         "--user", "ci", "--comment", "release 1.4.2"],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": accepted") == 3, done.stdout


def serve_requests(inbox: RunningInbox, ok: int = 3) -> None:
    """``ok`` good requests and one failing (a breadcrumb, a tag, a local variable)."""
    import flask

    from errorwire.integrations.flask import Errorwire

    endpoints = inbox.endpoints()
    errorwire.init(
        environment="production",
        code_version=REVISION,
        include_locals=True,
        tags=["region:eu"],
        rollbar=errorwire.Rollbar(access_token="t", endpoint=endpoints["rollbar"]),
        raygun=errorwire.Raygun(api_key="k", endpoint=endpoints["raygun"]),
        bugsnag=errorwire.Bugsnag(
            api_key="b",
            endpoint=endpoints["bugsnag"],
            sessions_endpoint=f"{inbox.url}/sessions",
        ),
    )
    app = flask.Flask("shop")

    @app.route("/ok")
    def fine() -> str:
        return "ok"

    @app.route("/checkout/<int:cart>")
    def checkout(cart: int) -> Any:
        basket_total = cart * 3
        errorwire.add_breadcrumb("basket priced", category="shop", data={"total": basket_total})
        raise LookupError(f"no stock for cart {cart}")

    Errorwire(app)
    with app.test_client() as client:
        for _ in range(ok):
            assert client.get("/ok").status_code == 200
        assert client.get("/checkout/7").status_code == 500
    assert errorwire.flush(10)
