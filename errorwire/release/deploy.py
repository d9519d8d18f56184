"""Deploy notices: one request per configured vendor, each vendor's answer read back.

Rollbar records a deploy (``POST /api/1/deploy``) and later its outcome (``PATCH
/api/1/deploy/{id}``); Bugsnag's Build API and Raygun's deployments API record a
release, so they are told once the code is out: at ``succeeded`` (or when no status
is given), never at ``started`` or ``failed``. What each body holds, and where each
field comes from: /work/shared/design/RELEASES.md and README.md, "Releases and deploys".
"""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union
from urllib.parse import quote, urlsplit

from errorwire.core.config import Bugsnag, ConfigError, Options, Raygun, Rollbar
from errorwire.release.wire import Answer, nested, request, vendor_message
from errorwire.vendors.fields import iso_utc

ROLLBAR_DEPLOY_ENDPOINT = "https://api.rollbar.com/api/1/deploy"
BUGSNAG_BUILD_ENDPOINT = "https://build.bugsnag.com/"
BUGSNAG_SECONDARY_BUILD_ENDPOINT = "https://build.bugsnag.smartbear.com/"
BUGSNAG_SECONDARY_PREFIX = "00000"
"""Bugsnag for Enterprise keys (bugsnag-cli SECONDARY_API_PREFIX) use the smartbear hosts."""
RAYGUN_DEPLOY_ENDPOINT = "https://api.raygun.com/v3/applications/api-key/{api_key}/deployments"
STATUSES = ("started", "succeeded", "failed", "timed_out")
VENDOR_ORDER = ("rollbar", "bugsnag", "raygun")
SCM = {  # repository host -> (Bugsnag sourceControl.provider, Raygun scmType)
    "github.com": ("github", "GitHub"),
    "gitlab.com": ("gitlab", "GitLab"),
    "bitbucket.org": ("bitbucket", "Bitbucket"),
    "dev.azure.com": ("", "AzureDevOps"),
}


@dataclass
class Deploy:
    revision: str
    environment: str
    status: str
    user: str
    comment: Optional[str] = None
    repository: Optional[str] = None
    rollbar_username: Optional[str] = None
    rollbar_deploy_id: Optional[str] = None
    """A deploy Rollbar recorded as started: its status is updated instead."""
    deployed_at: float = 0.0

    @property
    def is_release(self) -> bool:
        return self.status == "succeeded"


@dataclass
class Call:
    method: str
    url: str
    payload: Dict[str, Any]
    headers: Dict[str, str]


Plan = Union[Call, str]
"""The request for one vendor, or why it is skipped."""


def local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no USER variable and no passwd entry (some containers)
        return "unknown"


def _scm(repository: Optional[str]) -> tuple[str, str]:
    host = (urlsplit(repository).hostname or "") if repository else ""
    return SCM.get(host.lower().removeprefix("www."), ("", ""))


def _drop_empty(payload: Dict[str, Any]) -> Dict[str, Any]:
    return {name: value for name, value in payload.items() if value not in (None, "", {})}


def rollbar_call(settings: Optional[Rollbar], deploy: Deploy) -> Plan:
    if settings is None:
        return "not configured (set ROLLBAR_ACCESS_TOKEN or errorwire.Rollbar(access_token=...))"
    url = settings.deploy_endpoint or ROLLBAR_DEPLOY_ENDPOINT
    headers = {"X-Rollbar-Access-Token": settings.access_token}
    if deploy.rollbar_deploy_id:
        # rollbar-cli's update: PATCH deploy/{id}, the same post_server_item token in the
        # header; rollbar-gem's body (status, comment). No Rollbar doc states the scope.
        update = {"status": deploy.status, "comment": deploy.comment}
        target = f"{url.rstrip('/')}/{quote(deploy.rollbar_deploy_id, safe='')}"
        return Call("PATCH", target, _drop_empty(update), headers)
    payload = {
        "environment": deploy.environment,
        "revision": deploy.revision,
        "local_username": deploy.user,
        "rollbar_username": deploy.rollbar_username,
        "comment": deploy.comment,
        "status": deploy.status,
    }
    return Call("POST", url, _drop_empty(payload), headers)


def bugsnag_call(settings: Optional[Bugsnag], deploy: Deploy) -> Plan:
    if settings is None:
        return "not configured (set BUGSNAG_API_KEY or errorwire.Bugsnag(api_key=...))"
    if not deploy.is_release:
        return f"a build is recorded when the deploy succeeds, not at {deploy.status}"
    url = settings.build_endpoint or (
        BUGSNAG_SECONDARY_BUILD_ENDPOINT
        if settings.api_key.startswith(BUGSNAG_SECONDARY_PREFIX)
        else BUGSNAG_BUILD_ENDPOINT
    )
    provider = _scm(deploy.repository)[0]
    source = _drop_empty(
        {"provider": provider, "repository": deploy.repository, "revision": deploy.revision}
    )
    payload = {
        "apiKey": settings.api_key,
        "appVersion": deploy.revision,
        "releaseStage": deploy.environment,
        "builderName": deploy.user,
        "sourceControl": source if deploy.repository else None,
        "metadata": {"comment": deploy.comment} if deploy.comment else None,
    }
    return Call("POST", url, _drop_empty(payload), {})


