"""Facts about this process's host and code, computed once and cached."""

from __future__ import annotations

import functools
import os
import platform
import socket
import subprocess
import sys
from typing import Optional

from errorwire.core.event import Server

CODE_VERSION_VARIABLES = (
    "ERRORWIRE_CODE_VERSION",
    "SOURCE_VERSION",  # Heroku builds
    "HEROKU_SLUG_COMMIT",
    "GITHUB_SHA",
    "CI_COMMIT_SHA",  # GitLab
    "CIRCLE_SHA1",
    "TRAVIS_COMMIT",
    "BITBUCKET_COMMIT",
    "BUILDKITE_COMMIT",
    "RENDER_GIT_COMMIT",
    "VERCEL_GIT_COMMIT_SHA",
    "RAILWAY_GIT_COMMIT_SHA",
    "GIT_COMMIT",  # Jenkins
    "COMMIT_SHA",
)
BRANCH_VARIABLES = (
    "ERRORWIRE_BRANCH",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "CIRCLE_BRANCH",
    "TRAVIS_BRANCH",
    "BITBUCKET_BRANCH",
    "BUILDKITE_BRANCH",
    "RENDER_GIT_BRANCH",
    "VERCEL_GIT_COMMIT_REF",
    "GIT_BRANCH",
)
GIT_TIMEOUT = 0.5
"""Seconds `git` may take before we give up: it runs once, at init, never per request."""


def _first_env(names: "tuple[str, ...]") -> Optional[str]:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def _git(root: str, *args: str) -> Optional[str]:
    try:
        done = subprocess.run(
            ("git", *args),
            cwd=root,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def find_project_root() -> str:
    """The folder of the main script, else the working directory."""
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if main_file and not os.path.basename(main_file).startswith(("pytest", "_pytest")):
        folder = os.path.dirname(os.path.realpath(main_file))
        if "site-packages" not in folder and os.path.basename(folder) != "bin":
            return folder
    return os.path.realpath(os.getcwd())


def _total_memory() -> Optional[int]:
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return int(pages * size) if pages > 0 and size > 0 else None


@functools.lru_cache(maxsize=8)
def server_info(project_root: Optional[str] = None, code_version: Optional[str] = None) -> Server:
    root = (project_root or find_project_root()).rstrip(os.sep) or os.sep
    version = code_version or _first_env(CODE_VERSION_VARIABLES) or _git(root, "rev-parse", "HEAD")
    branch = _first_env(BRANCH_VARIABLES) or _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return Server(
        host=socket.gethostname() or None,
        root=root,
        branch=None if branch == "HEAD" else branch,
        code_version=version,
        os_name=platform.system() or None,
        os_version=platform.release() or None,
        architecture=platform.machine() or None,
        processor_count=os.cpu_count(),
        total_memory=_total_memory(),
        python_version=platform.python_version(),
    )
