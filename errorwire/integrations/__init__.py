"""Thin glue between frameworks and the core. Each module imports only its framework."""

from contextlib import contextmanager
from typing import Iterator

FRAMEWORKS = (
    "aws_lambda",
    "gcp",
    "channels",
    "fastapi",
    "strawberry",
    "graphene",
    "quart",
    "flask",
    "django",
    "litestar",
    "falcon",
    "aiohttp",
    "starlette",
    "tornado",
    "sanic",
    "pyramid",
    "bottle",
    "celery",
    "rq",
    "dramatiq",
    "huey",
    "arq",
    "apscheduler",
    "wsgi",
    "asgi",
)
"""The names a report's ``framework`` takes, most specific first (a FastAPI app also runs
Starlette, a Strawberry schema may run in Django): the inbox finds them in any vendor's
payload. An integration adds its name here."""


@contextmanager
def needs(module: str, framework: str) -> Iterator[None]:
    """``with needs(__name__, "Bottle"): import bottle``: an integration imported without
    its framework fails with an ImportError that names the extra to install."""
    try:
        yield
    except ImportError as exc:
        extra = module.rsplit(".", 1)[-1]
        raise ImportError(f"{module} needs {framework}: pip install errorwire[{extra}]") from exc
