"""``nox -s demo``'s driver, run as the session runs it: every framework x vendor cell filled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

for framework in (
    "flask",
    "django",
    "starlette",
    "fastapi",
    "aiohttp",
    "quart",
    "strawberry",
    "graphene",
    "jinja2",
):
    pytest.importorskip(framework, reason=f"the demo drives a {framework} app")

DEMO = Path(__file__).resolve().parents[2] / "example_apps" / "run_demo.py"


def test_demo_fills_every_framework_vendor_cell(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    done = subprocess.run(
        [sys.executable, str(DEMO), "--db", str(db)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "demo: every framework x vendor cell filled" in out
    matrix = out.split("framework   rollbar   raygun  bugsnag\n", 1)[1].splitlines()[:4]
    assert [row.split()[0] for row in matrix] == ["flask", "django", "starlette", "fastapi"]
    for row in matrix:
        counts = row.split()[1:]
        assert len(counts) == 3 and all(c.isdigit() and int(c) > 0 for c in counts), row
    rows = out.split("framework   rollbar   raygun  bugsnag\n", 1)[1].splitlines()
    for name in ("aiohttp", "quart", "strawberry", "graphene"):
        counts = next(row.split()[1:] for row in rows if row.split()[:1] == [name])
        assert len(counts) == 3 and all(c.isdigit() and int(c) > 0 for c in counts), name
    if "celery and rq were not run" not in out:  # redis-server, celery and rq are here
        for name in ("celery", "rq"):
            counts = next(row.split()[1:] for row in rows if row.split()[:1] == [name])
            assert len(counts) == 3 and all(c.isdigit() and int(c) > 0 for c in counts), name
    assert "example_apps/nightly_job.py: exit status 1" in out
    assert db.exists()
