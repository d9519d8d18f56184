"""Server context: project root, code version and branch sources, caching, a slow git."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from errorwire.core import server
from errorwire.core.server import (
    BRANCH_VARIABLES,
    CODE_VERSION_VARIABLES,
    find_project_root,
    git_head,
    server_info,
)

HAS_GIT = shutil.which("git") is not None
PACKAGE_PARENT = str(Path(server.__file__).resolve().parents[2])


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """CI machines set GITHUB_SHA and friends: each test decides what is set."""
    for name in CODE_VERSION_VARIABLES + BRANCH_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    server_info.cache_clear()
    yield
    server_info.cache_clear()


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ("git", *args), cwd=folder, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    if not HAS_GIT:
        pytest.skip("git is not installed")
    folder = tmp_path / "shop"
    folder.mkdir()
    _git(folder, "init", "-q")
    _git(folder, "symbolic-ref", "HEAD", "refs/heads/release")  # `init -b` needs git 2.28
    (folder / "app.py").write_text("print('hi')\n")
    _git(folder, "add", "app.py")
    _git(
        folder,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-q",
        "-m",
        "first",
    )
    return folder


def _run_python(args: list, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": PACKAGE_PARENT}
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


PRINT_ROOT = "from errorwire.core.server import find_project_root; print(find_project_root())"


# -- project root -------------------------------------------------------------------------


def test_under_pytest_the_root_is_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_project_root() == os.path.realpath(tmp_path)


def test_a_script_finds_the_nearest_folder_with_a_project_marker(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    (project / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (project / "app" / "main.py").write_text(PRINT_ROOT + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    assert _run_python([str(project / "app" / "main.py")], cwd=elsewhere) == os.path.realpath(
        project
    )


def test_a_script_without_markers_uses_its_own_folder(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "job.py").write_text(PRINT_ROOT + "\n")
    assert _run_python([str(scripts / "job.py")], cwd=tmp_path) == os.path.realpath(scripts)


def test_python_dash_m_uses_the_working_directory(tmp_path: Path) -> None:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(PRINT_ROOT + "\n")
    env_root = _run_python(["-m", "shop"], cwd=tmp_path)
    assert env_root == os.path.realpath(tmp_path)


def test_an_installed_entry_point_uses_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gunicorn, uvicorn and pytest run from <venv>/bin/<name>: not the project.
    bin_folder = tmp_path / "venv" / "bin"
    bin_folder.mkdir(parents=True)
    fake_main = type(sys)("__main__")
    fake_main.__file__ = str(bin_folder / "gunicorn")
    fake_main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    monkeypatch.chdir(tmp_path)
    assert find_project_root() == os.path.realpath(tmp_path)


def test_explicit_project_root_wins(tmp_path: Path) -> None:
    assert server_info(str(tmp_path)).root == os.path.realpath(tmp_path)


# -- code version and branch ------------------------------------------------------------


def test_errorwire_code_version_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "from-ci")
    monkeypatch.setenv("ERRORWIRE_CODE_VERSION", "v1.2.3")
    monkeypatch.setenv("ERRORWIRE_BRANCH", "stable")
    info = server_info(str(tmp_path))
    assert info.code_version == "v1.2.3"
    assert info.branch == "stable"


@pytest.mark.parametrize(
    ("variable", "branch_variable"),
    [
        ("GITHUB_SHA", "GITHUB_REF_NAME"),
        ("CI_COMMIT_SHA", "CI_COMMIT_REF_NAME"),
        ("SOURCE_VERSION", "GIT_BRANCH"),
        ("RENDER_GIT_COMMIT", "RENDER_GIT_BRANCH"),
    ],
)
def test_ci_and_paas_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, branch_variable: str
) -> None:
    monkeypatch.setenv(variable, " 0123abcd \n")
    monkeypatch.setenv(branch_variable, "main")
    info = server_info(str(tmp_path))
    assert info.code_version == "0123abcd"
    assert info.branch == "main"


def test_the_code_version_argument_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERRORWIRE_CODE_VERSION", "from-env")
    assert server_info(str(tmp_path), "from-argument").code_version == "from-argument"


def test_git_gives_commit_and_branch(checkout: Path) -> None:
    info = server_info(str(checkout))
    assert info.code_version == _git(checkout, "rev-parse", "HEAD")
    assert info.code_version is not None and len(info.code_version) == 40
    assert info.branch == "release"


def test_a_detached_checkout_has_a_commit_but_no_branch(checkout: Path) -> None:
    _git(checkout, "checkout", "-q", "--detach")
    commit, branch = git_head(str(checkout))
    assert commit == _git(checkout, "rev-parse", "HEAD")
    assert branch is None


def test_a_subfolder_of_a_checkout_still_reads_git(checkout: Path) -> None:
    sub = checkout / "pkg"
    sub.mkdir()
    assert git_head(str(sub))[0] == _git(checkout, "rev-parse", "HEAD")


def test_no_checkout_no_version(tmp_path: Path) -> None:
    info = server_info(str(tmp_path))
    assert info.code_version is None
    assert info.branch is None


def test_a_slow_git_is_given_up(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    fake_git = fake_bin / "git"
    fake_git.write_text("#!/bin/sh\nexec sleep 5\n")
    fake_git.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ.get('PATH', '')}")

    started = time.monotonic()
    info = server_info(str(checkout))
    took = time.monotonic() - started
    assert info.code_version is None
    assert took < 3.0, f"git was waited on for {took:.1f}s"


def test_a_missing_git_is_not_an_error(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(checkout / "no-such-bin"))
    assert server_info(str(checkout)).code_version is None


# -- the rest, and the cache -------------------------------------------------------------


def test_host_and_platform_facts(tmp_path: Path) -> None:
    info = server_info(str(tmp_path))
    assert info.host == socket.gethostname()
    assert info.python_version == ".".join(str(n) for n in sys.version_info[:3])
    assert info.processor_count == os.cpu_count()
    assert info.os_name
    if hasattr(os, "sysconf"):
        assert info.total_memory is not None and info.total_memory > 0


def test_computed_once_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERRORWIRE_CODE_VERSION", "first")
    first = server_info(str(tmp_path))
    monkeypatch.setenv("ERRORWIRE_CODE_VERSION", "second")
    assert server_info(str(tmp_path)) is first
    assert first.code_version == "first"
