"""The demo's release part: a deploy announced to the three vendors (the inbox plays
them), the example apps' requests counted as Bugsnag sessions, then a table of the
deploys and of sessions, errors and errors per session per release."""

from __future__ import annotations

import os
from typing import Dict

import errorwire
from errorwire.inbox import RunningInbox
from errorwire.inbox.releases import ReleaseLog

REVISION = "demo-1.0.0"


def point_releases_at(inbox: RunningInbox) -> None:
    """Release endpoints and credentials at the inbox; the apps run ``REVISION``."""
    url = inbox.url
    os.environ.update(
        ERRORWIRE_CODE_VERSION=REVISION,
        ROLLBAR_DEPLOY_ENDPOINT=f"{url}/api/1/deploy",
        BUGSNAG_BUILD_ENDPOINT=f"{url}/build",
        BUGSNAG_SESSIONS_ENDPOINT=f"{url}/sessions",
        RAYGUN_PERSONAL_ACCESS_TOKEN="demo-raygun-pat",
        RAYGUN_DEPLOY_ENDPOINT=f"{url}/v3/applications/api-key/{{api_key}}/deployments",
    )


def announce_deploy() -> Dict[str, Dict[str, object]]:
    """What ``errorwire deploy --revision demo-1.0.0`` does, from a script."""
    results = errorwire.notify_deploy(REVISION, user="demo", comment="nox -s demo")
    for vendor, result in results.items():
        print(f"  deploy -> {vendor}: {result['outcome']} ({result.get('status')})")
    return results


def print_release_table(inbox: RunningInbox) -> int:
    """The deploys and per-release health the inbox recorded; problems found (0: fine)."""
    log = ReleaseLog(inbox.store)
    deploys = [d for d in log.deploys() if d["revision"] == REVISION]
    print(f"\n{'deploy':<8}{'revision':<14}{'status':<11}by")
    for d in deploys:
        print(f"{d['vendor']:<8}{d['revision']:<14}{d['status'] or '':<11}{d['user'] or ''}")
    print(f"\n{'release':<14}{'sessions':>9}{'errors':>8}{'errors/session':>16}")
    release = next((r for r in log.per_release() if r["version"] == REVISION), None)
    if release is not None:
        rate = release["error_rate"]
        shown = "-" if rate is None else f"{rate:.1%}"
        print(f"{REVISION:<14}{release['sessions']:>9}{release['errors']:>8}{shown:>16}")
    problems = 0
    if {d["vendor"] for d in deploys} != {"rollbar", "bugsnag", "raygun"}:
        print("a vendor did not record the deploy")
        problems += 1
    if release is None or not release["sessions"]:
        print("no session counts arrived")
        problems += 1
    return problems
