"""Sessions: tests (framework matrix), servers, lint, typing, demo, bench.

nox              # every default session: tests (framework matrix), servers, lint, typing
nox -s demo      # example apps -> local inbox, prints what arrived
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "tests_strawberry_latest", "servers", "lint", "typing"]
nox.options.reuse_existing_virtualenvs = True

TEST_DEPS = [
    "pytest>=7",
    "hypothesis>=6.80",
    "jsonschema>=4.18",
    "rfc3339-validator>=0.1.4",  # lets jsonschema check "format: date-time" (Bugsnag)
    "pyyaml>=6",
    "httpx>=0.24",
    "uvicorn>=0.23",
    "flask-login>=0.6",
    "python-multipart>=0.0.9",  # Starlette/FastAPI form parsing (upload tests)
    "jinja2>=3.1",  # Starlette/FastAPI template routes
    "playwright>=1.40",  # inbox browser test; drives the system Chromium (no browser download)
    "opentelemetry-sdk>=1.20",  # trace ids of a recording span go with reports
    "orjson>=3.9",  # errorwire[orjson]: the fast encoder (tests/vendors/test_to_json.py: both)
    "requests>=2.28",  # breadcrumbs of outgoing HTTP calls (its response hook)
    "sqlalchemy>=2.0",  # breadcrumbs of SQL queries (engine events)
    "websockets>=12",  # Quart websocket test: uvicorn's websocket server and the client
]
FRAMEWORKS = {
    "oldest": [
        "flask==2.3.*",
        "werkzeug==2.3.*",
        "django==4.2.*",
        "starlette==0.37.*",
        "fastapi==0.111.*",
        "strawberry-graphql==0.220.*",
        "graphene==3.3.*",
        "graphene-django==3.2.0",
        "aiohttp==3.9.*",
        "yarl==1.9.*",  # aiohttp 3.9 breaks on yarl >= 1.10 (its own request.url)
        "litestar==2.9.*",
        "sniffio",  # Litestar 2.9 imports it; anyio >= 4.12 no longer brings it
        "falcon==3.1.*",
        "celery==5.4.*",
        "kombu==5.4.*",  # Celery 5.3 (kombu 5.3, redis-py 4) can hang in a prefork warm shutdown
        "rq==1.16.*",
        "redis==5.0.*",
        "tornado==6.1.*",
        "pyramid==2.0.*",
        "setuptools<81",  # Pyramid 2.0 imports pkg_resources, which uv's venvs do not bring
        "bottle==0.12.*",
        "waitress==2.1.*",
        "channels==4.1.*",  # 4.0's AsyncHttpConsumer drops the errors of handle() itself
        "dramatiq[redis]==1.17.*",
        "huey==2.5.*",
        "arq==0.26.*",
        "awslambdaric==3.0.*; sys_platform == 'linux'",  # Linux wheels (else the test skips)
        "functions-framework==3.5.*",
        "loguru==0.6.*",
        "structlog==22.1.*",
        "apscheduler==3.10.*",  # 3.9 imports pkg_resources, which new setuptools lacks
    ],
    # Strawberry >= 0.328 needs graphql-core 3.3, which Graphene 3 excludes: the newest
    # Strawberry installable beside Graphene is resolved (tests_strawberry_latest: the latest).
    "newest": [
        "flask",
        "django",
        "starlette",
        "fastapi",
        "strawberry-graphql",
        "graphene>=3.3",
        "graphene-django>=3.2",
        "aiohttp",
        "quart",
        "quart-auth",
        "litestar",
        "falcon",
        "celery",
        "rq",
        # redis-py 8.2's PubSubWorkerThread.stop() joins the thread, which RQ 3.0 runs with
        # sleep_time=60: when it has read the unsubscribe before stop(), a worker's exit
        # waits up to 60 s (py-spy: BaseWorker.unsubscribe -> stop -> join), no errorwire needed
        "redis<8.2",
        "tornado",
        "pyramid",
        "bottle",
        "waitress",
        "sanic",
        "channels",
        "dramatiq[redis]",
        "huey",
        "awslambdaric; sys_platform == 'linux'",
        "functions-framework",
        "loguru",
        "structlog",
        "apscheduler<4",  # 4.x is a different API (and a pre-release)
    ],
}
SOLO = {
    # Quart 0.18 (the last before Quart was rebuilt on Flask 3) needs blinker < 1.6, which
    # Flask 2.3 cannot run with: its oldest version gets an environment of its own.
    "oldest-quart": (
        ["quart==0.18.*", "werkzeug==2.3.*", "quart-auth", "starlette"],  # starlette: schemas
        "tests/integrations/quart",
    ),
    # Sanic before 25 serves websockets that the websockets library >= 14 cannot talk to.
    "oldest-sanic": (
        ["sanic==24.6.*", "websockets==13.*", "starlette"],  # starlette: schemas
        "tests/integrations/sanic",
    ),
    # arq needs redis-py < 6, the newest kombu (Celery) >= 6.4: the newest arq apart.
    "newest-arq": (["arq", "redis<6", "starlette"], "tests/integrations/jobs/test_arq_worker.py"),
}


@nox.session
@nox.parametrize("frameworks", [*FRAMEWORKS, *SOLO])
def tests(session: nox.Session, frameworks: str) -> None:
    """The test suite against the oldest or newest supported framework versions."""
    if frameworks in SOLO:
        pins, folder = SOLO[frameworks]
        session.install("-e", ".", *TEST_DEPS, *pins)
        session.run("pytest", *(session.posargs or [folder]))
        return
    session.install("-e", ".", *TEST_DEPS, *FRAMEWORKS[frameworks])
    session.run("pytest", "--ignore=tests/servers", *session.posargs)  # nox -s servers


@nox.session
def tests_strawberry_latest(session: nox.Session) -> None:
    """The Strawberry tests against its latest release (graphql-core 3.3, without Graphene)."""
    session.install("-e", ".", *TEST_DEPS, "starlette", "fastapi", "strawberry-graphql>=0.328")
    session.run("pytest", "tests/integrations/strawberry", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    sources = ("errorwire", "tests", "example_apps", "benchmarks", "noxfile.py")
    session.run("ruff", "check", *sources)
    session.run("ruff", "format", "--check", *sources)


@nox.session
def typing(session: nox.Session) -> None:
    # pytest: errorwire.testing's fixture; orjson: the optional encoder (vendors/base.py)
    session.install("-e", ".[orjson]", "mypy>=1.8", "pytest>=7")
    session.run("mypy")


@nox.session
def demo(session: nox.Session) -> None:
    """Every example app fails into a local inbox; prints what arrived (--serve keeps it up)."""
    session.install(
        "-e",
        ".[inbox,flask,django,starlette,fastapi,strawberry,graphene,aiohttp,quart,litestar,falcon,"
        "celery,rq,dramatiq,huey,arq,gcp,loguru,structlog,apscheduler,tornado,pyramid,bottle,"
        "sanic,channels]",
        "waitress",
        "kombu<5.6",  # arq needs redis-py < 6, which kombu >= 5.6's Redis transport refuses
        "redis",
        "flask-login",
        "jinja2",
        "python-multipart",
    )
    session.run("python", "example_apps/run_demo.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """errorwire vs the bare app and vendor SDKs; writes benchmarks/RESULTS.md (--quick: smoke)."""
    session.install(
        "-e",
        ".[orjson]",
        *("flask", "django", "starlette", "httpx", "sentry-sdk", "rollbar", "bugsnag"),
    )
    session.run("python", "benchmarks/bench.py", *session.posargs)
    if not session.posargs and os.path.exists("benchmarks/bench_cap.py"):
        session.run("python", "benchmarks/bench_cap.py")
    quick = ["--rounds", "1", "--n", "200"] if "--quick" in session.posargs else []
    write = [] if quick else ["--write"]  # CPU per report, before/after, into RESULTS.md
    session.run("python", "benchmarks/bench_transport.py", *quick, *write)


SERVERS = [
    "gunicorn>=21",
    "uvicorn>=0.23",
    "hypercorn>=0.16",
    "waitress>=2.1",
    "daphne>=4",
    "psutil>=5.9",  # which worker process holds the connection a report arrived on
]


@nox.session
def servers(session: nox.Session) -> None:
    """The apps under real servers (gunicorn, uvicorn, hypercorn, waitress, daphne, uWSGI)."""
    session.install("-e", ".", *TEST_DEPS, *FRAMEWORKS["newest"], *SERVERS)
    # uWSGI compiles from source (gcc, Python headers); if it cannot, its tests skip saying why.
    try:
        session.install("uwsgi>=2.0.22")
    except nox.command.CommandFailed:
        session.warn("uWSGI did not build; its tests skip")
    session.run("pytest", "tests/servers", *session.posargs)
