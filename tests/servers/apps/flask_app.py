"""Flask, for gunicorn (sync, gthread, preload) and uWSGI."""

from __future__ import annotations

import os

from flask import Flask, request

from errorwire.integrations.flask import Errorwire

from .common import failure, init

init()
app = Flask(__name__)
Errorwire(app)


@app.get("/pid")
def pid() -> str:
    return str(os.getpid())


@app.get("/fail")
def fail() -> str:
    raise failure(request.args["token"])
