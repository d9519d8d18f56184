"""What many tests share: free ports, a URL where nothing listens, quick retry settings,
the example apps loaded as modules."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Sequence

QUICK: Dict[str, Any] = {
    "retry_backoff": 0.01,
    "retry_backoff_max": 0.05,
    "circuit_failures": 50,
    "circuit_cooldown": 0.2,
    "connect_timeout": 1.0,
    "read_timeout": 0.5,
    "max_retries": 3,
}
"""Short waits so a test of retries takes milliseconds; the rules are the same."""


def raised(action: Callable[[], object]) -> BaseException:
    """The exception ``action`` raises (the test fails if it raises none)."""
    try:
        action()
    except BaseException as exc:  # any exception is the point
        return exc
    raise AssertionError("expected an exception")


def recursion_error(recurse: Callable[[int], object]) -> BaseException:
    """What ``recurse(0)``, calling itself without end, raises under a recursion limit of
    3100: a RecursionError with a traceback over 3000 frames deep."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(3100)
    try:
        exc = raised(lambda: recurse(0))
    finally:
        sys.setrecursionlimit(old)
    assert isinstance(exc, RecursionError)
    return exc


def start_python(
    args: Sequence[str], env: Dict[str, str], cwd: Path, **popen: Any
) -> subprocess.Popen[bytes]:
    """``python args...`` in ``cwd`` with exactly ``env``, its output and errors in one pipe."""
    return subprocess.Popen(
        [sys.executable, *args],
        env=env,
        cwd=str(cwd),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **popen,
    )


REPO = Path(__file__).resolve().parents[1]
"""The checkout: a child process imports errorwire (and tests) from here."""


def run_python(
    args: Sequence[str], cwd: Path = REPO, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python args...`` in ``cwd`` to its end (at most 60 s), errorwire importable from this
    checkout, the environment only a plain PATH and ``env``; its output and errors as text."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url(path: str) -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused."""
    return f"http://127.0.0.1:{free_port()}{path}"


EXAMPLES = Path(__file__).resolve().parents[1] / "example_apps"


def load_example(name: str) -> ModuleType:
    """``example_apps/<name>.py`` as the module ``errorwire_example_<name>``, registered in
    ``sys.modules`` (Litestar and Strawberry look their handlers' types up there)."""
    spec = importlib.util.spec_from_file_location(
        f"errorwire_example_{name}", EXAMPLES / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
