from __future__ import annotations

from typing import Any, ContextManager, Dict

import pytest

pytest.importorskip("falcon")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

from tests.integrations.asgi.asgi_support import serve
from tests.integrations.falcon.falcon_apps import make_asgi_app, make_wsgi_app
from tests.integrations.falcon.falcon_support import Server, serve_wsgi


@pytest.fixture(params=["wsgi", "asgi"])
def kind(request: pytest.FixtureRequest) -> str:
    """Each test runs against ``falcon.App`` under wsgiref and ``falcon.asgi.App`` under uvicorn."""
    return str(request.param)


@pytest.fixture
def server(kind: str) -> Server:
    """``server(with_errorwire=True)``: the app of this kind, served; yields its base URL."""
    make = make_wsgi_app if kind == "wsgi" else make_asgi_app
    run = serve_wsgi if kind == "wsgi" else serve

    def start_server(with_errorwire: bool = True) -> ContextManager[str]:
        return run(make(with_errorwire))

    return start_server


@pytest.fixture
def reports_options() -> Dict[str, Any]:
    return {"storm_limit": 1000}
