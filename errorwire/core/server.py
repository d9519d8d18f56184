"""Facts about this process's host and code, computed once (at ``init``) and cached."""

from __future__ import annotations

import functools
import os
import platform
import socket
import subprocess
import sys
import sysconfig
import time
from typing import Iterator, Optional, Tuple

from errorwire.core.event import Server

CODE_VERSION_VARIABLES = (
    "ERRORWIRE_CODE_VERSION",
    "SOURCE_VERSION",  # Heroku builds
    "HEROKU_BUILD_COMMIT",  # Heroku dyno metadata
    "HEROKU_SLUG_COMMIT",
    "GITHUB_SHA",
    "CI_COMMIT_SHA",  # GitLab
    "CIRCLE_SHA1",
    "TRAVIS_COMMIT",
    "BITBUCKET_COMMIT",
    "BUILDKITE_COMMIT",
    "DRONE_COMMIT_SHA",
    "BUILD_SOURCEVERSION",  # Azure Pipelines
    "CODEBUILD_RESOLVED_SOURCE_VERSION",  # AWS CodeBuild
    "RENDER_GIT_COMMIT",
    "VERCEL_GIT_COMMIT_SHA",
    "RAILWAY_GIT_COMMIT_SHA",
    "KOYEB_GIT_SHA",
    "GIT_COMMIT",  # Jenkins
    "COMMIT_SHA",
)
BRANCH_VARIABLES = (
    "ERRORWIRE_BRANCH",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",  # GitLab
    "CIRCLE_BRANCH",
    "TRAVIS_BRANCH",
    "BITBUCKET_BRANCH",
    "BUILDKITE_BRANCH",
    "DRONE_BRANCH",
    "BUILD_SOURCEBRANCHNAME",  # Azure Pipelines
    "RENDER_GIT_BRANCH",
    "VERCEL_GIT_COMMIT_REF",
    "RAILWAY_GIT_BRANCH",
    "GIT_BRANCH",  # Jenkins
)
GIT_TIMEOUT = 0.5
"""Seconds ``git`` may take before we give up: it runs once, at init, never per request."""
PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
MAX_PARENT_STEPS = 8


def _first_env(names: Tuple[str, ...]) -> Optional[str]:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def _folder_and_parents(start: str, max_steps: int) -> Iterator[str]:
    """``start``, then its parents up to the file system root: at most ``max_steps`` folders."""
    folder = start
    for _ in range(max_steps):
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def _inside_git_checkout(root: str) -> bool:
    """A ``.git`` in ``root`` or a parent: without one, ``git`` is not worth a process."""
    return any(os.path.exists(os.path.join(f, ".git")) for f in _folder_and_parents(root, 64))


def git_head(root: str) -> Tuple[Optional[str], Optional[str]]:
    """(commit, branch) from ``git``, or Nones when it is missing, slow or not a checkout."""
    if not _inside_git_checkout(root):
        return None, None
    try:
        done = subprocess.run(
            ("git", "rev-parse", "HEAD", "--abbrev-ref", "HEAD"),
            cwd=root,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None, None
    lines = done.stdout.split() if done.returncode == 0 else []
    if len(lines) != 2:
        return None, None
    commit, branch = lines
    return commit, None if branch == "HEAD" else branch  # "HEAD": a detached checkout


def _is_library_folder(folder: str) -> bool:
    paths = sysconfig.get_paths()
    libraries = {os.path.realpath(paths[k]) for k in ("stdlib", "purelib", "platlib") if k in paths}
    scripts = os.path.realpath(paths.get("scripts", "") or os.sep)
    return (
        any(folder == lib or folder.startswith(lib + os.sep) for lib in libraries)
        or "site-packages" in folder.split(os.sep)
        or "dist-packages" in folder.split(os.sep)
        or folder == scripts
        or os.path.basename(folder) in ("bin", "Scripts")
    )


def _nearest_marked_folder(start: str) -> Optional[str]:
    """``start`` or the nearest parent holding a project marker (.git, pyproject.toml...)."""
    stop = {os.path.realpath(os.path.expanduser("~")), os.path.abspath(os.sep)}
    for folder in _folder_and_parents(start, MAX_PARENT_STEPS):
        if folder in stop:
            return None
        if any(os.path.exists(os.path.join(folder, name)) for name in PROJECT_MARKERS):
            return folder
    return None


def find_project_root() -> str:
    """Where the user's code lives, for ``in_project`` and relative file names.

    A script run as ``python path/app.py``: its folder, or the nearest parent with
    a project marker (``.git``, ``pyproject.toml``, ``setup.py``, ``setup.cfg``).
    Anything else (``python -m``, pytest, gunicorn, uvicorn, a REPL): the working
    directory, where those are started from.
    """
    cwd = os.path.realpath(os.getcwd())
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if not isinstance(main_file, str) or getattr(main, "__spec__", None) is not None:
        return cwd
    folder = os.path.dirname(os.path.realpath(main_file))
    if _is_library_folder(folder):
        return cwd
    return _nearest_marked_folder(folder) or folder


def _total_memory() -> Optional[int]:
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return int(pages * size) if pages > 0 and size > 0 else None


def process_started() -> Optional[float]:
    """When this process started (Unix time), from Linux's ``/proc``; None elsewhere.
    Its age (uptime minus start, both counted from boot) taken from now: the boot time
    ``/proc/stat`` gives drifts from the wall clock on VMs."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            # Field 22 (starttime, clock ticks after boot), after the ")" closing the name.
            ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/uptime", "rb") as uptime:
            since_boot = float(uptime.read().split()[0])
        age = since_boot - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.time() - max(age, 0.0)


def _hostname() -> Optional[str]:
    try:
        return socket.gethostname() or None
    except OSError:
        return None


@functools.lru_cache(maxsize=8)
def server_info(project_root: Optional[str] = None, code_version: Optional[str] = None) -> Server:
    """Host, project root, branch and code version; cached per (root, version) argument.

    Code version: the argument, else ``ERRORWIRE_CODE_VERSION`` or a CI/PaaS
    variable, else ``git rev-parse HEAD`` if it answers within ``GIT_TIMEOUT``.
    """
    root = os.path.realpath(project_root) if project_root else find_project_root()
    version = code_version or _first_env(CODE_VERSION_VARIABLES)
    branch = _first_env(BRANCH_VARIABLES)
    if version is None or branch is None:
        git_commit, git_branch = git_head(root)
        version = version or git_commit
        branch = branch or git_branch
    return Server(
        host=_hostname(),
        root=root,
        branch=branch,
        code_version=version,
        os_name=platform.system() or None,
        os_version=platform.release() or None,
        architecture=platform.machine() or None,
        processor_count=os.cpu_count(),
        total_memory=_total_memory(),
        python_version=platform.python_version(),
        started=process_started(),
    )
