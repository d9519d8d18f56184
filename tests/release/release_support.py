"""Helpers of the release tests: the vendors' release-API answers, the installed command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from errorwire.core.server import CODE_VERSION_VARIABLES
from tests.receiver import Received, Receiver, Reply

VENDOR_VARIABLES = (
    "ROLLBAR_ACCESS_TOKEN",
    "ROLLBAR_ENDPOINT",
    "ROLLBAR_DEPLOY_ENDPOINT",
    "RAYGUN_API_KEY",
    "RAYGUN_ENDPOINT",
    "RAYGUN_DEPLOY_ENDPOINT",
    "RAYGUN_PERSONAL_ACCESS_TOKEN",
    "BUGSNAG_API_KEY",
    "BUGSNAG_ENDPOINT",
    "BUGSNAG_BUILD_ENDPOINT",
    "BUGSNAG_SESSIONS_ENDPOINT",
    "ERRORWIRE_ENVIRONMENT",
)


def vendor_answer(item: Received) -> Optional[Reply]:
    """What the vendors answer a valid request (RELEASES.md, "Responses")."""
    if item.path.startswith("/api/1/deploy"):
        if item.method == "PATCH":
            deploy_id = item.path.rsplit("/", 1)[-1]
            return Reply(200, body={"err": 0, "result": {"id": int(deploy_id), **item.json()}})
        return Reply(200, body={"data": {"deploy_id": 4242}})
    if item.path.startswith("/v3/applications/"):
        return Reply(
            201,
            body={
                "identifier": "dep-1",
                "applicationIdentifier": "app-1",
                "version": item.json().get("version"),
            },
        )
    if item.path.startswith("/build"):
        return Reply(200, body={"status": "ok", "warnings": []})
    return None


def release_env(receiver: Receiver, **extra: str) -> Dict[str, str]:
    """A clean environment naming all three vendors, their release endpoints at ``receiver``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in VENDOR_VARIABLES and k not in CODE_VERSION_VARIABLES
    }
    url = receiver.url
    env.update(
        ROLLBAR_ACCESS_TOKEN="rollbar-token",
        ROLLBAR_ENDPOINT=f"{url}/api/1/item/",
        ROLLBAR_DEPLOY_ENDPOINT=f"{url}/api/1/deploy",
        RAYGUN_API_KEY="raygun key/1",
        RAYGUN_ENDPOINT=f"{url}/entries",
        RAYGUN_DEPLOY_ENDPOINT=f"{url}/v3/applications/api-key/{{api_key}}/deployments",
        RAYGUN_PERSONAL_ACCESS_TOKEN="raygun-pat",
        BUGSNAG_API_KEY="bugsnag-key",
        BUGSNAG_ENDPOINT=f"{url}/bugsnag/",
        BUGSNAG_BUILD_ENDPOINT=f"{url}/build",
        BUGSNAG_SESSIONS_ENDPOINT=f"{url}/sessions",
        ERRORWIRE_ENVIRONMENT="staging",
    )
    env.update(extra)
    return env


def command() -> List[str]:
    """The console script pip installed beside this interpreter."""
    script = Path(sys.executable).with_name("errorwire")
    found = str(script) if script.exists() else shutil.which("errorwire")
    assert found, "the errorwire console script is not installed (pip install -e .)"
    return [found]


def run(
    args: List[str], env: Dict[str, str], cwd: Path, program: Optional[List[str]] = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(program or command()), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