def raygun_call(settings: Optional[Raygun], deploy: Deploy) -> Plan:
    if settings is None:
        return "not configured (set RAYGUN_API_KEY or errorwire.Raygun(api_key=...))"
    if not settings.personal_access_token:
        return (
            "no personal access token: set RAYGUN_PERSONAL_ACCESS_TOKEN or "
            "errorwire.Raygun(personal_access_token=...) (scope deployments:write)"
        )
    if not deploy.is_release:
        return f"a deployment is recorded when the deploy succeeds, not at {deploy.status}"
    template = settings.deploy_endpoint or RAYGUN_DEPLOY_ENDPOINT
    url = template.replace("{api_key}", quote(settings.api_key, safe=""))
    payload = {
        "version": deploy.revision,
        "ownerName": deploy.user,
        "comment": deploy.comment,
        "scmIdentifier": deploy.revision,
        "scmType": _scm(deploy.repository)[1],  # never "": Raygun refuses an empty one
        "deployedAt": iso_utc(deploy.deployed_at),
    }
    headers = {"Authorization": f"Bearer {settings.personal_access_token}"}
    return Call("POST", url, _drop_empty(payload), headers)


def read_answer(vendor: str, answer: Answer) -> Dict[str, Any]:
    """{"outcome": accepted|refused|unreachable, "status", "message", "deploy_id"}."""
    status = answer.status
    if status is None:
        return {"outcome": "unreachable", "status": None, "message": answer.text}
    accepted = 200 <= status < 300
    if vendor == "rollbar" and accepted:
        accepted = not nested(answer.data, "err")
    deploy_id = None
    if vendor == "rollbar":
        deploy_id = nested(answer.data, "data", "deploy_id") or nested(answer.data, "result", "id")
    elif vendor == "raygun":
        deploy_id = nested(answer.data, "identifier")
    result: Dict[str, Any] = {
        "outcome": "accepted" if accepted else "refused",
        "status": status,
        "message": vendor_message(answer) if not accepted else _warnings(answer),
    }
    if deploy_id is not None:
        result["deploy_id"] = str(deploy_id)
    return result


def _warnings(answer: Answer) -> str:
    """An accepted build may carry warnings (bugsnag-cli prints them): shown, or nothing."""
    warnings = nested(answer.data, "warnings")
    return "warnings: " + "; ".join(map(str, warnings)) if warnings else ""


def notify_deploy(
    revision: Optional[str] = None,
    environment: Optional[str] = None,
    *,
    status: str = "succeeded",
    user: Optional[str] = None,
    comment: Optional[str] = None,
    repository: Optional[str] = None,
    rollbar_username: Optional[str] = None,
    rollbar_deploy_id: Optional[str] = None,
    options: Optional[Options] = None,
) -> Dict[str, Dict[str, Any]]:
    """Tell every configured vendor that ``revision`` went out to ``environment``.

    Defaults: the configured (or detected) code_version, the configured environment,
    the local user. Returns, per vendor, ``{"outcome": "accepted" | "refused" |
    "unreachable" | "skipped", "status": <HTTP status>, "message": ..., "deploy_id": ...}``.
    Raises ConfigError when there is no revision or the status is unknown.
    """
    if options is None:
        options = _current_options()
    if status not in STATUSES:
        raise ConfigError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    deploy = Deploy(
        revision=_revision(revision, options),
        environment=environment or options.environment or "production",
        status=status,
        user=user or local_user(),
        comment=comment,
        repository=repository,
        rollbar_username=rollbar_username,
        rollbar_deploy_id=rollbar_deploy_id,
        deployed_at=time.time(),
    )
    plans = {
        "rollbar": rollbar_call(options.rollbar, deploy),
        "bugsnag": bugsnag_call(options.bugsnag, deploy),
        "raygun": raygun_call(options.raygun, deploy),
    }
    return {vendor: _carry_out(vendor, plans[vendor], options) for vendor in VENDOR_ORDER}


def _current_options() -> Options:
    from errorwire.api import get_client

    client = get_client()
    return client.options if client is not None else Options()


def _revision(given: Optional[str], options: Options) -> str:
    """The revision given, else the code_version configured or detected."""
    revision = given
    if revision is None:
        from errorwire.core.server import server_info

        revision = server_info(options.project_root, options.code_version).code_version
    if not revision:
        raise ConfigError(
            "revision: none given and no code_version detected "
            "(pass --revision, or set ERRORWIRE_CODE_VERSION, or deploy from a git checkout)"
        )
    return revision


def _carry_out(vendor: str, plan: Plan, options: Options) -> Dict[str, Any]:
    """Send one vendor's deploy call; a plan that is a string says why it is skipped."""
    if isinstance(plan, str):
        return {"outcome": "skipped", "status": None, "message": plan}
    answer = request(plan.method, plan.url, plan.payload, plan.headers, options.read_timeout)
    return read_answer(vendor, answer)


def summary_line(vendor: str, result: Dict[str, Any]) -> str:
    status = f" ({result['status']})" if result.get("status") is not None else ""
    deploy_id = f" deploy_id={result['deploy_id']}" if result.get("deploy_id") else ""
    message = f": {result['message']}" if result.get("message") else ""
    return f"{vendor}: {result['outcome']}{status}{deploy_id}{message}"


def failed(results: Dict[str, Dict[str, Any]]) -> bool:
    return any(r["outcome"] in ("refused", "unreachable") for r in results.values())
