"""Thin glue between frameworks and the core. Each module imports only its framework."""

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
